//! Integer pseudocode helpers (Arm ARM J1.1.3 shared/functions): AddWithCarry,
//! ConditionHolds, shifts and extends.

/// NZCV bit positions as PSTATE/NZCV hold them.
pub(crate) const N: u32 = 1 << 31;
pub(crate) const Z: u32 = 1 << 30;
pub(crate) const C: u32 = 1 << 29;
pub(crate) const V: u32 = 1 << 28;

/// `AddWithCarry` for a 64-bit or 32-bit datasize: (result, NZCV).
#[inline(always)]
pub(crate) fn add_with_carry(sf: bool, x: u64, y: u64, carry: bool) -> (u64, u32) {
    if sf {
        let (r1, c1) = x.overflowing_add(y);
        let (r, c2) = r1.overflowing_add(carry as u64);
        let v = ((x ^ r) & (y ^ r)) >> 63;
        let flags = ((r >> 63) as u32) << 31 | ((r == 0) as u32) << 30 | ((c1 | c2) as u32) << 29 | (v as u32) << 28;
        (r, flags)
    } else {
        let (x, y) = (x as u32, y as u32);
        let (r1, c1) = x.overflowing_add(y);
        let (r, c2) = r1.overflowing_add(carry as u32);
        let v = ((x ^ r) & (y ^ r)) >> 31;
        let flags = (r >> 31) << 31 | ((r == 0) as u32) << 30 | ((c1 | c2) as u32) << 29 | v << 28;
        (r as u64, flags)
    }
}

/// N and Z of a logical result, C and V cleared.
#[inline(always)]
pub(crate) fn logic_flags(sf: bool, r: u64) -> u32 {
    if sf {
        ((r >> 63) as u32) << 31 | ((r == 0) as u32) << 30
    } else {
        ((r as u32) >> 31) << 31 | ((r as u32 == 0) as u32) << 30
    }
}

/// `ConditionHolds` (J1.1.3).
#[inline(always)]
pub(crate) fn condition_holds(cond: u8, nzcv: u32) -> bool {
    let n = nzcv & N != 0;
    let z = nzcv & Z != 0;
    let c = nzcv & C != 0;
    let v = nzcv & V != 0;
    let r = match cond >> 1 {
        0 => z,
        1 => c,
        2 => n,
        3 => v,
        4 => c && !z,
        5 => n == v,
        6 => n == v && !z,
        _ => true,
    };
    if cond & 1 == 1 && cond != 0xf {
        !r
    } else {
        r
    }
}

/// Truncates to the datasize (zero-extending a 32-bit result into the X register).
#[inline(always)]
pub(crate) fn trunc(sf: bool, v: u64) -> u64 {
    if sf {
        v
    } else {
        v as u32 as u64
    }
}

/// `ShiftReg` for shift types LSL, LSR, ASR, ROR with `amount` < datasize.
#[inline(always)]
pub(crate) fn shift_reg(sf: bool, v: u64, shift: u8, amount: u32) -> u64 {
    if sf {
        match shift {
            0 => v << amount,
            1 => v >> amount,
            2 => ((v as i64) >> amount) as u64,
            _ => v.rotate_right(amount),
        }
    } else {
        let w = v as u32;
        (match shift {
            0 => w << amount,
            1 => w >> amount,
            2 => ((w as i32) >> amount) as u32,
            _ => w.rotate_right(amount),
        }) as u64
    }
}

/// `ExtendReg` for option 0..=7 (UXTB..SXTX) and a left shift of 0..=4.
#[inline(always)]
pub(crate) fn extend_reg(v: u64, option: u8, shift: u8) -> u64 {
    let e = match option {
        0 => v as u8 as u64,
        1 => v as u16 as u64,
        2 => v as u32 as u64,
        3 => v,
        4 => v as i8 as i64 as u64,
        5 => v as i16 as i64 as u64,
        6 => v as i32 as i64 as u64,
        _ => v,
    };
    e << shift
}

/// Sign-extends the low `bytes` bytes of `v`.
#[inline(always)]
pub(crate) fn sext_bytes(v: u64, bytes: u32) -> u64 {
    let sh = 64 - 8 * bytes;
    (((v << sh) as i64) >> sh) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_with_carry_flags() {
        // 0x7fffffff + 1 overflows in 32 bits: N and V set.
        assert_eq!(add_with_carry(false, 0x7fff_ffff, 1, false), (0x8000_0000, N | V));
        // 1 - 1 via x + !y + 1: Z and C set.
        assert_eq!(add_with_carry(true, 1, !1, true), (0, Z | C));
        // 0 - 1 borrows: N set, C clear.
        assert_eq!(add_with_carry(true, 0, !1u64, true), (u64::MAX, N));
    }

    #[test]
    fn conditions() {
        assert!(condition_holds(0, Z)); // EQ
        assert!(!condition_holds(1, Z)); // NE
        assert!(condition_holds(0xa, N | V)); // GE
        assert!(condition_holds(0xb, N)); // LT
        assert!(condition_holds(0xe, 0)); // AL
        assert!(condition_holds(0xf, 0)); // NV behaves as AL
        assert!(condition_holds(8, C)); // HI
        assert!(!condition_holds(8, C | Z));
    }
}

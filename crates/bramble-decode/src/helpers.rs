//! Pseudocode helpers the decode spec's expressions call (Arm ARM J1 "shared pseudocode").

/// Sign-extends the low `bits` bits of `value`.
#[inline]
pub const fn sext(value: u32, bits: u32) -> i64 {
    let shift = 64 - bits;
    (((value as u64) << shift) as i64) >> shift
}

/// `DecodeBitMasks` (J1.1.3): returns (wmask, tmask) or None for a reserved encoding.
pub fn decode_bit_masks(n: u32, imms: u32, immr: u32, immediate: bool, datasize: u32) -> Option<(u64, u64)> {
    let combined = (n << 6) | (!imms & 0x3f);
    if combined == 0 {
        return None;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 {
        return None;
    }
    let esize = 1u32 << len;
    if esize > datasize {
        return None;
    }
    let levels = esize - 1;
    if immediate && (imms & levels) == levels {
        return None;
    }
    let s = imms & levels;
    let r = immr & levels;
    let d = s.wrapping_sub(r) & levels;
    let ones = |k: u32| -> u64 {
        if k >= 64 {
            u64::MAX
        } else {
            (1u64 << k) - 1
        }
    };
    let emask = ones(esize);
    let welem = ones(s + 1);
    let telem = ones(d + 1);
    let ror = |x: u64, sh: u32| -> u64 {
        if sh == 0 {
            x
        } else {
            ((x >> sh) | (x << (esize - sh))) & emask
        }
    };
    let wrep = replicate(ror(welem, r), esize, datasize);
    let trep = replicate(telem, esize, datasize);
    Some((wrep, trep))
}

fn replicate(elem: u64, esize: u32, datasize: u32) -> u64 {
    let mut out = 0u64;
    let mut pos = 0;
    while pos < datasize {
        out |= elem << pos;
        pos += esize;
    }
    out
}

/// The bitmask immediate of a logical (immediate) instruction, or None when reserved
/// (including N = 1 in the 32-bit form).
pub fn logic_imm(sf: u32, n: u32, imms: u32, immr: u32) -> Option<u64> {
    if sf == 0 && n != 0 {
        return None;
    }
    let datasize = if sf == 1 { 64 } else { 32 };
    decode_bit_masks(n, imms, immr, true, datasize).map(|(w, _)| w)
}

/// The key system registers are looked up by: op0:op1:CRn:CRm:op2 packed into 16 bits,
/// the same layout as the MRS/MSR encoding bits [20:5].
#[inline]
pub const fn sysreg_key(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u16 {
    ((op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2) as u16
}

/// Whether a load/store register (size, opc) pair is allocated. `prfm_ok` is true for the
/// forms where size = 11, opc = 10 means PRFM/PRFUM rather than an unallocated encoding.
#[inline]
pub const fn ldst_valid(size: u32, opc: u32, prfm_ok: bool) -> bool {
    match opc {
        0 | 1 => true,
        2 => size != 3 || prfm_ok,
        _ => size <= 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_masks_match_known_immediates() {
        // and x0, x0, #0xff: N=1 immr=0 imms=7
        assert_eq!(logic_imm(1, 1, 7, 0), Some(0xff));
        // orr w0, wzr, #0x55555555: N=0 immr=0 imms=0b111100
        assert_eq!(logic_imm(0, 0, 0x3c, 0), Some(0x5555_5555));
        // 0x8000000000000000: N=1 immr=1 imms=0
        assert_eq!(logic_imm(1, 1, 0, 1), Some(0x8000_0000_0000_0000));
        // all ones is reserved
        assert_eq!(logic_imm(1, 1, 0x3f, 0), None);
    }

    #[test]
    fn sext_extends_sign() {
        assert_eq!(sext(0x1ff, 9), -1);
        assert_eq!(sext(0x0ff, 9), 255);
        assert_eq!(sext(0x3ffffff, 26), -1);
    }
}

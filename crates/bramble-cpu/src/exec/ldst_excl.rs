//! Load/store exclusive, load-acquire/store-release and compare-and-swap (Arm ARM
//! C4.1.88.6; the local exclusive monitor of B2.9.2).

use bramble_decode::LdSt;
use bramble_mem::Bus;

use crate::cpu::{Cpu, ExecResult};

impl Cpu {
    /// Sets the local monitor on (`va`, `size`) after the load went through, noting the
    /// physical address for the global monitor (the load just filled the micro-TLB).
    fn mark_exclusive(&mut self, bus: &Bus, va: u64, size: u8) {
        self.monitor = Some((va, size));
        self.monitor_pa = if !self.translate_on {
            va
        } else {
            match self.utlb.read(va, size) {
                Some(pa) => pa,
                None => self.translate_quietly(bus, va).unwrap_or(va),
            }
        };
    }

    pub(crate) fn exec_ldst_excl(&mut self, bus: &mut Bus, i: &LdSt, word: u32) -> ExecResult {
        match *i {
            LdSt::Ldxr { size, rn, rt, .. } => {
                let bytes = 1u8 << size;
                let addr = self.base(rn)?;
                Self::check_aligned(addr, bytes as u64, false)?;
                let v = self.read(bus, addr, bytes)?;
                self.mark_exclusive(bus, addr, bytes);
                self.set_xz(rt, v);
            }
            LdSt::Stxr { size, rs, rn, rt, .. } => {
                let bytes = 1u8 << size;
                let addr = self.base(rn)?;
                Self::check_aligned(addr, bytes as u64, true)?;
                // IMPDEF: the store succeeds only for the exact address and size the monitor
                // holds (the architecture allows any address in the same granule).
                let ok = self.monitor == Some((addr, bytes));
                if ok {
                    self.write(bus, addr, bytes, self.xz(rt))?;
                }
                self.monitor = None;
                self.set_xz(rs, !ok as u64);
            }
            LdSt::Ldxp { sf, rt2, rn, rt, .. } => {
                let bytes: u8 = if sf { 8 } else { 4 };
                let addr = self.base(rn)?;
                Self::check_aligned(addr, 2 * bytes as u64, false)?;
                let a = self.read(bus, addr, bytes)?;
                let b = self.read(bus, addr + bytes as u64, bytes)?;
                self.mark_exclusive(bus, addr, 2 * bytes);
                self.set_xz(rt, a);
                self.set_xz(rt2, b);
            }
            LdSt::Stxp { sf, rs, rt2, rn, rt, .. } => {
                let bytes: u8 = if sf { 8 } else { 4 };
                let addr = self.base(rn)?;
                Self::check_aligned(addr, 2 * bytes as u64, true)?;
                let ok = self.monitor == Some((addr, 2 * bytes));
                if ok {
                    let (a, b) = (self.xz(rt), self.xz(rt2));
                    self.write(bus, addr, bytes, a)?;
                    self.write(bus, addr + bytes as u64, bytes, b)?;
                }
                self.monitor = None;
                self.set_xz(rs, !ok as u64);
            }
            LdSt::Ldar { size, rn, rt } => {
                let bytes = 1u8 << size;
                let addr = self.base(rn)?;
                Self::check_aligned(addr, bytes as u64, false)?;
                let v = self.read(bus, addr, bytes)?;
                self.set_xz(rt, v);
            }
            LdSt::Stlr { size, rn, rt } => {
                let bytes = 1u8 << size;
                let addr = self.base(rn)?;
                Self::check_aligned(addr, bytes as u64, true)?;
                self.write(bus, addr, bytes, self.xz(rt))?;
            }
            LdSt::Cas { size, rs, rn, rt, .. } => {
                if !self.features.lse {
                    return Err(self.unallocated_ext(word, "CAS (FEAT_LSE)"));
                }
                let bytes = 1u8 << size;
                let mask = mask(bytes);
                let addr = self.base(rn)?;
                Self::check_aligned(addr, bytes as u64, true)?;
                let old = self.read(bus, addr, bytes)?;
                if old == self.xz(rs) & mask {
                    self.write(bus, addr, bytes, self.xz(rt))?;
                }
                self.set_xz(rs, old);
            }
            LdSt::Casp { sf, rs, rn, rt, .. } => {
                if !self.features.lse {
                    return Err(self.unallocated_ext(word, "CASP (FEAT_LSE)"));
                }
                let bytes: u8 = if sf { 8 } else { 4 };
                let mask = mask(bytes);
                let addr = self.base(rn)?;
                Self::check_aligned(addr, 2 * bytes as u64, true)?;
                let (rs2, rt2) = (next_reg(rs), next_reg(rt));
                let a = self.read(bus, addr, bytes)?;
                let b = self.read(bus, addr + bytes as u64, bytes)?;
                if a == self.xz(rs) & mask && b == self.xz(rs2) & mask {
                    let (na, nb) = (self.xz(rt), self.xz(rt2));
                    self.write(bus, addr, bytes, na)?;
                    self.write(bus, addr + bytes as u64, bytes, nb)?;
                }
                self.set_xz(rs, a);
                self.set_xz(rs2, b);
            }
            _ => unreachable_ldst(),
        }
        Ok(())
    }
}

/// The second register of an even/odd pair (Xt+1; XZR pairs with itself at 31).
fn next_reg(r: bramble_decode::Xz) -> bramble_decode::Xz {
    bramble_decode::Xz::new((r.num() as u32 + 1).min(31))
}

pub(crate) fn mask(bytes: u8) -> u64 {
    if bytes == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * bytes)) - 1
    }
}

/// `exec_ldst` routes only the variants above here.
#[cold]
fn unreachable_ldst() {
    debug_assert!(false, "exec_ldst_excl called with a non-exclusive instruction");
}

#[cfg(test)]
mod tests {
    use crate::exec::testutil::run;

    #[test]
    fn exclusive_pair_succeeds_then_fails_after_clrex() {
        let (cpu, bus) = run(
            &[
                0xc85f7c22, // ldxr x2, [x1]
                0x91000442, // add x2, x2, #1
                0xc8037c22, // stxr w3, x2, [x1]
                0xc85f7c24, // ldxr x4, [x1]
                0xd5033f5f, // clrex
                0xc8057c24, // stxr w5, x4, [x1]
            ],
            &[(1, 0x4000), (3, 9), (5, 9)],
        );
        assert_eq!(cpu.xreg(3), 0);
        assert_eq!(cpu.xreg(5), 1);
        assert_eq!(bus.ram.read(0x4000, 8), Some(1));
    }

    #[test]
    fn compare_and_swap() {
        let (cpu, bus) = run(
            &[
                0xc8a27c23, // cas x2, x3, [x1]  (memory 0 == x2: stores x3)
                0xc8a47c25, // cas x4, x5, [x1]  (memory 7 != x4: no store)
            ],
            &[(1, 0x4000), (2, 0), (3, 7), (4, 1), (5, 9)],
        );
        assert_eq!(cpu.xreg(2), 0);
        assert_eq!(cpu.xreg(4), 7);
        assert_eq!(bus.ram.read(0x4000, 8), Some(7));
    }
}

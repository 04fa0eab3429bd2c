//! Atomic memory operations (FEAT_LSE, Arm ARM C4.1.88.13): LDADD, LDCLR, LDEOR, LDSET,
//! LDSMAX, LDSMIN, LDUMAX, LDUMIN, SWP in every size and ordering, and LDAPR (FEAT_LRCPC).
//! One PE and no concurrent observers: read-modify-write in program order is atomic.

use bramble_decode::LdSt;
use bramble_mem::Bus;

use super::ldst_excl::mask;
use crate::alu::sext_bytes;
use crate::cpu::{Cpu, ExecResult};

impl Cpu {
    pub(crate) fn exec_atomic(&mut self, bus: &mut Bus, i: &LdSt, word: u32) -> ExecResult {
        match *i {
            LdSt::AtomicOp { size, rs, opc, rn, rt, .. } => {
                if !self.features.lse {
                    return Err(self.unallocated_ext(word, "atomic memory operation (FEAT_LSE)"));
                }
                let bytes = 1u8 << size;
                let addr = self.base(rn)?;
                Self::check_aligned(addr, bytes as u64, true)?;
                let old = self.read(bus, addr, bytes)?;
                let s = self.xz(rs) & mask(bytes);
                let (so, ss) = (sext_bytes(old, bytes as u32) as i64, sext_bytes(s, bytes as u32) as i64);
                let new = match opc {
                    0 => old.wrapping_add(s),
                    1 => old & !s,
                    2 => old ^ s,
                    3 => old | s,
                    4 => so.max(ss) as u64,
                    5 => so.min(ss) as u64,
                    6 => old.max(s),
                    _ => old.min(s),
                };
                self.write(bus, addr, bytes, new)?;
                self.set_xz(rt, old);
            }
            LdSt::Swp { size, rs, rn, rt, .. } => {
                if !self.features.lse {
                    return Err(self.unallocated_ext(word, "SWP (FEAT_LSE)"));
                }
                let bytes = 1u8 << size;
                let addr = self.base(rn)?;
                Self::check_aligned(addr, bytes as u64, true)?;
                let old = self.read(bus, addr, bytes)?;
                self.write(bus, addr, bytes, self.xz(rs))?;
                self.set_xz(rt, old);
            }
            LdSt::Ldapr { size, rn, rt } => {
                if !self.features.lrcpc {
                    return Err(self.unallocated_ext(word, "LDAPR (FEAT_LRCPC)"));
                }
                let bytes = 1u8 << size;
                let addr = self.base(rn)?;
                Self::check_aligned(addr, bytes as u64, false)?;
                let v = self.read(bus, addr, bytes)?;
                self.set_xz(rt, v);
            }
            _ => debug_assert!(false, "exec_atomic called with a non-atomic instruction"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::exec::testutil::run;

    #[test]
    fn ldadd_and_signed_max() {
        let (cpu, bus) = run(
            &[
                0xf8220023, // ldadd x2, x3, [x1]
                0x38224024, // ldsmaxb w2, w4, [x1]
            ],
            &[(1, 0x4000), (2, 0x80)],
        );
        assert_eq!(cpu.xreg(3), 0);
        assert_eq!(cpu.xreg(4), 0x80);
        // signed bytes: max(-128, -128) = -128
        assert_eq!(bus.ram.read(0x4000, 8), Some(0x80));
    }
}

//! Loads and stores of general-purpose registers (Arm ARM C4.1.88): literal, register
//! with unsigned/unscaled/pre/post-indexed/unprivileged/register offsets, and pairs.
//! Exclusives, ordered accesses and atomics are in `ldst_excl.rs` and `atomic.rs`.

use bramble_decode::{LdSt, Xs, Xz};
use bramble_mem::Bus;

use crate::alu::{extend_reg, sext_bytes};
use crate::cpu::{Cpu, ExecResult};

/// What a load/store register instruction does with Rt, from (size, opc).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Store,
    Load,
    /// Load and sign-extend to 64 bits.
    LoadSx64,
    /// Load and sign-extend to 32 bits (zeroing the top half).
    LoadSx32,
    Prefetch,
}

#[inline(always)]
pub(crate) fn op(size: u8, opc: u8) -> Op {
    match opc {
        0 => Op::Store,
        1 => Op::Load,
        2 if size == 3 => Op::Prefetch,
        2 => Op::LoadSx64,
        _ => Op::LoadSx32,
    }
}

impl Cpu {
    #[inline(always)]
    pub(crate) fn exec_ldst(&mut self, bus: &mut Bus, i: &LdSt, word: u32) -> ExecResult {
        match *i {
            LdSt::LdstUimm { size, opc, rn, rt, off } => {
                let addr = self.base(rn)?.wrapping_add(off);
                self.ldst_reg(bus, op(size, opc), size, addr, rt)
            }
            LdSt::LdstImm9 { size, opc, mode, rn, rt, off } => {
                let base = self.base(rn)?;
                let post = mode == 1;
                let addr = if post { base } else { base.wrapping_add(off as u64) };
                // LDTR/STTR (mode 10) check permissions as EL0 would.
                self.unprivileged = mode == 2;
                let r = self.ldst_reg(bus, op(size, opc), size, addr, rt);
                self.unprivileged = false;
                // UNPREDICTABLE: with writeback and Rn == Rt, the writeback wins (as QEMU).
                r?;
                if mode & 1 == 1 {
                    self.set_xs(rn, base.wrapping_add(off as u64));
                }
                Ok(())
            }
            LdSt::LdstRoff { size, opc, rm, option, rn, rt, shift } => {
                let offset = extend_reg(self.xz(rm), option, shift);
                let addr = self.base(rn)?.wrapping_add(offset);
                self.ldst_reg(bus, op(size, opc), size, addr, rt)
            }
            LdSt::LdrLit { opc, rt, off } => {
                let addr = self.pc.wrapping_add(off as u64);
                match opc {
                    0 => self.ldst_reg(bus, Op::Load, 2, addr, rt),
                    1 => self.ldst_reg(bus, Op::Load, 3, addr, rt),
                    2 => self.ldst_reg(bus, Op::LoadSx64, 2, addr, rt),
                    _ => Ok(()), // PRFM (literal)
                }
            }
            LdSt::LdstPair { opc, idx, load, rt2, rn, rt, off } => {
                self.ldst_pair(bus, opc, idx, load, rt2, rn, rt, off)
            }
            LdSt::Stxr { .. }
            | LdSt::Ldxr { .. }
            | LdSt::Stxp { .. }
            | LdSt::Ldxp { .. }
            | LdSt::Stlr { .. }
            | LdSt::Ldar { .. }
            | LdSt::Cas { .. }
            | LdSt::Casp { .. } => self.exec_ldst_excl(bus, i, word),
            LdSt::AtomicOp { .. } | LdSt::Swp { .. } | LdSt::Ldapr { .. } => self.exec_atomic(bus, i, word),
        }
    }

    #[inline(always)]
    fn ldst_reg(&mut self, bus: &mut Bus, op: Op, size: u8, addr: u64, rt: Xz) -> ExecResult {
        let bytes = 1u8 << size;
        match op {
            Op::Store => self.write(bus, addr, bytes, self.xz(rt))?,
            Op::Load => {
                let v = self.read(bus, addr, bytes)?;
                self.set_xz(rt, v);
            }
            Op::LoadSx64 => {
                let v = self.read(bus, addr, bytes)?;
                self.set_xz(rt, sext_bytes(v, bytes as u32));
            }
            Op::LoadSx32 => {
                let v = self.read(bus, addr, bytes)?;
                self.set_xz(rt, sext_bytes(v, bytes as u32) as u32 as u64);
            }
            // PRFM is a hint: it never faults.
            Op::Prefetch => {}
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn ldst_pair(
        &mut self,
        bus: &mut Bus,
        opc: u8,
        idx: u8,
        load: bool,
        rt2: Xz,
        rn: Xs,
        rt: Xz,
        off: i64,
    ) -> ExecResult {
        let base = self.base(rn)?;
        let addr = if idx == 1 { base } else { base.wrapping_add(off as u64) };
        let bytes: u8 = if opc == 2 { 8 } else { 4 };
        let second = addr.wrapping_add(bytes as u64);
        if load {
            let a = self.read(bus, addr, bytes)?;
            let b = self.read(bus, second, bytes)?;
            let (a, b) = if opc == 1 { (sext_bytes(a, 4), sext_bytes(b, 4)) } else { (a, b) };
            self.set_xz(rt, a);
            self.set_xz(rt2, b);
        } else {
            let (a, b) = (self.xz(rt), self.xz(rt2));
            self.write(bus, addr, bytes, a)?;
            self.write(bus, second, bytes, b)?;
        }
        if idx == 1 || idx == 3 {
            self.set_xs(rn, base.wrapping_add(off as u64));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::exec::testutil::run;

    #[test]
    fn addressing_modes() {
        let (cpu, bus) = run(
            &[
                0xf9000420, // str x0, [x1, #8]
                0x38401c22, // ldrb w2, [x1, #1]!
                0x78c02423, // ldrsh w3, [x1], #2
                0xa9bf07e0, // stp x0, x1, [sp, #-16]!
                0x69400fe5, // ldpsw x5, x3, [sp]
            ],
            &[(0, 0x8081_8283_8485_8687), (1, 0x4000)],
        );
        assert_eq!(bus.ram.read(0x4008, 8), Some(0x8081_8283_8485_8687));
        assert_eq!(cpu.xreg(2), 0);
        assert_eq!(cpu.xreg(1), 0x4003);
        assert_eq!(cpu.sp(), 0x8000 - 16);
        assert_eq!(cpu.xreg(5), 0xffff_ffff_8485_8687);
        assert_eq!(cpu.xreg(3), 0xffff_ffff_8081_8283);
    }
}

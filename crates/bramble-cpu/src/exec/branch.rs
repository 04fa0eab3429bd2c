//! Branches and exception generation (Arm ARM C4.1.87): immediate, conditional,
//! compare-and-branch, test-and-branch, register branches, ERET, SVC/HVC/SMC/BRK/HLT.

use bramble_decode::{Branch, Exception as ExcInsn};

use crate::alu::condition_holds;
use crate::cpu::{Cpu, ExecResult, Stop, Trap};
use crate::exception::Exception;

/// The HLT immediate of the A64 semihosting convention.
const SEMIHOSTING_HLT: u16 = 0xf000;

impl Cpu {
    #[inline(always)]
    pub(crate) fn exec_branch(&mut self, i: &Branch) -> ExecResult {
        let pc = self.pc;
        match *i {
            Branch::B { off } => self.next_pc = pc.wrapping_add(off as u64),
            Branch::Bl { off } => {
                self.x[30] = pc.wrapping_add(4);
                self.next_pc = pc.wrapping_add(off as u64);
            }
            Branch::Cb { sf, nz, rt, off } => {
                let v = self.xz(rt);
                let zero = if sf { v == 0 } else { v as u32 == 0 };
                if zero != nz {
                    self.next_pc = pc.wrapping_add(off as u64);
                }
            }
            Branch::Tb { nz, rt, bit, off } => {
                if ((self.xz(rt) >> bit) & 1 != 0) == nz {
                    self.next_pc = pc.wrapping_add(off as u64);
                }
            }
            Branch::BCond { cond, off } => {
                if condition_holds(cond, self.nzcv) {
                    self.next_pc = pc.wrapping_add(off as u64);
                }
            }
            Branch::Br { rn } | Branch::Ret { rn } => self.next_pc = self.xz(rn),
            Branch::Blr { rn } => {
                // Read the target before writing X30: BLR X30 branches to the old value.
                self.next_pc = self.xz(rn);
                self.x[30] = pc.wrapping_add(4);
            }
            Branch::Eret => {
                if self.el == 0 {
                    return Err(Exception::Undefined.into());
                }
                self.exception_return();
            }
        }
        Ok(())
    }

    pub(crate) fn exec_exception(&mut self, i: &ExcInsn, _word: u32) -> ExecResult {
        let e = match *i {
            ExcInsn::Svc { imm16 } => Exception::Svc(imm16),
            ExcInsn::Hvc { imm16 } if self.emulate_hvc && self.el >= 1 => {
                return Err(Trap::Stop(Stop::FirmwareCall { smc: false, imm: imm16 }));
            }
            ExcInsn::Smc { imm16 } if self.emulate_smc && self.el >= 1 => {
                return Err(Trap::Stop(Stop::FirmwareCall { smc: true, imm: imm16 }));
            }
            ExcInsn::Hvc { imm16 } => {
                // HVC is UNDEFINED at EL0 and when SCR_EL3.HCE disables it.
                if self.el == 0 || self.sys.scr_el3 & (1 << 8) == 0 {
                    Exception::Undefined
                } else {
                    Exception::Hvc(imm16)
                }
            }
            ExcInsn::Smc { imm16 } => {
                // SMC is UNDEFINED at EL0 and when SCR_EL3.SMD disables it.
                if self.el == 0 || self.sys.scr_el3 & (1 << 7) != 0 {
                    Exception::Undefined
                } else {
                    Exception::Smc(imm16)
                }
            }
            ExcInsn::Brk { imm16 } => Exception::Brk(imm16),
            ExcInsn::Hlt { imm16 } if imm16 == SEMIHOSTING_HLT && self.semihosting => {
                return Err(Trap::Stop(Stop::Semihosting));
            }
            // Halting debug is never enabled, so HLT is UNDEFINED, as are the DCPS
            // instructions outside Debug state.
            ExcInsn::Hlt { .. } | ExcInsn::Dcps { .. } => Exception::Undefined,
        };
        Err(e.into())
    }
}

#[cfg(test)]
mod tests {
    use crate::exec::testutil::{run, CODE};

    #[test]
    fn conditional_and_test_branches() {
        let (cpu, _) = run(
            &[
                0xb4000041, // cbz x1, +8        (taken: x1 == 0)
                0xd2800020, // mov x0, #1        (skipped)
                0x37f80042, // tbnz w2, #31, +8  (taken)
                0xd2800040, // mov x0, #2        (skipped)
                0xf100007f, // cmp x3, #0
                0x54000041, // b.ne +8           (not taken)
                0xd2800060, // mov x0, #3
                0x94000002, // bl +8
                0xd503201f, // nop               (skipped)
            ],
            &[(2, 0x8000_0000)],
        );
        assert_eq!(cpu.xreg(0), 3);
        assert_eq!(cpu.xreg(30), CODE + 8 * 4);
    }
}

//! Data processing -- immediate (Arm ARM C4.1.86): PC-relative addressing, add/subtract,
//! logical, move wide, bitfield and extract.

use bramble_decode::DpImm;

use crate::alu::{add_with_carry, logic_flags, trunc};
use crate::cpu::Cpu;

impl Cpu {
    #[inline(always)]
    pub(crate) fn exec_dp_imm(&mut self, i: &DpImm) {
        match *i {
            DpImm::Adr { rd, imm } => self.set_xz(rd, self.pc.wrapping_add(imm as u64)),
            DpImm::Adrp { rd, imm } => self.set_xz(rd, (self.pc & !0xfff).wrapping_add(imm as u64)),
            DpImm::AddSubImm { sf, sub, rn, rd, imm } => {
                let (r, _) = add_sub(sf, self.xs(rn), imm, sub);
                self.set_xs(rd, r);
            }
            DpImm::AddSubImmS { sf, sub, rn, rd, imm } => {
                let (r, flags) = add_sub(sf, self.xs(rn), imm, sub);
                self.nzcv = flags;
                self.set_xz(rd, r);
            }
            DpImm::LogicImm { sf, opc, rn, rd, imm } => {
                let n = self.xz(rn);
                let r = match opc {
                    0 => n & imm,
                    1 => n | imm,
                    _ => n ^ imm,
                };
                self.set_xs(rd, trunc(sf, r));
            }
            DpImm::AndsImm { sf, rn, rd, imm } => {
                let r = trunc(sf, self.xz(rn) & imm);
                self.nzcv = logic_flags(sf, r);
                self.set_xz(rd, r);
            }
            DpImm::MoveWide { sf, opc, rd, shift, imm } => {
                let v = (imm as u64) << shift;
                let r = match opc {
                    0 => !v,                                        // MOVN
                    2 => v,                                         // MOVZ
                    _ => (self.xz(rd) & !(0xffffu64 << shift)) | v, // MOVK
                };
                self.set_xz(rd, trunc(sf, r));
            }
            DpImm::Bitfield { sf, opc, immr, imms, rn, rd, wmask, tmask } => {
                // Bitfield move (C6.2.29 BFM, C6.2.265 SBFM, C6.2.385 UBFM).
                let src = self.xz(rn);
                let dst = if opc == 1 { self.xz(rd) } else { 0 };
                let bot = (dst & !wmask) | (ror(sf, src, immr as u32) & wmask);
                let top = if opc == 0 {
                    // SBFM replicates bit <imms> of the source.
                    0u64.wrapping_sub((src >> imms) & 1)
                } else {
                    dst
                };
                self.set_xz(rd, trunc(sf, (top & !tmask) | (bot & tmask)));
            }
            DpImm::Extract { sf, rm, imms, rn, rd } => {
                let (n, m, lsb) = (self.xz(rn), self.xz(rm), imms as u32);
                let r = if sf {
                    if lsb == 0 {
                        m
                    } else {
                        (m >> lsb) | (n << (64 - lsb))
                    }
                } else {
                    (((n as u32 as u64) << 32 | m as u32 as u64) >> lsb) as u32 as u64
                };
                self.set_xz(rd, r);
            }
        }
    }
}

/// Add or subtract an operand, with flags (subtraction is x + NOT(y) + 1).
#[inline(always)]
pub(crate) fn add_sub(sf: bool, x: u64, y: u64, sub: bool) -> (u64, u32) {
    if sub {
        add_with_carry(sf, x, !y, true)
    } else {
        add_with_carry(sf, x, y, false)
    }
}

/// ROR within the datasize.
#[inline(always)]
fn ror(sf: bool, v: u64, amount: u32) -> u64 {
    if sf {
        v.rotate_right(amount)
    } else {
        (v as u32).rotate_right(amount) as u64
    }
}

#[cfg(test)]
mod tests {
    use crate::alu::{C, N, Z};
    use crate::exec::testutil::run;

    #[test]
    fn add_sub_immediate_and_flags() {
        let (cpu, _) = run(
            &[
                0x91400fe1, // add x1, sp, #0x3, lsl #12
                0x71000442, // subs w2, w2, #1
                0xb1000463, // adds x3, x3, #1
            ],
            &[(2, 1), (3, u64::MAX)],
        );
        assert_eq!(cpu.xreg(1), 0xb000);
        assert_eq!(cpu.xreg(2), 0);
        assert_eq!(cpu.xreg(3), 0);
        assert_eq!(cpu.nzcv(), Z | C);
    }

    #[test]
    fn logical_and_move_wide() {
        let (cpu, _) = run(
            &[
                0xb200f3e0, // orr x0, xzr, #0x5555555555555555
                0xd2a24681, // movz x1, #0x1234, lsl #16
                0xf2800021, // movk x1, #0x1
                0x12800002, // movn w2, #0
                0x7200003f, // tst w1, #1
            ],
            &[],
        );
        assert_eq!(cpu.xreg(0), 0x5555_5555_5555_5555);
        assert_eq!(cpu.xreg(1), 0x1234_0001);
        assert_eq!(cpu.xreg(2), 0xffff_ffff);
        assert_eq!(cpu.nzcv(), 0);
    }

    #[test]
    fn bitfield_aliases() {
        let (cpu, _) = run(
            &[
                0xd37ff801, // lsl x1, x0, #1   (ubfm x1, x0, #63, #62)
                0x13001c02, // sxtb w2, w0
                0xd3441c03, // ubfx x3, x0, #4, #4
                0xb3600404, // bfi x4, x0, #32, #2
                0x93c0f005, // extr x5, x0, x0, #60
            ],
            &[(0, 0x80), (4, 0xffff_ffff_ffff_ffff)],
        );
        assert_eq!(cpu.xreg(1), 0x100);
        assert_eq!(cpu.xreg(2), 0xffff_ff80);
        assert_eq!(cpu.xreg(3), 0x8);
        assert_eq!(cpu.xreg(4), 0xffff_fffc_ffff_ffff);
        assert_eq!(cpu.xreg(5), 0x800);
        assert_eq!(cpu.nzcv() & N, 0);
    }
}

//! The A64 decoder, generated from the declarative spec in `a64.decode` (Arm ARM DDI 0487,
//! C4.1 "A64 instruction set encoding").
//!
//! Every consumer of instructions decodes through [`decode`]: the interpreter, the block
//! translator, tracing and the test tools. The decoder knows nothing of CPU state; fields
//! come out typed ([`Xz`] vs [`Xs`]) with immediates already scaled.

mod helpers;
mod simd;

pub use helpers::{decode_bit_masks, ldst_valid, logic_imm, sext, sysreg_key};
pub use simd::*;

/// A general-purpose register number where 31 means the zero register (XZR/WZR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Xz(u8);

/// A general-purpose register number where 31 means the stack pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Xs(u8);

macro_rules! reg_type {
    ($t:ident) => {
        impl $t {
            /// Builds the register from a 5-bit field (higher bits are dropped).
            #[inline]
            pub const fn new(n: u32) -> Self {
                Self((n & 31) as u8)
            }
            /// The register number, 0..=31.
            #[inline]
            pub const fn num(self) -> usize {
                self.0 as usize
            }
            /// True for encoding 31 (the zero register or SP, depending on the type).
            #[inline]
            pub const fn is_31(self) -> bool {
                self.0 == 31
            }
        }
    };
}
reg_type!(Xz);
reg_type!(Xs);

include!(concat!(env!("OUT_DIR"), "/decoder.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_add_immediate_with_shift() {
        // add x1, sp, #0x3, lsl #12
        let d = decode(0x91400fe1);
        assert_eq!(
            d,
            Insn::DpImm(DpImm::AddSubImm { sf: true, sub: false, rn: Xs::new(31), rd: Xs::new(1), imm: 0x3000 })
        );
    }

    #[test]
    fn adds_writes_zero_register_not_sp() {
        // cmp x2, #5  (subs xzr, x2, #5)
        let d = decode(0xf100145f);
        assert_eq!(d, Insn::DpImm(DpImm::AddSubImmS { sf: true, sub: true, rn: Xs::new(2), rd: Xz::new(31), imm: 5 }));
    }

    #[test]
    fn reserved_logical_immediate_is_unallocated() {
        // and w0, w0, #imm with N = 1 in the 32-bit form
        assert_eq!(decode(0x12400000), Insn::Unallocated);
        // all-ones element (imms = 111111, N = 1) is reserved
        assert_eq!(decode(0x927ffc00 | (1 << 22) | (0x3f << 10)), Insn::Unallocated);
    }

    #[test]
    fn load_store_offsets_are_scaled() {
        // ldr x3, [x4, #16]
        assert_eq!(
            decode(0xf9400883),
            Insn::LdSt(LdSt::LdstUimm { size: 3, opc: 1, rn: Xs::new(4), rt: Xz::new(3), off: 16 })
        );
        // ldp x29, x30, [sp], #16
        assert_eq!(
            decode(0xa8c17bfd),
            Insn::LdSt(LdSt::LdstPair {
                opc: 2,
                idx: 1,
                load: true,
                rt2: Xz::new(30),
                rn: Xs::new(31),
                rt: Xz::new(29),
                off: 16
            })
        );
    }

    #[test]
    fn branch_offsets_are_signed_and_scaled() {
        // b .-4
        assert_eq!(decode(0x17ffffff), Insn::Branch(Branch::B { off: -4 }));
        // b.ne .+8
        assert_eq!(decode(0x54000041), Insn::Branch(Branch::BCond { cond: 1, off: 8 }));
    }

    #[test]
    fn whole_hint_space_decodes() {
        for imm in 0..128u32 {
            let word = 0xd503201f | (imm << 5);
            assert!(matches!(decode(word), Insn::System(System::Hint { .. })), "{word:#x}");
        }
    }

    #[test]
    fn udf_is_unallocated() {
        assert_eq!(decode(0x0000_0000), Insn::Unallocated);
    }

    #[test]
    fn decodes_fp_and_simd() {
        // fadd d0, d1, d2
        assert_eq!(decode(0x1e622820), Insn::Fp(Fp::FpDp2 { ftype: 1, rm: 2, opcode: 2, rn: 1, rd: 0 }));
        // ldr q0, [x1, #16]
        assert_eq!(
            decode(0x3dc00420),
            Insn::SimdLdSt(SimdLdSt::FpLdstUimm { rn: Xs::new(1), rt: 0, load: true, scale: 4, off: 16 })
        );
        // add v0.4s, v1.4s, v2.4s
        assert_eq!(
            decode(0x4ea28420),
            Insn::Simd(Simd::Simd3Same { q: true, u: false, size: 2, rm: 2, opcode: 0x10, rn: 1, rd: 0 })
        );
        // ld1 {v0.16b}, [x0]
        assert!(matches!(decode(0x4c407000), Insn::SimdLdSt(SimdLdSt::LdStMulti { .. })));
    }

    #[test]
    fn reserved_fp_simd_encodings_are_unallocated() {
        // fcvt d0, d0 (to its own precision)
        assert_eq!(decode(0x1e62c000), Insn::Unallocated);
        // add v0.1d, v1.1d, v2.1d (64-bit lanes need 128 bits)
        assert_eq!(decode(0x0ee28420), Insn::Unallocated);
        // fadd h0, h1, h2 (FEAT_FP16)
        assert_eq!(decode(0x1ee22820), Insn::Unallocated);
    }
}

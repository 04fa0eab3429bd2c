//! The timing model: what a retired instruction costs in core cycles.
//!
//! bramble is cycle-approximate, not cycle-accurate: there is no pipeline, cache or branch
//! predictor model. Each instruction is charged the cycles of its class from [`TABLE`],
//! and a few events add a fixed penalty ([`TAKEN_BRANCH`], [`TLB_WALK_LEVEL`],
//! [`EXCEPTION_ENTRY`], [`DEVICE_ACCESS`]). The core clock (`--cpu-mhz`, 1500 by default as
//! on the Pi 4) turns cycles into virtual time, which drives the generic timer. Both
//! execution engines charge exactly the same cycles, so the translator never changes when
//! a timer fires.
//!
//! The numbers are modelled on the Cortex-A72 Software Optimization Guide (Arm UAN 0016A,
//! section 3: instruction latencies). Where the A72 overlaps independent work (it issues up
//! to three instructions per cycle and hides most of a load's latency), a latency would
//! overstate the cost, so pipelined classes are charged close to their issue cost and
//! unpipelined ones (divide, square root, barriers, serialising system register writes)
//! their full latency. Data-dependent latencies are charged at the middle of their range.
//! `docs/timing.md` explains the table; this file is the only place the numbers live.

use bramble_decode::{Branch, DpReg, Exception, Fp, Insn, LdSt, Simd, SimdLdSt, System};

/// Instruction classes, one per row of [`TABLE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Class {
    Alu,
    AluShifted,
    Mul32,
    Mul64,
    Div32,
    Div64,
    Crc,
    Branch,
    Load,
    LoadPair,
    Store,
    StorePair,
    Exclusive,
    Atomic,
    Barrier,
    Isb,
    SysRead,
    SysWrite,
    Maintenance,
    Hint,
    ExceptionGen,
    Eret,
    FpMove,
    FpAdd,
    FpMul,
    FpFma,
    FpDivS,
    FpDivD,
    FpSqrtS,
    FpSqrtD,
    FpConvert,
    SimdInt,
    SimdMul,
    SimdFp,
    SimdFpDiv,
    Crypto,
    SimdLoad,
    SimdStore,
    SimdStruct,
    Undefined,
}

/// One row of the table: a class, its charge, and where the number comes from.
#[derive(Clone, Copy, Debug)]
pub struct ClassCost {
    pub class: Class,
    /// Core cycles charged per retired instruction of the class.
    pub cycles: u8,
    /// The A72 figure the charge is based on (latency L, reciprocal throughput T).
    pub a72: &'static str,
}

const fn row(class: Class, cycles: u8, a72: &'static str) -> ClassCost {
    ClassCost { class, cycles, a72 }
}

/// Cycles per class, indexed by `Class as usize`.
pub const TABLE: [ClassCost; 40] = [
    row(Class::Alu, 1, "L1, 2 per cycle (I0/I1): add, logic, move, bitfield, csel, adr"),
    row(Class::AluShifted, 2, "L2 (M pipe): shifted/extended register operand, flag-setting forms"),
    row(Class::Mul32, 3, "MUL/MADD W: L3, T1"),
    row(Class::Mul64, 5, "MUL/MADD X: L5, T3; SMULH/UMULH L6; xMADDL L4"),
    row(Class::Div32, 8, "SDIV/UDIV W: L4-12, unpipelined"),
    row(Class::Div64, 12, "SDIV/UDIV X: L4-20, unpipelined"),
    row(Class::Crc, 2, "CRC32: L2"),
    row(Class::Branch, 1, "B/BL/BR/RET/CBZ/TBZ/B.cond: L1 (taken: + TAKEN_BRANCH)"),
    row(Class::Load, 2, "LDR: L4 from L1, mostly hidden by out-of-order issue"),
    row(Class::LoadPair, 3, "LDP: L4-5, two results"),
    row(Class::Store, 1, "STR: T1"),
    row(Class::StorePair, 2, "STP X: T2"),
    row(Class::Exclusive, 6, "LDXR/STXR/LDAR/STLR: ordering stalls the load/store pipes"),
    row(Class::Atomic, 8, "CAS/SWP/LDADD (FEAT_LSE, not on the A72): a read-modify-write"),
    row(Class::Barrier, 10, "DMB/DSB: drain the store buffer"),
    row(Class::Isb, 12, "ISB: pipeline flush"),
    row(Class::SysRead, 2, "MRS"),
    row(Class::SysWrite, 10, "MSR to a control register: serialising"),
    row(Class::Maintenance, 10, "DC/IC/TLBI/AT"),
    row(Class::Hint, 1, "NOP and the HINT space, CLREX"),
    row(Class::ExceptionGen, 1, "SVC/HVC/SMC/BRK/HLT (entry: + EXCEPTION_ENTRY)"),
    row(Class::Eret, 10, "ERET: pipeline flush and context change"),
    row(Class::FpMove, 3, "FMOV/FABS/FNEG/FCSEL/FCMP: L3"),
    row(Class::FpAdd, 4, "FADD/FSUB/FMAX/FMIN/FRINT/FCVT between precisions: L4"),
    row(Class::FpMul, 4, "FMUL/FNMUL: L4"),
    row(Class::FpFma, 7, "FMADD/FMSUB/FNMADD/FNMSUB: L7"),
    row(Class::FpDivS, 11, "FDIV S: L6-11, unpipelined"),
    row(Class::FpDivD, 18, "FDIV D: L6-18, unpipelined"),
    row(Class::FpSqrtS, 17, "FSQRT S: L6-17, unpipelined"),
    row(Class::FpSqrtD, 32, "FSQRT D: L6-32, unpipelined"),
    row(Class::FpConvert, 4, "FCVTZS/SCVTF/FMOV between general and FP registers: L4-8"),
    row(Class::SimdInt, 3, "ASIMD integer add/logic/shift/permute/compare: L3"),
    row(Class::SimdMul, 4, "ASIMD integer multiply, multiply-accumulate, by element: L4"),
    row(Class::SimdFp, 4, "ASIMD FP add/multiply/convert: L4 (FMLA L7, pipelined)"),
    row(Class::SimdFpDiv, 18, "ASIMD FDIV/FSQRT: unpipelined, per lane pair"),
    row(Class::Crypto, 3, "AESE/AESD/AESMC, PMULL, SHA1/SHA256: L3-6"),
    row(Class::SimdLoad, 3, "LDR/LDP of S/D/Q registers: L5, mostly hidden"),
    row(Class::SimdStore, 2, "STR/STP of S/D/Q registers: T1-2"),
    row(Class::SimdStruct, 6, "LD1-LD4/ST1-ST4: L5-8 plus (de)interleaving"),
    row(Class::Undefined, 1, "an UNDEFINED encoding: the exception entry is the cost"),
];

/// A taken branch: the A72 fetches the target a cycle later even when it predicts right.
pub const TAKEN_BRANCH: u64 = 1;
/// Each level of a translation table walk after a TLB miss: a descriptor read that hits
/// the L2 cache (A72: L2 hit about 9 cycles; the walk cache absorbs part of it).
pub const TLB_WALK_LEVEL: u64 = 8;
/// Taking an exception or interrupt: pipeline flush, vector fetch, state save.
pub const EXCEPTION_ENTRY: u64 = 20;
/// A load or store that reaches a device: Device-nGnRE memory is uncached and ordered,
/// and the BCM2711's peripherals sit behind an interconnect (about 20 ns).
pub const DEVICE_ACCESS: u64 = 30;
/// An instruction fetch that aborts: there is no instruction to charge.
pub const FETCH_ABORT: u64 = 1;

/// The cycles charged for `insn` (the class charge; events add their penalties when
/// they happen).
#[inline]
pub fn cost(insn: &Insn) -> u8 {
    TABLE[classify(insn) as usize].cycles
}

/// The class of a decoded instruction.
pub fn classify(insn: &Insn) -> Class {
    match insn {
        Insn::DpImm(_) => Class::Alu,
        Insn::DpReg(i) => dp_reg(i),
        Insn::Branch(Branch::Eret) => Class::Eret,
        Insn::Branch(_) => Class::Branch,
        Insn::Exception(Exception::Dcps { .. }) => Class::Eret,
        Insn::Exception(_) => Class::ExceptionGen,
        Insn::System(i) => match i {
            System::Hint { .. } | System::Clrex => Class::Hint,
            System::Dsb { .. } | System::Dmb { .. } => Class::Barrier,
            System::Isb => Class::Isb,
            System::Mrs { .. } | System::Sysl { .. } => Class::SysRead,
            System::Msr { .. } | System::MsrImm { .. } => Class::SysWrite,
            System::Sys { .. } => Class::Maintenance,
        },
        Insn::LdSt(i) => ldst(i),
        Insn::SimdLdSt(i) => match i {
            SimdLdSt::LdStMulti { .. } | SimdLdSt::LdStSingle { .. } => Class::SimdStruct,
            SimdLdSt::FpLdrLit { .. } => Class::SimdLoad,
            SimdLdSt::FpLdstPair { load, .. }
            | SimdLdSt::FpLdstImm9 { load, .. }
            | SimdLdSt::FpLdstRoff { load, .. }
            | SimdLdSt::FpLdstUimm { load, .. } => {
                if *load {
                    Class::SimdLoad
                } else {
                    Class::SimdStore
                }
            }
        },
        Insn::Fp(i) => fp(i),
        Insn::Simd(i) => simd(i),
        Insn::Unallocated => Class::Undefined,
    }
}

fn dp_reg(i: &DpReg) -> Class {
    match *i {
        DpReg::LogicShift { imm6: 0, .. } | DpReg::AddSubShift { imm6: 0, s: false, .. } => Class::Alu,
        DpReg::LogicShift { .. } | DpReg::AddSubShift { .. } | DpReg::AddSubExt { .. } | DpReg::AddSubExtS { .. } => {
            Class::AluShifted
        }
        DpReg::AddSubCarry { .. } | DpReg::CondCmpReg { .. } | DpReg::CondCmpImm { .. } | DpReg::CondSel { .. } => {
            Class::Alu
        }
        // opcode 2/3: UDIV/SDIV; the rest are variable shifts.
        DpReg::Dp2 { sf, opcode: 2 | 3, .. } => {
            if sf {
                Class::Div64
            } else {
                Class::Div32
            }
        }
        DpReg::Dp2 { .. } | DpReg::Dp1 { .. } => Class::Alu,
        DpReg::Crc32 { .. } => Class::Crc,
        // op31 0: MADD/MSUB at the register width; the others (long and high-half
        // multiplies) are 64-bit.
        DpReg::Dp3 { sf: false, op31: 0, .. } => Class::Mul32,
        DpReg::Dp3 { .. } => Class::Mul64,
    }
}

fn ldst(i: &LdSt) -> Class {
    match *i {
        LdSt::Stxr { .. }
        | LdSt::Ldxr { .. }
        | LdSt::Stxp { .. }
        | LdSt::Ldxp { .. }
        | LdSt::Stlr { .. }
        | LdSt::Ldar { .. }
        | LdSt::Ldapr { .. } => Class::Exclusive,
        LdSt::Casp { .. } | LdSt::Cas { .. } | LdSt::AtomicOp { .. } | LdSt::Swp { .. } => Class::Atomic,
        LdSt::LdrLit { .. } => Class::Load,
        LdSt::LdstPair { load, .. } => {
            if load {
                Class::LoadPair
            } else {
                Class::StorePair
            }
        }
        // opc 0 is a store; 1..3 load (opc 2 with size 3 is PRFM, charged as a load).
        LdSt::LdstImm9 { opc, .. } | LdSt::LdstRoff { opc, .. } | LdSt::LdstUimm { opc, .. } => {
            if opc == 0 {
                Class::Store
            } else {
                Class::Load
            }
        }
    }
}

fn fp(i: &Fp) -> Class {
    // ftype 1 is double precision.
    let double = |ftype: u8| ftype == 1;
    match *i {
        Fp::FpDp1 { ftype, opcode: 3, .. } => {
            if double(ftype) {
                Class::FpSqrtD
            } else {
                Class::FpSqrtS
            }
        }
        Fp::FpDp1 { opcode: 0..=2, .. } => Class::FpMove,
        Fp::FpDp1 { .. } => Class::FpAdd,
        Fp::FpDp2 { ftype, opcode: 1, .. } => {
            if double(ftype) {
                Class::FpDivD
            } else {
                Class::FpDivS
            }
        }
        Fp::FpDp2 { opcode: 0 | 8, .. } => Class::FpMul,
        Fp::FpDp2 { .. } => Class::FpAdd,
        Fp::FpDp3 { .. } => Class::FpFma,
        Fp::FpCmp { .. } | Fp::FpCcmp { .. } | Fp::FpCsel { .. } | Fp::FpImm { .. } => Class::FpMove,
        Fp::FpInt { .. } | Fp::FpFixed { .. } => Class::FpConvert,
    }
}

fn simd(i: &Simd) -> Class {
    match *i {
        // Three same: opcodes 0x18..0x1f are the FP operations, 0x1f with U set FDIV.
        Simd::Simd3Same { u: true, size: 0 | 1, opcode: 0x1f, .. } => Class::SimdFpDiv,
        Simd::Simd3Same { opcode: 0x18..=0x1f, .. } | Simd::SimdS3Same { opcode: 0x18..=0x1f, .. } => Class::SimdFp,
        Simd::Simd3Same { opcode: 0x12 | 0x13 | 0x16, .. } | Simd::SimdS3Same { opcode: 0x16, .. } => Class::SimdMul,
        // Three different: 0x8..0xd are the long multiplies and multiply-accumulates, 0xe
        // PMULL (the crypto unit).
        Simd::Simd3Diff { opcode: 0xe, .. } => Class::Crypto,
        Simd::Simd3Diff { opcode: 0x8..=0xd, .. } | Simd::SimdS3Diff { .. } => Class::SimdMul,
        Simd::SimdElem { .. } | Simd::SimdSElem { .. } => Class::SimdMul,
        // Two-register misc: U=1 0x1f is FSQRT; 0x16..0x1f and the FP compares against
        // zero (0xc..0xf with size<1> set) are FP.
        Simd::Simd2Misc { u: true, opcode: 0x1f, .. } => Class::SimdFpDiv,
        Simd::Simd2Misc { opcode: 0x16..=0x1f, .. } | Simd::SimdS2Misc { opcode: 0x16..=0x1f, .. } => Class::SimdFp,
        Simd::Simd2Misc { opcode: 0xc..=0xf, size, .. } | Simd::SimdS2Misc { opcode: 0xc..=0xf, size, .. }
            if size & 2 != 0 =>
        {
            Class::SimdFp
        }
        // Shift by immediate: 0x1c and 0x1f are the fixed-point conversions.
        Simd::SimdShiftImm { opcode: 0x1c | 0x1f, .. } | Simd::SimdSShiftImm { opcode: 0x1c | 0x1f, .. } => {
            Class::SimdFp
        }
        Simd::CryptoAes { .. } | Simd::CryptoSha3 { .. } | Simd::CryptoSha2 { .. } => Class::Crypto,
        _ => Class::SimdInt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bramble_decode::decode;

    #[test]
    fn the_table_is_indexed_by_class() {
        for (i, row) in TABLE.iter().enumerate() {
            assert_eq!(row.class as usize, i, "{:?} is out of place", row.class);
            assert!(row.cycles >= 1);
        }
    }

    #[test]
    fn classes_of_common_instructions() {
        let cases: [(u32, Class); 14] = [
            (0x9100_0420, Class::Alu),        // add x0, x1, #1
            (0x8b02_0c20, Class::AluShifted), // add x0, x1, x2, lsl #3
            (0x9b02_7c20, Class::Mul64),      // mul x0, x1, x2
            (0x1ac2_0c20, Class::Div32),      // sdiv w0, w1, w2
            (0x9ac2_0820, Class::Div64),      // udiv x0, x1, x2
            (0xf940_0020, Class::Load),       // ldr x0, [x1]
            (0xf900_0020, Class::Store),      // str x0, [x1]
            (0xa940_0820, Class::LoadPair),   // ldp x0, x2, [x1]
            (0x1400_0001, Class::Branch),     // b .+4
            (0xd69f_03e0, Class::Eret),       // eret
            (0x1e61_1820, Class::FpDivD),     // fdiv d0, d1, d1
            (0x1f42_0c20, Class::FpFma),      // fmadd d0, d1, d2, d3
            (0x4e22_8420, Class::SimdInt),    // add v0.16b, v1.16b, v2.16b
            (0xd503_201f, Class::Hint),       // nop
        ];
        for (word, class) in cases {
            assert_eq!(classify(&decode(word)), class, "{word:#010x}");
        }
    }
}

//! Which encodings of the SIMD&FP groups are allocated in Armv8.0-A (plus the FEAT_AES,
//! FEAT_SHA1/SHA256 and FEAT_PMULL crypto forms): the `when` guards of `a64.decode`.
//!
//! Each function follows one encoding table of the Arm ARM C4.1.95 ("Data Processing --
//! Scalar Floating-Point and Advanced SIMD") or C4.1.88 (SIMD loads and stores). Fields come
//! in raw, as the spec hands them over. Encodings that belong to later extensions (FP16
//! arithmetic, RDM, dot product, FCMA, FHM, FRINT32/64, JSCVT) are unallocated here.

/// LD1-LD4/ST1-ST4 (multiple structures): opcode 0000 LD4, 0010 LD1 x4, 0100 LD3, 0110
/// LD1 x3, 0111 LD1 x1, 1000 LD2, 1010 LD1 x2. One-element-per-register forms (LD1) take
/// any size; the interleaving ones need 128 bits for 64-bit elements.
pub fn ldst_multi_ok(q: u32, size: u32, opcode: u32) -> bool {
    match opcode {
        0b0010 | 0b0110 | 0b0111 | 0b1010 => true,
        0b0000 | 0b0100 | 0b1000 => q == 1 || size != 3,
        _ => false,
    }
}

/// LD1-LD4/ST1-ST4 (single structure) and LD1R-LD4R: opcode<2:1> picks B, H, S/D or
/// replicate.
pub fn ldst_single_ok(load: u32, opcode: u32, s: u32, size: u32) -> bool {
    match opcode >> 1 {
        0 => true,
        1 => size & 1 == 0,
        2 => size == 0 || (size == 1 && s == 0),
        _ => load == 1 && s == 0,
    }
}

/// log2 of the element size of a single-structure load/store: opcode<2:1> picks B, H,
/// S or D (size 01), or for LDnR the size field.
pub fn ldst_single_scale(opcode: u32, size: u32) -> u8 {
    match opcode >> 1 {
        2 if size == 1 => 3,
        3 => size as u8,
        o => o as u8,
    }
}

/// The lane of a single-structure load/store, from Q:S:size by element size (B: all four
/// bits, H: Q:S:size<1>, S: Q:S, D: Q).
pub fn ldst_single_index(q: u32, s: u32, size: u32, scale: u8) -> u8 {
    (((q << 3) | (s << 2) | size) >> scale) as u8
}

/// LDR/STR of B/H/S/D (opc 0x) and Q (size 00, opc 1x).
pub fn fp_ldst_ok(size: u32, opc: u32) -> bool {
    opc < 2 || size == 0
}

/// log2 of the access size of an LDR/STR (SIMD&FP).
pub fn fp_ldst_scale(size: u32, opc: u32) -> u8 {
    if opc & 2 != 0 {
        4
    } else {
        size as u8
    }
}

/// Floating-point data-processing (1 source).
pub fn fp_dp1_ok(ftype: u32, opcode: u32) -> bool {
    match opcode {
        // FMOV FABS FNEG FSQRT, FRINTN/P/M/Z/A/X/I.
        0..=3 | 8..=12 | 14 | 15 => ftype < 2,
        // FCVT to single, double, half: not to the source's own precision.
        4 => ftype == 1 || ftype == 3,
        5 => ftype == 0 || ftype == 3,
        7 => ftype < 2,
        _ => false,
    }
}

/// Conversions between floating-point and general registers (rmode:opcode).
pub fn fp_int_ok(sf: u32, ftype: u32, rmode: u32, opcode: u32) -> bool {
    match ftype {
        // FMOV Xd, Vn.D[1] / FMOV Vd.D[1], Xn.
        2 => sf == 1 && rmode == 1 && opcode >= 6,
        3 => false,
        _ => match opcode {
            0 | 1 => true,
            2..=5 => rmode == 0,
            _ => rmode == 0 && sf == ftype,
        },
    }
}

/// FP "three same" opcodes (11xxx) by (U, size<1>).
fn fp_3same_ok(u: u32, a: u32, opcode: u32) -> bool {
    match (u, a) {
        (0, 0) => matches!(opcode, 0x18..=0x1c | 0x1e | 0x1f),
        (0, _) => matches!(opcode, 0x18..=0x1a | 0x1e | 0x1f),
        (_, 0) => matches!(opcode, 0x18 | 0x1a..=0x1f),
        _ => matches!(opcode, 0x18 | 0x1a | 0x1c..=0x1e),
    }
}

/// Advanced SIMD three same (vector).
pub fn simd_3same_ok(q: u32, u: u32, size: u32, opcode: u32) -> bool {
    let no_d = size != 3;
    let d_needs_q = q == 1 || size != 3;
    match opcode {
        0x00 | 0x02 | 0x04 | 0x0c..=0x0f | 0x12 | 0x14 | 0x15 => no_d,
        0x01 | 0x05..=0x0b | 0x10 | 0x11 => d_needs_q,
        0x03 => true,
        0x13 => {
            if u == 1 {
                size == 0
            } else {
                no_d
            }
        }
        0x16 => size == 1 || size == 2,
        0x17 => u == 0 && d_needs_q,
        _ => fp_3same_ok(u, size >> 1, opcode) && (q == 1 || size & 1 == 0),
    }
}

/// Advanced SIMD scalar three same.
pub fn simd_s3same_ok(u: u32, size: u32, opcode: u32) -> bool {
    match opcode {
        0x01 | 0x05 | 0x09 | 0x0b => true,
        0x06..=0x08 | 0x0a | 0x10 | 0x11 => size == 3,
        0x16 => size == 1 || size == 2,
        _ => match (u, size >> 1) {
            (0, 0) => matches!(opcode, 0x1b | 0x1c | 0x1f),
            (0, _) => opcode == 0x1f,
            (_, 0) => matches!(opcode, 0x1c | 0x1d),
            _ => matches!(opcode, 0x1a | 0x1c | 0x1d),
        },
    }
}

/// Advanced SIMD three different. PMULL with 64-bit elements (size 11) is FEAT_PMULL,
/// checked against the CPU model at execution.
pub fn simd_3diff_ok(u: u32, size: u32, opcode: u32) -> bool {
    match opcode {
        0x9 | 0xb | 0xd => u == 0 && (size == 1 || size == 2),
        0xe => u == 0 && (size == 0 || size == 3),
        0xf => false,
        _ => size != 3,
    }
}

/// Advanced SIMD two-register miscellaneous (vector).
pub fn simd_2misc_ok(q: u32, u: u32, size: u32, opcode: u32) -> bool {
    let no_d = size != 3;
    let d_needs_q = q == 1 || size != 3;
    // FP forms: size<0> is sz; double precision needs 128 bits.
    let a = size >> 1;
    let fp = q == 1 || size & 1 == 0;
    match (u, opcode) {
        (0, 0x00) => no_d,
        (0, 0x01) => size == 0,
        (1, 0x00) => size < 2,
        (_, 0x02) | (_, 0x04) | (_, 0x06) => no_d,
        (_, 0x03) | (_, 0x07) | (_, 0x08) | (_, 0x09) | (_, 0x0b) => d_needs_q,
        (0, 0x0a) => d_needs_q,
        (0, 0x05) => size == 0,
        (1, 0x05) => size < 2,
        (_, 0x12) | (_, 0x14) => no_d,
        (1, 0x13) => no_d,
        // FCVTN, FCVTL; FCVTXN (sz = 1 only).
        (0, 0x16) | (0, 0x17) => a == 0,
        (1, 0x16) => size == 1,
        (_, 0x0c) | (_, 0x0d) => a == 1 && fp,
        (0, 0x0e) | (_, 0x0f) => a == 1 && fp,
        // FRINTN/P, FRINTM/Z, FRINTA, FRINTX/I; FCVT[NPMZ][SU].
        (0, 0x18) | (_, 0x19) | (_, 0x1a) | (_, 0x1b) => fp,
        (1, 0x18) => a == 0 && fp,
        // FCVTAS/FCVTAU (a = 0) or URECPE/URSQRTE (a = 1, 32-bit lanes).
        (_, 0x1c) => {
            if a == 0 {
                fp
            } else {
                size == 2
            }
        }
        (_, 0x1d) => fp,
        (1, 0x1f) => a == 1 && fp,
        _ => false,
    }
}

/// Advanced SIMD scalar two-register miscellaneous.
pub fn simd_s2misc_ok(u: u32, size: u32, opcode: u32) -> bool {
    let a = size >> 1;
    match (u, opcode) {
        (_, 0x03) | (_, 0x07) => true,
        (_, 0x08) | (_, 0x09) | (_, 0x0b) | (0, 0x0a) => size == 3,
        (_, 0x14) | (1, 0x12) => size != 3,
        (1, 0x16) => size == 1,
        (_, 0x0c) | (_, 0x0d) | (0, 0x0e) => a == 1,
        (_, 0x1a) | (_, 0x1b) | (_, 0x1d) => true,
        (_, 0x1c) => a == 0,
        (0, 0x1f) => a == 1,
        _ => false,
    }
}

/// Advanced SIMD scalar pairwise: ADDP (D) and the single/double FP reductions of a pair
/// (U = 1; U = 0 FP forms are FP16).
pub fn simd_spair_ok(u: u32, size: u32, opcode: u32) -> bool {
    match (u, opcode) {
        (0, 0x1b) => size == 3,
        (1, 0x0c) | (1, 0x0f) => true,
        (1, 0x0d) => size >> 1 == 0,
        _ => false,
    }
}

/// Advanced SIMD across lanes.
pub fn simd_across_ok(q: u32, u: u32, size: u32, opcode: u32) -> bool {
    let int_size = size < 2 || (size == 2 && q == 1);
    match (u, opcode) {
        (_, 0x03) | (_, 0x0a) | (_, 0x1a) | (0, 0x1b) => int_size,
        // FMAXNMV FMINNMV FMAXV FMINV: single precision, 4 lanes.
        (1, 0x0c) | (1, 0x0f) => q == 1 && size & 1 == 0,
        _ => false,
    }
}

/// Advanced SIMD copy: DUP (element, general), INS (general, element), SMOV, UMOV.
pub fn simd_copy_ok(q: u32, op: u32, imm5: u32, imm4: u32) -> bool {
    let size = imm5.trailing_zeros();
    if size > 3 {
        return false;
    }
    if op == 1 {
        return q == 1;
    }
    match imm4 {
        0b0000 | 0b0001 => size < 3 || q == 1,
        0b0011 => q == 1,
        0b0101 => size < 2 || (size == 2 && q == 1),
        0b0111 => {
            if q == 1 {
                size == 3
            } else {
                size < 3
            }
        }
        _ => false,
    }
}

/// Advanced SIMD shift by immediate, vector and scalar (immh = 0 is the modified-immediate
/// group). immh gives the element size: 0001 B, 001x H, 01xx S, 1xxx D.
pub fn simd_shift_ok(scalar: bool, q: u32, u: u32, immh: u32, opcode: u32) -> bool {
    if immh == 0 {
        return false;
    }
    let d = immh & 8 != 0;
    let narrow = matches!(opcode, 0x10..=0x13);
    let valid_op = match (u, opcode) {
        (_, 0x00) | (_, 0x02) | (_, 0x04) | (_, 0x06) | (_, 0x0a) | (_, 0x0e) => true,
        (1, 0x08) | (1, 0x0c) => true,
        (0, 0x10) | (0, 0x11) => !scalar,
        (_, 0x10..=0x13) => true,
        (_, 0x14) => !scalar,
        // Fixed-point conversions: single or double (half is FP16).
        (_, 0x1c) | (_, 0x1f) => immh >= 4,
        _ => false,
    };
    if !valid_op {
        return false;
    }
    if scalar {
        return match opcode {
            // SQSHL(U)/UQSHL and the FP conversions take any size; narrowing needs a
            // wider source; the rest are D only.
            0x0c | 0x0e | 0x1c | 0x1f => true,
            _ if narrow => !d,
            _ => d,
        };
    }
    if narrow || opcode == 0x14 {
        !d
    } else {
        q == 1 || !d
    }
}

/// Advanced SIMD (scalar) x indexed element. size 01 (H, index H:L:M) and 10 (S, H:L) for
/// integers; for FP, size<0> is sz: single (H:L) or double (H, L = 0, 128 bits).
pub fn simd_elem_ok(scalar: bool, q: u32, u: u32, size: u32, l: u32, opcode: u32) -> bool {
    let int_size = size == 1 || size == 2;
    let fp_size = match size {
        2 => true,
        3 => l == 0 && (scalar || q == 1),
        _ => false,
    };
    match (u, opcode) {
        // FMLA FMLS FMUL / FMULX
        (0, 0x1) | (0, 0x5) | (_, 0x9) => fp_size,
        // SQDMLAL SQDMLSL SQDMULL SQDMULH SQRDMULH
        (0, 0x3) | (0, 0x7) | (0, 0xb) | (0, 0xc) | (0, 0xd) => int_size,
        // MUL; MLA MLS; SMLAL SMLSL SMULL / UMLAL UMLSL UMULL
        (0, 0x8) | (1, 0x0) | (1, 0x4) | (_, 0x2) | (_, 0x6) | (_, 0xa) => !scalar && int_size,
        _ => false,
    }
}

/// Shift by immediate: the element size (0 B .. 3 D) from immh's top set bit.
pub fn simd_shift_size(immh: u32) -> u8 {
    (31 - (immh | 1).leading_zeros()) as u8
}

/// Shift by immediate, right shifts: 2 * esize - immh:immb (1..=esize).
pub fn simd_shift_right(immh: u32, immb: u32) -> u8 {
    let e = 8u32 << simd_shift_size(immh);
    (2 * e).saturating_sub(immh << 3 | immb) as u8
}

/// Shift by immediate, left shifts: immh:immb - esize (0..esize).
pub fn simd_shift_left(immh: u32, immb: u32) -> u8 {
    let e = 8u32 << simd_shift_size(immh);
    (immh << 3 | immb).saturating_sub(e) as u8
}

/// By element: the lane of Vm. H lanes are indexed by H:L:M, S lanes by H:L, D by H.
pub fn simd_elem_index(size: u32, h: u32, l: u32, m: u32) -> u8 {
    match size {
        1 => (h << 2 | l << 1 | m) as u8,
        2 => (h << 1 | l) as u8,
        _ => h as u8,
    }
}

/// By element: Vm. H lanes reach only V0..V15 (M is part of the index); otherwise M is
/// the register number's top bit.
pub fn simd_elem_rm(size: u32, m: u32, rm: u32) -> u8 {
    if size == 1 {
        rm as u8
    } else {
        (m << 4 | rm) as u8
    }
}

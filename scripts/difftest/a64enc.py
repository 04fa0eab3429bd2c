"""A64 instruction encoders for the differential tests.

Every function returns one 32-bit instruction word. Field layouts follow the Arm ARM
(DDI 0487) "A64 instruction set encoding" tables (C4.1); the bit positions are spelled out
in each function so they can be checked against the manual line by line. No validity
checking happens here: callers (generators.py, fp_generators.py) pick legal field values,
and difftest.py disassembles every generated word with capstone.
"""

M64 = (1 << 64) - 1


def _chk(v, bits, name):
    if not 0 <= v < (1 << bits):
        raise ValueError(f"{name}={v} does not fit {bits} bits")
    return v


# ---------------------------------------------------------------------------------------
# Data processing -- immediate (C4.1.86)


def addsub_imm(sf, op, s, sh, imm12, rn, rd):
    # sf:31 op:30 S:29 100010:28-23 sh:22 imm12:21-10 Rn:9-5 Rd:4-0
    return (sf << 31) | (op << 30) | (s << 29) | (0b100010 << 23) | (sh << 22) | (
        _chk(imm12, 12, "imm12") << 10) | (rn << 5) | rd


def logic_imm(sf, opc, n, immr, imms, rn, rd):
    # sf:31 opc:30-29 100100:28-23 N:22 immr:21-16 imms:15-10 Rn Rd
    return (sf << 31) | (opc << 29) | (0b100100 << 23) | (n << 22) | (
        _chk(immr, 6, "immr") << 16) | (_chk(imms, 6, "imms") << 10) | (rn << 5) | rd


def movewide(sf, opc, hw, imm16, rd):
    # sf:31 opc:30-29 100101:28-23 hw:22-21 imm16:20-5 Rd
    return (sf << 31) | (opc << 29) | (0b100101 << 23) | (hw << 21) | (
        _chk(imm16, 16, "imm16") << 5) | rd


def bitfield(sf, opc, n, immr, imms, rn, rd):
    # sf:31 opc:30-29 100110:28-23 N:22 immr:21-16 imms:15-10 Rn Rd
    return (sf << 31) | (opc << 29) | (0b100110 << 23) | (n << 22) | (
        _chk(immr, 6, "immr") << 16) | (_chk(imms, 6, "imms") << 10) | (rn << 5) | rd


def extr(sf, n, rm, imms, rn, rd):
    # sf:31 op21=00:30-29 100111:28-23 N:22 o0=0:21 Rm:20-16 imms:15-10 Rn Rd
    return (sf << 31) | (0b100111 << 23) | (n << 22) | (rm << 16) | (
        _chk(imms, 6, "imms") << 10) | (rn << 5) | rd


def adr(op, imm21, rd):
    # op:31 immlo:30-29 10000:28-24 immhi:23-5 Rd
    imm21 &= (1 << 21) - 1
    return (op << 31) | ((imm21 & 3) << 29) | (0b10000 << 24) | ((imm21 >> 2) << 5) | rd


# ---------------------------------------------------------------------------------------
# Data processing -- register (C4.1.89)


def logic_shift(sf, opc, shift, n, rm, imm6, rn, rd):
    # sf:31 opc:30-29 01010:28-24 shift:23-22 N:21 Rm:20-16 imm6:15-10 Rn Rd
    return (sf << 31) | (opc << 29) | (0b01010 << 24) | (shift << 22) | (n << 21) | (
        rm << 16) | (_chk(imm6, 6, "imm6") << 10) | (rn << 5) | rd


def addsub_shift(sf, op, s, shift, rm, imm6, rn, rd):
    # sf:31 op:30 S:29 01011:28-24 shift:23-22 0:21 Rm imm6 Rn Rd
    return (sf << 31) | (op << 30) | (s << 29) | (0b01011 << 24) | (shift << 22) | (
        rm << 16) | (_chk(imm6, 6, "imm6") << 10) | (rn << 5) | rd


def addsub_ext(sf, op, s, rm, option, imm3, rn, rd):
    # sf:31 op:30 S:29 01011:28-24 opt=00:23-22 1:21 Rm option:15-13 imm3:12-10 Rn Rd
    return (sf << 31) | (op << 30) | (s << 29) | (0b01011 << 24) | (1 << 21) | (
        rm << 16) | (option << 13) | (imm3 << 10) | (rn << 5) | rd


def addsub_carry(sf, op, s, rm, rn, rd):
    # sf:31 op:30 S:29 11010000:28-21 Rm 000000:15-10 Rn Rd
    return (sf << 31) | (op << 30) | (s << 29) | (0b11010000 << 21) | (rm << 16) | (
        rn << 5) | rd


def condcmp(sf, op, is_imm, rm_imm5, cond, rn, nzcv):
    # sf:31 op:30 S=1:29 11010010:28-21 Rm/imm5:20-16 cond:15-12 (0=reg,1=imm):11 o2=0:10
    # Rn:9-5 o3=0:4 nzcv:3-0
    return (sf << 31) | (op << 30) | (1 << 29) | (0b11010010 << 21) | (rm_imm5 << 16) | (
        cond << 12) | (is_imm << 11) | (rn << 5) | nzcv


def condsel(sf, op, op2, rm, cond, rn, rd):
    # sf:31 op:30 S=0:29 11010100:28-21 Rm cond:15-12 op2:11-10 Rn Rd
    return (sf << 31) | (op << 30) | (0b11010100 << 21) | (rm << 16) | (cond << 12) | (
        op2 << 10) | (rn << 5) | rd


def dp1(sf, opcode, rn, rd):
    # sf:31 1:30 S=0:29 11010110:28-21 opcode2=00000:20-16 opcode:15-10 Rn Rd
    return (sf << 31) | (1 << 30) | (0b11010110 << 21) | (opcode << 10) | (rn << 5) | rd


def dp2(sf, opcode, rm, rn, rd):
    # sf:31 0:30 S=0:29 11010110:28-21 Rm opcode:15-10 Rn Rd
    return (sf << 31) | (0b11010110 << 21) | (rm << 16) | (opcode << 10) | (rn << 5) | rd


def dp3(sf, op31, o0, rm, ra, rn, rd):
    # sf:31 op54=00:30-29 11011:28-24 op31:23-21 Rm o0:15 Ra:14-10 Rn Rd
    return (sf << 31) | (0b11011 << 24) | (op31 << 21) | (rm << 16) | (o0 << 15) | (
        ra << 10) | (rn << 5) | rd


# ---------------------------------------------------------------------------------------
# Branches, exception generating and system (C4.1.87)


def b_imm(op, off):
    # op:31 00101:30-26 imm26  (op=1: BL)
    assert off % 4 == 0
    return (op << 31) | (0b00101 << 26) | ((off >> 2) & ((1 << 26) - 1))


def b_cond(off, cond):
    # 0101010:31-25 o1=0:24 imm19:23-5 o0=0:4 cond:3-0
    assert off % 4 == 0
    return (0b01010100 << 24) | (((off >> 2) & ((1 << 19) - 1)) << 5) | cond


def cb(sf, op, off, rt):
    # sf:31 011010:30-25 op:24 imm19:23-5 Rt
    assert off % 4 == 0
    return (sf << 31) | (0b011010 << 25) | (op << 24) | (((off >> 2) & ((1 << 19) - 1)) << 5) | rt


def tb(bit, op, off, rt):
    # b5:31 011011:30-25 op:24 b40:23-19 imm14:18-5 Rt
    assert off % 4 == 0
    return ((bit >> 5) << 31) | (0b011011 << 25) | (op << 24) | ((bit & 31) << 19) | (
        ((off >> 2) & ((1 << 14) - 1)) << 5) | rt


def br_reg(opc, rn):
    # 1101011:31-25 opc:24-21 op2=11111:20-16 op3=000000:15-10 Rn op4=00000
    # opc 0000 BR, 0001 BLR, 0010 RET
    return (0b1101011 << 25) | (opc << 21) | (0b11111 << 16) | (rn << 5)


NOP = 0xD503201F
CLREX = 0xD5033F5F  # CLREX #15


# ---------------------------------------------------------------------------------------
# Loads and stores (C4.1.88), integer registers only (V = 0)


def ldst_uimm(size, opc, imm12, rn, rt):
    # size:31-30 111:29-27 V=0:26 01:25-24 opc:23-22 imm12:21-10 Rn Rt
    return (size << 30) | (0b111 << 27) | (0b01 << 24) | (opc << 22) | (
        _chk(imm12, 12, "imm12") << 10) | (rn << 5) | rt


def ldst_imm9(size, opc, imm9, mode, rn, rt):
    # size 111 V=0 00 opc 0:21 imm9:20-12 mode:11-10 Rn Rt
    # mode: 00 unscaled (STUR/LDUR/PRFUM), 01 post-index, 10 unprivileged, 11 pre-index
    assert -256 <= imm9 < 256
    return (size << 30) | (0b111 << 27) | (opc << 22) | ((imm9 & 0x1FF) << 12) | (
        mode << 10) | (rn << 5) | rt


def ldst_regoff(size, opc, rm, option, s, rn, rt):
    # size 111 V=0 00 opc 1:21 Rm option:15-13 S:12 10:11-10 Rn Rt
    return (size << 30) | (0b111 << 27) | (opc << 22) | (1 << 21) | (rm << 16) | (
        option << 13) | (s << 12) | (0b10 << 10) | (rn << 5) | rt


def ldr_lit(opc, off, rt):
    # opc:31-30 011:29-27 V=0:26 00:25-24 imm19:23-5 Rt
    assert off % 4 == 0
    return (opc << 30) | (0b011 << 27) | (((off >> 2) & ((1 << 19) - 1)) << 5) | rt


def ldst_pair(opc, idx, load, imm7, rt2, rn, rt):
    # opc:31-30 101:29-27 V=0:26 idx:25-23 L:22 imm7:21-15 Rt2:14-10 Rn Rt
    # idx: 000 no-allocate offset, 001 post-index, 010 signed offset, 011 pre-index
    assert -64 <= imm7 < 64
    return (opc << 30) | (0b101 << 27) | (idx << 23) | (load << 22) | ((imm7 & 0x7F) << 15) | (
        rt2 << 10) | (rn << 5) | rt


def excl(size, o2, load, o1, rs, o0, rt2, rn, rt):
    # size:31-30 001000:29-24 o2:23 L:22 o1:21 Rs:20-16 o0:15 Rt2:14-10 Rn Rt
    return (size << 30) | (0b001000 << 24) | (o2 << 23) | (load << 22) | (o1 << 21) | (
        rs << 16) | (o0 << 15) | (rt2 << 10) | (rn << 5) | rt


def stxr(size, rel, rs, rn, rt):
    return excl(size, 0, 0, 0, rs, rel, 31, rn, rt)


def ldxr(size, acq, rn, rt):
    return excl(size, 0, 1, 0, 31, acq, 31, rn, rt)


def stxp(sf, rel, rs, rt2, rn, rt):
    return excl(2 | sf, 0, 0, 1, rs, rel, rt2, rn, rt)


def ldxp(sf, acq, rt2, rn, rt):
    return excl(2 | sf, 0, 1, 1, 31, acq, rt2, rn, rt)


def stlr(size, rn, rt):
    return excl(size, 1, 0, 0, 31, 1, 31, rn, rt)


def ldar(size, rn, rt):
    return excl(size, 1, 1, 0, 31, 1, 31, rn, rt)


def cas(size, acq, rel, rs, rn, rt):
    return excl(size, 1, acq, 1, rs, rel, 31, rn, rt)


def casp(sf, acq, rel, rs, rn, rt):
    # CASP: 0 sz 001000 0 L 1 Rs o0 11111 Rn Rt
    return excl(sf, 0, acq, 1, rs, rel, 31, rn, rt)


def ldapr(size, rn, rt):
    # size 111 V=0 00 A=1:23 R=0:22 1:21 Rs=11111 o3=1:15 opc=100:14-12 00 Rn Rt
    return (size << 30) | (0b111000 << 24) | (1 << 23) | (1 << 21) | (0b11111 << 16) | (
        1 << 15) | (0b100 << 12) | (rn << 5) | rt


def atomic(size, acq, rel, rs, o3, opc, rn, rt):
    # size 111 V=0 00 A:23 R:22 1:21 Rs o3:15 opc:14-12 00 Rn Rt
    # o3=0 opc: 000 LDADD 001 LDCLR 010 LDEOR 011 LDSET 100 LDSMAX 101 LDSMIN
    #           110 LDUMAX 111 LDUMIN;  o3=1 opc=000: SWP
    return (size << 30) | (0b111 << 27) | (acq << 23) | (rel << 22) | (1 << 21) | (
        rs << 16) | (o3 << 15) | (opc << 12) | (rn << 5) | rt


# ---------------------------------------------------------------------------------------
# Bitmask immediates


def encode_bitmask(esize, ones, rot):
    """N:immr:imms for a logical immediate: element of `esize` bits (2..64) holding `ones`
    consecutive set bits (1..esize-1) rotated right by `rot` (0..esize-1)."""
    assert esize in (2, 4, 8, 16, 32, 64) and 1 <= ones < esize and 0 <= rot < esize
    n = 1 if esize == 64 else 0
    imms = ((~(esize - 1) << 1) & 0x3F) | (ones - 1)
    return n, rot, imms


def bitmask_value(esize, ones, rot, width):
    elem = (1 << ones) - 1
    if rot:
        elem = ((elem >> rot) | (elem << (esize - rot))) & ((1 << esize) - 1)
    v = 0
    for i in range(0, width, esize):
        v |= elem << i
    return v


# ---------------------------------------------------------------------------------------
# Floating point data processing, scalar (C4.1.96: "Data Processing -- Scalar
# Floating-Point and Advanced SIMD"). ftype: 00 single, 01 double, 11 half.


def fp_dp1(ftype, opcode, rn, rd):
    # M=0:31 0:30 S=0:29 11110:28-24 ftype:23-22 1:21 opcode:20-15 10000:14-10 Rn Rd
    return (0b11110 << 24) | (ftype << 22) | (1 << 21) | (opcode << 15) | (0b10000 << 10) | (
        rn << 5) | rd


def fp_cmp(ftype, rm, rn, opcode2):
    # 0 0 0 11110 ftype 1 Rm op=00:15-14 1000:13-10 Rn opcode2:4-0
    return (0b11110 << 24) | (ftype << 22) | (1 << 21) | (rm << 16) | (0b1000 << 10) | (
        rn << 5) | opcode2


def fp_imm(ftype, imm8, rd):
    # 0 0 0 11110 ftype 1 imm8:20-13 100:12-10 imm5=00000:9-5 Rd
    return (0b11110 << 24) | (ftype << 22) | (1 << 21) | (_chk(imm8, 8, "imm8") << 13) | (
        0b100 << 10) | rd


def fp_ccmp(ftype, rm, cond, rn, op, nzcv):
    # 0 0 0 11110 ftype 1 Rm cond:15-12 01:11-10 Rn op:4 nzcv:3-0
    return (0b11110 << 24) | (ftype << 22) | (1 << 21) | (rm << 16) | (cond << 12) | (
        0b01 << 10) | (rn << 5) | (op << 4) | nzcv


def fp_dp2(ftype, rm, opcode, rn, rd):
    # 0 0 0 11110 ftype 1 Rm opcode:15-12 10:11-10 Rn Rd
    return (0b11110 << 24) | (ftype << 22) | (1 << 21) | (rm << 16) | (opcode << 12) | (
        0b10 << 10) | (rn << 5) | rd


def fp_csel(ftype, rm, cond, rn, rd):
    # 0 0 0 11110 ftype 1 Rm cond:15-12 11:11-10 Rn Rd
    return (0b11110 << 24) | (ftype << 22) | (1 << 21) | (rm << 16) | (cond << 12) | (
        0b11 << 10) | (rn << 5) | rd


def fp_dp3(ftype, o1, rm, o0, ra, rn, rd):
    # 0 0 0 11111 ftype o1:21 Rm o0:15 Ra:14-10 Rn Rd
    return (0b11111 << 24) | (ftype << 22) | (o1 << 21) | (rm << 16) | (o0 << 15) | (
        ra << 10) | (rn << 5) | rd


def fp_fixed(sf, ftype, rmode, opcode, scale, rn, rd):
    # sf:31 0 0 11110 ftype 0:21 rmode:20-19 opcode:18-16 scale:15-10 Rn Rd
    return (sf << 31) | (0b11110 << 24) | (ftype << 22) | (rmode << 19) | (opcode << 16) | (
        _chk(scale, 6, "scale") << 10) | (rn << 5) | rd


def fp_int(sf, ftype, rmode, opcode, rn, rd):
    # sf:31 0 0 11110 ftype 1:21 rmode:20-19 opcode:18-16 000000:15-10 Rn Rd
    return (sf << 31) | (0b11110 << 24) | (ftype << 22) | (1 << 21) | (rmode << 19) | (
        opcode << 16) | (rn << 5) | rd


# ---------------------------------------------------------------------------------------
# Advanced SIMD (C4.1.95). q: 64/128-bit vector, u: the U bit, size: element size
# 00 B, 01 H, 10 S, 11 D (FP forms use size<0> = sz and size<1> as part of the opcode).


def simd_3same(scalar, q, u, size, rm, opcode, rn, rd):
    # vector: 0 Q U 01110 size 1 Rm opcode:15-11 1 Rn Rd;  scalar: 01 U 11110 size ...
    top = (0b01 << 30) | (0b11110 << 24) if scalar else (q << 30) | (0b01110 << 24)
    return top | (u << 29) | (size << 22) | (1 << 21) | (rm << 16) | (opcode << 11) | (
        1 << 10) | (rn << 5) | rd


def simd_3diff(scalar, q, u, size, rm, opcode, rn, rd):
    # vector: 0 Q U 01110 size 1 Rm opcode:15-12 00 Rn Rd;  scalar: 01 U 11110 size ...
    top = (0b01 << 30) | (0b11110 << 24) if scalar else (q << 30) | (0b01110 << 24)
    return top | (u << 29) | (size << 22) | (1 << 21) | (rm << 16) | (opcode << 12) | (
        rn << 5) | rd


def simd_2misc(scalar, q, u, size, opcode, rn, rd):
    # vector: 0 Q U 01110 size 10000:21-17 opcode:16-12 10 Rn Rd;  scalar: 01 U 11110 ...
    top = (0b01 << 30) | (0b11110 << 24) if scalar else (q << 30) | (0b01110 << 24)
    return top | (u << 29) | (size << 22) | (0b10000 << 17) | (opcode << 12) | (0b10 << 10) | (
        rn << 5) | rd


def simd_across(scalar, q, u, size, opcode, rn, rd):
    # across lanes: 0 Q U 01110 size 11000:21-17 opcode:16-12 10 Rn Rd
    # scalar pairwise: 01 U 11110 size 11000 opcode 10 Rn Rd
    top = (0b01 << 30) | (0b11110 << 24) if scalar else (q << 30) | (0b01110 << 24)
    return top | (u << 29) | (size << 22) | (0b11000 << 17) | (opcode << 12) | (0b10 << 10) | (
        rn << 5) | rd


def simd_copy(scalar, q, op, imm5, imm4, rn, rd):
    # vector: 0 Q op 01110000 imm5:20-16 0 imm4:14-11 1 Rn Rd;  scalar: 01 op 11110000 ...
    top = (0b01 << 30) | (0b11110000 << 21) if scalar else (q << 30) | (0b01110000 << 21)
    return top | (op << 29) | (_chk(imm5, 5, "imm5") << 16) | (_chk(imm4, 4, "imm4") << 11) | (
        1 << 10) | (rn << 5) | rd


def simd_modimm(q, op, abcdefgh, cmode, o2, rd):
    # 0 Q op 0111100000 a:b:c:18-16 cmode:15-12 o2:11 1 d:e:f:g:h:9-5 Rd
    return (q << 30) | (op << 29) | (0b0111100000 << 19) | ((abcdefgh >> 5) << 16) | (
        cmode << 12) | (o2 << 11) | (1 << 10) | ((abcdefgh & 31) << 5) | rd


def simd_shift(scalar, q, u, immhb, opcode, rn, rd):
    # vector: 0 Q U 011110 immh:immb:22-16 opcode:15-11 1 Rn Rd;  scalar: 01 U 111110 ...
    top = (0b01 << 30) | (0b111110 << 23) if scalar else (q << 30) | (0b011110 << 23)
    return top | (u << 29) | (_chk(immhb, 7, "immh:immb") << 16) | (opcode << 11) | (1 << 10) | (
        rn << 5) | rd


def simd_elem(scalar, q, u, size, l, m, rm4, opcode, h, rn, rd):
    # vector: 0 Q U 01111 size L M Rm:19-16 opcode:15-12 H 0 Rn Rd;  scalar: 01 U 11111 ...
    top = (0b01 << 30) | (0b11111 << 24) if scalar else (q << 30) | (0b01111 << 24)
    return top | (u << 29) | (size << 22) | (l << 21) | (m << 20) | (rm4 << 16) | (
        opcode << 12) | (h << 11) | (rn << 5) | rd


def simd_permute(q, size, rm, opcode, rn, rd):
    # 0 Q 001110 size 0 Rm 0 opcode:14-12 10 Rn Rd
    return (q << 30) | (0b001110 << 24) | (size << 22) | (rm << 16) | (opcode << 12) | (
        0b10 << 10) | (rn << 5) | rd


def simd_ext(q, rm, imm4, rn, rd):
    # 0 Q 101110 op2=00 0 Rm 0 imm4:14-11 0 Rn Rd
    return (q << 30) | (0b101110 << 24) | (rm << 16) | (imm4 << 11) | (rn << 5) | rd


def simd_tbl(q, rm, length, op, rn, rd):
    # 0 Q 001110 op2=00 0 Rm 0 len:14-13 op:12 00 Rn Rd  (op=1: TBX)
    return (q << 30) | (0b001110 << 24) | (rm << 16) | (length << 13) | (op << 12) | (
        rn << 5) | rd


def crypto_aes(opcode, rn, rd):
    # 01001110 size=00 10100:21-17 opcode:16-12 10 Rn Rd
    return (0b01001110 << 24) | (0b10100 << 17) | (opcode << 12) | (0b10 << 10) | (rn << 5) | rd


def crypto_sha3(opcode, rm, rn, rd):
    # 01011110 size=00 0 Rm 0 opcode:14-12 00 Rn Rd
    return (0b01011110 << 24) | (rm << 16) | (opcode << 12) | (rn << 5) | rd


def crypto_sha2(opcode, rn, rd):
    # 01011110 size=00 10100:21-17 opcode:16-12 10 Rn Rd
    return (0b01011110 << 24) | (0b10100 << 17) | (opcode << 12) | (0b10 << 10) | (rn << 5) | rd


# ---------------------------------------------------------------------------------------
# SIMD&FP loads and stores (C4.1.88, V = 1)

V_BIT = 1 << 26


def vldst_multi(q, load, post, rm, opcode, size, rn, rt):
    # 0 Q 0011000 L 000000 opcode:15-12 size Rn Rt  (no offset)
    # 0 Q 0011001 L 0 Rm opcode size Rn Rt         (post-index; Rm = 31: immediate)
    return (q << 30) | (0b0011000 << 23) | (post << 23) | (load << 22) | (
        (rm if post else 0) << 16) | (opcode << 12) | (size << 10) | (rn << 5) | rt


def vldst_single(q, load, r, post, rm, opcode, s, size, rn, rt):
    # 0 Q 0011010 L R 00000 opcode:15-13 S:12 size Rn Rt  (no offset)
    # 0 Q 0011011 L R Rm opcode S size Rn Rt           (post-index; Rm = 31: immediate)
    return (q << 30) | (0b0011010 << 23) | (post << 23) | (load << 22) | (r << 21) | (
        (rm if post else 0) << 16) | (opcode << 13) | (s << 12) | (size << 10) | (rn << 5) | rt


def vldr_lit(opc, off, rt):
    # opc:31-30 011 V=1 00 imm19 Rt  (opc 00 S, 01 D, 10 Q)
    return ldr_lit(opc, off, rt) | V_BIT

//! A mixed sequence of integer Advanced SIMD and crypto instructions, with the expected
//! registers taken from Unicorn 2.1.4 (CPU model max) running the same words from the
//! same state. The differential harness covers each group at random; this pins a
//! readable example of each.

use crate::exec::testutil::run_with;

#[test]
fn integer_simd_and_crypto_match_the_reference() {
    let code = [
        0x4e228420, // add v0.16b, v1.16b, v2.16b
        0x4e620c3c, // sqadd v28.8h, v1.8h, v2.8h
        0x6ea28c24, // cmeq v4.4s, v1.4s, v2.4s
        0x4e31b825, // addv b5, v1.16b
        0x6e303826, // uaddlv h6, v1.16b
        0x4e205827, // cnt v7.16b, v1.16b
        0x4e600828, // rev64 v8.8h, v1.8h
        0x4e212849, // xtn2 v9.16b, v2.8h
        0x4e1c042a, // dup v10.4s, v1.s[3]
        0x4e183c2b, // mov x11, v1.d[1]
        0x4e0c1c4c, // mov v12.s[1], w2
        0x4e42382d, // zip1 v13.8h, v1.8h, v2.8h
        0x4e82582e, // uzp2 v14.4s, v1.4s, v2.4s
        0x4e03202f, // tbl v15.16b, {v1.16b, v2.16b}, v3.16b
        0x4f052570, // movi v16.4s, #0xab, lsl #8
        0x4f3c0431, // sshr v17.4s, v1.4s, #4
        0x0f0c8432, // shrn v18.8b, v1.8h, #4
        0x6f485433, // sli v19.2d, v1.2d, #8
        0x4e284ab4, // aese v20.16b, v21.16b
        0x4fa28036, // mul v22.4s, v1.4s, v2.s[1]
        0x0ea2d037, // sqdmull v23.2d, v1.2s, v2.2s
        0x6e62a438, // umaxp v24.8h, v1.8h, v2.8h
        0x6e021839, // ext v25.16b, v1.16b, v2.16b, #3
        0x7e21483a, // uqxtn b26, h1
        0x5f7e743b, // sqshl d27, d1, #62
        0x4e62b43d, // sqdmulh v29.8h, v1.8h, v2.8h
        0x6ee3443e, // ushl v30.2d, v1.2d, v3.2d
        0x4e62803f, // smlal2 v31.4s, v1.8h, v2.8h
        0x4ee2e029, // pmull2 v9.1q, v1.2d, v2.2d
        0x5e0242b4, // sha256h q20, q21, v2.4s
        0x5e020035, // sha1c q21, s1, v2.4s
        0x4e28682c, // aesmc v12.16b, v1.16b
    ];
    let (cpu, _) = run_with(&code, &[(2, 0xdead_beef_cafe_babe)], |cpu, _| {
        cpu.sys.cpacr_el1 = 3 << 20;
        cpu.set_vreg(1, 0x0123_4567_89ab_cdef_7ffe_8001_7fff_8000);
        cpu.set_vreg(2, 0xfedc_ba98_7654_3210_1122_3344_5566_77ff);
        cpu.set_vreg(3, 0x1f0e_2d3c_4b5a_6978_0f1e_2d3c_1000_ff20);
        cpu.set_vreg(9, 0x5555_5555_5555_5555_aaaa_aaaa_aaaa_aaaa);
        cpu.set_vreg(20, 0x0011_2233_4455_6677_8899_aabb_ccdd_eeff);
        cpu.set_vreg(21, 0x0001_0203_0405_0607_0809_0a0b_0c0d_0e0f);
        cpu.set_vreg(31, 0x1111_1111_2222_2222_3333_3333_4444_4444);
    });
    let expect: &[(usize, u128)] = &[
        (0, 0xffffffffffffffff9020b345d465f7ff),
        (4, 0x0),
        (5, 0xbc),
        (6, 0x7bc),
        (7, 0x1030305030505070707010107080100),
        (8, 0xcdef89ab4567012380007fff80017ffe),
        (9, 0xe038d8688850b040a0789828c810f0),
        (10, 0x1234567012345670123456701234567),
        (12, 0xcd67892345ef01ab83e77c1881e47e1b),
        (13, 0x11227ffe3344800155667fff77ff8000),
        (14, 0xfedcba9811223344012345677ffe8001),
        (15, 0xfe2300000000000001dc0000ff000000),
        (16, 0xab000000ab000000ab000000ab00),
        (17, 0x123456f89abcde07ffe80007fff800),
        (18, 0x12569adeff00ff00),
        (19, 0x23456789abcdef00fe80017fff800000),
        (20, 0x974ffa224f3b841527e00d0d95bb6b32),
        (21, 0xd5c22ef8fc8eacec84b1f2182820a2da),
        (22, 0x62dff45c0467507cc43c3344e65e0000),
        (23, 0x1121ffdd887866885566229888010000),
        (24, 0xfedc7654334477ff4567cdef80018000),
        (25, 0x6677ff0123456789abcdef7ffe80017f),
        (26, 0xff),
        (27, 0x7fffffffffffffff),
        (28, 0xffffffffffffffff7fffb3457ffff7ff),
        (29, 0xfffdda5e929bec6b1121ccbc55658801),
        (30, 0x7fff800000000000),
        (31, 0x110fc5250f512d4afc81314f3a79d134),
    ];
    for &(r, v) in expect {
        assert_eq!(cpu.vreg(r), v, "v{r}: {:#x} expected {v:#x}", cpu.vreg(r));
    }
    assert_eq!(cpu.xreg(11), 0x0123456789abcdef);
    assert_eq!(cpu.fpsr(), 0x0800_0000, "QC from the saturations");
}

#[test]
fn the_unused_upper_half_of_a_64_bit_operation_never_saturates() {
    let code = [
        0x0e260c14, // sqadd v20.8b, v0.8b, v6.8b
        0x0f56c015, // sqdmulh v21.4h, v0.4h, v6.h[1]
    ];
    let (cpu, _) = run_with(&code, &[], |cpu, _| {
        cpu.sys.cpacr_el1 = 3 << 20;
        // Only the upper halves would saturate: 0x7f + 0x7f, and 0x8000 * 0x8000.
        cpu.set_vreg(0, 0x8000_7f7f_7f7f_7f7f_0000_0000_0000_0001);
        cpu.set_vreg(6, 0x8000_7f7f_7f7f_7f7f_0000_0000_0001_0001);
    });
    assert_eq!(cpu.vreg(20), 0x0001_0002);
    assert_eq!(cpu.fpsr() & (1 << 27), 0, "QC must stay clear");
}

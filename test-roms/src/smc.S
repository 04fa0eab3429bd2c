// Code for smc.c: functions that smc.c rewrites in place (each patch site has a global
// label), functions that rewrite their own instructions, and position-independent templates
// that smc.c copies into RAM like a loader. Every rewrite is made visible to instruction
// fetch with the sequence of Arm ARM DDI 0487, B2.2.5 "Concurrent modification and execution
// of instructions" and the "Ensuring the visibility of updates to instructions for a
// uniprocessor" litmus test: DC CVAU, DSB ISH, IC IVAU, DSB ISH, ISB. The encodings written
// here are worked by hand from C6.2: MOVZ X0 0xd2800000 | imm16 << 5, ADD X0, X0, #imm12
// 0x91000000 | imm12 << 10, B 0x14000000 | imm26, NOP 0xd503201f.

// Makes the instruction at [\reg] visible to this PE's instruction fetches.
    .macro  sync_insn reg
    dc      cvau, \reg
    dsb     ish
    ic      ivau, \reg
    dsb     ish
    isb
    .endm

    .text

// u64 smc_ret(void): `mov w0, #1; ret`. smc.c rewrites the MOVZ (smc_ret_mov).
    .balign 64
    .global smc_ret, smc_ret_mov
smc_ret:
smc_ret_mov:
    mov     w0, #1
    ret

// u64 smc_mid(void): 2 * (1000 + imm) for the ADD's imm, patched in the middle of the block.
    .balign 64
    .global smc_mid, smc_mid_add
smc_mid:
    mov     x0, #1000
smc_mid_add:
    add     x0, x0, #0
    add     x0, x0, x0
    ret

// u64 smc_line(void): the MOVZ's imm. The MOVZ is at offset 28 of a 64-byte aligned block,
// so it is not the first word of any instruction cache line of 8 bytes or more; smc.c
// invalidates by the first byte of its line.
    .balign 64
    .global smc_line, smc_line_mov
smc_line:
    .rept   7
    nop
    .endr
smc_line_mov:
    mov     w0, #1
    ret

// u64 smc_pair(void): MOVZ + MOVK, both replaced by one 64-bit store.
    .balign 16
    .global smc_pair
smc_pair:
    mov     x0, #0
    movk    x0, #0, lsl #16
    ret

// u64 smc_quad(void): MOVZ + three MOVKs, all four replaced by one STP of two X registers.
    .balign 16
    .global smc_quad
smc_quad:
    mov     x0, #0
    movk    x0, #0, lsl #16
    movk    x0, #0, lsl #32
    movk    x0, #0, lsl #48
    ret

// u64 smc_branch(void): 0xa or 0xb, whichever target the B at smc_branch_b points to.
    .balign 64
    .global smc_branch, smc_branch_b, smc_tgt_a, smc_tgt_b
smc_branch:
    mov     x0, #0
smc_branch_b:
    b       smc_tgt_a
smc_tgt_a:
    mov     x0, #0xa
    ret
smc_tgt_b:
    mov     x0, #0xb
    ret

// u64 smc_call(void): 1 + whichever leaf the BL at smc_call_bl calls (0x10 or 0x20).
    .balign 64
    .global smc_call, smc_call_bl, smc_leaf_a, smc_leaf_b
smc_call:
    stp     x29, x30, [sp, #-16]!
smc_call_bl:
    bl      smc_leaf_a
    add     x0, x0, #1
    ldp     x29, x30, [sp], #16
    ret
smc_leaf_a:
    mov     x0, #0x10
    ret
smc_leaf_b:
    mov     x0, #0x20
    ret

// u64 smc_brk(void): starts as `brk #5`; smc.c's exception hook replaces it with a MOVZ and
// returns to it (the ERET is the context synchronization event).
    .balign 64
    .global smc_brk
smc_brk:
    brk     #5
    ret

// u64 smc_ahead(u64 k): writes `movz x0, #k` (k < 65536) over the instruction after its
// ISB, in the same straight-line sequence, then falls into it.
    .balign 64
    .global smc_ahead
smc_ahead:
    adr     x1, 1f
    mov     w2, #0xd2800000             // movz x0, #0
    orr     w2, w2, w0, lsl #5
    str     w2, [x1]
    sync_insn x1
1:  mov     x0, #0xdead                 // replaced before it runs
    ret

// u64 smc_ahead_page(u64 k): the same with the ISB the last word of a 4 KiB page and the
// rewritten instruction the first word of the next.
    .balign 4096
smc_page_base:
    .org    smc_page_base + 4096 - 9 * 4
    .global smc_ahead_page
smc_ahead_page:
    adr     x1, smc_page_next
    mov     w2, #0xd2800000             // movz x0, #0
    orr     w2, w2, w0, lsl #5
    str     w2, [x1]
    sync_insn x1
    .org    smc_page_base + 4096        // an error if the nine instructions above grow
smc_page_next:
    mov     x0, #0xdead                 // replaced before it runs
    ret

// u64 smc_loop_ahead(u64 n): 0 + 1 + ... + (n - 1), for n <= 4095. Iteration i writes
// `add x0, x0, #i` over the instruction after its ISB, then runs it.
    .balign 64
    .global smc_loop_ahead
smc_loop_ahead:
    mov     x2, x0
    mov     x0, #0
    mov     x3, #0
    adr     x4, 2f
    mov     w5, #0x91000000             // add x0, x0, #0
    cbz     x2, 3f
1:  orr     w6, w5, w3, lsl #10
    str     w6, [x4]
    sync_insn x4
2:  add     x0, x0, #0xfff              // replaced before each run
    add     x3, x3, #1
    cmp     x3, x2
    b.lo    1b
3:  ret

// u64 smc_loop_behind(u64 n): 0 + 1 + ... + (n - 1), for n <= 4095. Iteration i runs
// `add x0, x0, #i`, then rewrites that ADD, earlier in its own loop body, for iteration i + 1.
    .balign 64
    .global smc_loop_behind
smc_loop_behind:
    mov     x2, x0
    mov     x0, #0
    mov     x3, #0
    adr     x4, 1f
    mov     w5, #0x91000000             // add x0, x0, #0
    str     w5, [x4]                    // for iteration 0, also after an earlier call
    sync_insn x4
    cbz     x2, 3f
1:  add     x0, x0, #0                  // rewritten every iteration
    add     x3, x3, #1
    orr     w6, w5, w3, lsl #10
    str     w6, [x4]
    sync_insn x4
    cmp     x3, x2
    b.lo    1b
3:  ret

// u64 smc_loop_branch(u64 n): how many of 0..n-1 are even. Iteration i writes a NOP (i even)
// or `b 3f` (i odd) at 2:, ahead in its own body, so the counting ADD runs only for even i.
    .balign 64
    .global smc_loop_branch
smc_loop_branch:
    mov     x2, x0
    mov     x0, #0
    mov     x3, #0
    adr     x4, 2f
    mov     w7, #0x0002
    movk    w7, #0x1400, lsl #16        // b .+8 (from 2: to 3:)
    mov     w8, #0x201f
    movk    w8, #0xd503, lsl #16        // nop
    cbz     x2, 4f
1:  tst     x3, #1
    csel    w6, w7, w8, ne
    str     w6, [x4]
    sync_insn x4
2:  udf     #0                          // replaced before each run
    add     x0, x0, #1
3:  add     x3, x3, #1
    cmp     x3, x2
    b.lo    1b
4:  ret

// Templates that smc.c copies into RAM and calls there; only PC-relative branches inside.
    .section .rodata
    .balign 4

// u64 tmpl_sum(u64 n): n * (n + 1) / 2, by a loop.
    .global tmpl_sum, tmpl_sum_end
tmpl_sum:
    mov     x1, x0
    mov     x0, #0
    cbz     x1, 2f
1:  add     x0, x0, x1
    subs    x1, x1, #1
    b.ne    1b
2:  ret
tmpl_sum_end:

// u64 tmpl_poly(u64 x): 3x^2 + 5x + 7.
    .global tmpl_poly, tmpl_poly_end
tmpl_poly:
    mov     x1, #3
    mov     x2, #5
    madd    x1, x1, x0, x2
    mov     x2, #7
    madd    x0, x1, x0, x2
    ret
tmpl_poly_end:

// Branches at the edges of their ranges (Arm ARM DDI 0487 C4.1.65, C6.2): TBZ/TBNZ
// (imm14, +-32 KiB), CBZ/CBNZ and B.cond (imm19, +-1 MiB) at exactly their largest forward
// and backward offsets, and B/BL (imm26) across the whole ~2 MiB of padding. Called from
// branch.c; each function returns a value that says which way it went.
    .text
    .balign 4

// u64 near_fn(void): 0x40, the target of far_call_back's backward BL.
    .global near_fn
near_fn:
    mov     x0, #0x40
    ret

// u64 computed_br(u64 k): BR into a table of two-instruction entries; 3 + 10 * k for k < 4.
    .global computed_br
computed_br:
    adr     x1, 1f
    add     x1, x1, x0, lsl #3
    br      x1
1:  mov     x0, #3
    ret
    mov     x0, #13
    ret
    mov     x0, #23
    ret
    mov     x0, #33
    ret

// u64 far_b_forward(void): 0x42 if B reaches far_b_landing, ~2 MiB ahead.
    .global far_b_forward
far_b_forward:
    mov     x0, #0
    b       far_b_landing

// u64 far_tbz_fwd(u64 x): 1 if bit 5 of x is clear (TBZ taken, +32764 bytes), else 0.
    .global far_tbz_fwd
far_tbz_fwd:
    tbz     x0, #5, 1f          // offset 12 + 0x7ff0 = 0x7ffc, the largest
    mov     x0, #0
    ret
    .skip   0x7ff0
1:  mov     x0, #1
    ret

// u64 far_tbnz_back(u64 x): 2 if bit 63 of x is set (TBNZ taken, -32768 bytes), else 3.
1:  mov     x0, #2
    ret
    .skip   0x7ff8
    .global far_tbnz_back
far_tbnz_back:
    tbnz    x0, #63, 1b         // offset -(8 + 0x7ff8) = -0x8000, the smallest
    mov     x0, #3
    ret

// u64 far_cbz_fwd(u64 x): 1 if w0 is zero (CBZ taken, +0xffffc bytes), else 0.
    .global far_cbz_fwd
far_cbz_fwd:
    cbz     w0, 1f              // offset 12 + 0xffff0 = 0xffffc, the largest
    mov     x0, #0
    ret
    .skip   0xffff0
1:  mov     x0, #1
    ret

// u64 far_bcond_back(u64 a, u64 b): 2 if a < b signed (B.LT taken, -1 MiB), else 3.
1:  mov     x0, #2
    ret
    .skip   0xffff4
    .global far_bcond_back
far_bcond_back:
    cmp     x0, x1
    b.lt    1b                  // offset -(8 + 0xffff4 + 4) = -0x100000, the smallest
    mov     x0, #3
    ret

far_b_landing:
    mov     x0, #0x42
    ret

// u64 far_call_back(void): near_fn() + 1, through a BL ~2 MiB backward.
    .global far_call_back
far_call_back:
    stp     x29, x30, [sp, #-16]!
    bl      near_fn
    add     x0, x0, #1
    ldp     x29, x30, [sp], #16
    ret

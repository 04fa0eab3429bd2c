// Exception vector table (Arm ARM DDI 0487, D1.10.2 "Exception vectors"): 16 entries of
// 0x80 bytes, 2 KiB aligned. Every entry saves x0..x30 in a struct rt_frame on the current
// stack and calls rt_exception(vector, frame) in rt.c, which either reports an unexpected
// exception and exits with 99, or hands a synchronous exception to a test's one-shot hook
// and returns the address to resume at. The saved registers (possibly changed by the hook)
// are restored and ERET returns there with the SPSR the exception saved.
    .macro ventry vector
    .balign 0x80
    sub     sp, sp, #256
    stp     x0, x1, [sp, #0]
    mov     x0, #\vector
    b       rt_vector_common
    .endm

    .text
    .balign 0x800
    .global rt_vectors
rt_vectors:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    ventry \v
    .endr

rt_vector_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    str     x30, [sp, #240]
    mov     x1, sp
    bl      rt_exception        // x0 = vector, x1 = frame; returns the resume address
    mrs     x1, CurrentEL
    ubfx    x1, x1, #2, #2
    cmp     x1, #3
    b.ne    1f
    msr     elr_el3, x0
    b       3f
1:  cmp     x1, #2
    b.ne    2f
    msr     elr_el2, x0
    b       3f
2:  msr     elr_el1, x0
3:  ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    add     sp, sp, #256
    eret

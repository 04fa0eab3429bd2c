// Exception vectors (Arm ARM D1.10.2): 16 entries of 0x80 bytes. Every entry saves the
// caller's registers and calls rt_exception(kind), which either reports an unexpected
// exception and exits, or (for a test that armed rt_expect) records it and returns the
// address to resume at.
    .macro ventry kind
    .balign 0x80
    sub     sp, sp, #256
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       rt_vector_common
    .endm

    .text
    .balign 0x800
    .global rt_vectors
rt_vectors:
    .irp k, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    ventry \k
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
    bl      rt_exception        // returns the resume address in x0
    mrs     x1, CurrentEL
    lsr     x1, x1, #2
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

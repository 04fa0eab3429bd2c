// Secondary-core entry for the smp ROM: the address core 0 writes into the Pi's spin table
// (0xe0, 0xe8, 0xf0). Each core gets its own stack from MPIDR_EL1.Aff0, installs the
// runtime's vector table, turns the FP/SIMD traps off as start.S does and calls
// secondary_main(core), which never returns.
    .text
    .global smp_secondary_entry
smp_secondary_entry:
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    adr     x1, smp_stacks
    add     x2, x0, #1
    lsl     x2, x2, #14             // 16 KiB per core, the stack grows down from its top
    add     x1, x1, x2
    mov     sp, x1
    mov     x29, #0
    mov     x30, #0
    adr     x1, rt_vectors
    msr     vbar_el3, x1
    mov     x1, #(3 << 20)
    msr     cpacr_el1, x1
    mov     x1, #0x33ff
    msr     cptr_el2, x1
    msr     cptr_el3, xzr
    isb
    bl      secondary_main
1:  wfe
    b       1b

    .bss
    .balign 16
    .global smp_stacks
smp_stacks:
    .skip   4 * 16384

// Entry point that the psci ROM hands to CPU_ON: x0 is the context id, which names the
// stack to use (one 16 KiB stack per core, by MPIDR_EL1.Aff0). Installs the runtime's
// vectors at EL2, turns FP/SIMD traps off and calls secondary_main(context).
    .text
    .global psci_secondary_entry
psci_secondary_entry:
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    adr     x2, psci_stacks
    add     x1, x1, #1
    lsl     x1, x1, #14
    add     x2, x2, x1
    mov     sp, x2
    mov     x29, #0
    mov     x30, #0
    adr     x1, rt_vectors
    msr     vbar_el2, x1
    mov     x1, #(3 << 20)
    msr     cpacr_el1, x1
    mov     x1, #0x33ff
    msr     cptr_el2, x1
    isb
    bl      secondary_main
1:  b       1b

    .bss
    .balign 16
psci_stacks:
    .skip   4 * 16384

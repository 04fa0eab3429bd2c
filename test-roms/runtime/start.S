// Test ROM entry point, linked first at the load address (link.ld). Runs at whatever EL
// the board enters at (EL3 on bramble's rpi4b and on QEMU's virt,secure=on) with the MMU
// off and SP undefined: sets SP to the stack link.ld places above BSS, installs the vector
// table for that EL, enables FP/SIMD, clears BSS, calls main() and exits through semihosting
// SYS_EXIT_EXTENDED with main's return value as the exit code (rt_finish in rt.c).
//
// FP/SIMD (Arm ARM DDI 0487, the CPACR_EL1, CPTR_EL2 and CPTR_EL3 register descriptions):
// the trap controls reset to UNKNOWN values, so every ROM turns the traps off before main:
// CPACR_EL1.FPEN = 0b11 at any EL (writable from EL2 and EL3 too), CPTR_EL3 = 0 (TFP,
// bit 10, clear) at EL3, and CPTR_EL2 = 0x33ff (its RES1 bits 13, 12 and 9:0 with HCR_EL2.E2H
// = 0; TFP clear) at EL2 and EL3, then FPCR = 0 (round to nearest, no flushing or default
// NaN) and FPSR = 0. The integer ROMs never touch a V register either way.
    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x0, =__stack_top
    mov     sp, x0
    mov     x29, #0             // end of the frame-pointer chain
    mov     x30, #0
    adr     x0, rt_vectors
    mrs     x1, CurrentEL
    ubfx    x1, x1, #2, #2
    cmp     x1, #3
    b.eq    1f
    cmp     x1, #2
    b.eq    2f
    msr     vbar_el1, x0
    b       3f
1:  msr     vbar_el3, x0
    b       3f
2:  msr     vbar_el2, x0
3:  mov     x0, #(3 << 20)      // CPACR_EL1.FPEN = 0b11: no FP/SIMD trap at EL1/EL0
    msr     cpacr_el1, x0
    cmp     x1, #2
    b.lo    7f
    mov     x0, #0x33ff         // CPTR_EL2: RES1 bits, TFP (bit 10) clear
    msr     cptr_el2, x0
    cmp     x1, #3
    b.lo    7f
    msr     cptr_el3, xzr       // CPTR_EL3.TFP (bit 10) clear
7:  isb
    msr     fpcr, xzr           // round to nearest, no FZ/DN/AHP (FPCR resets UNKNOWN)
    msr     fpsr, xzr
    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
4:  cmp     x0, x1
    b.hs    5f
    str     xzr, [x0], #8
    b       4b
5:  bl      main
    bl      rt_finish           // prints PASS and exits with main's return value
6:  b       6b
    .ltorg

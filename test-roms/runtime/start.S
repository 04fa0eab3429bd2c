// Test ROM entry point, linked first at the load address (link.ld). Runs at whatever EL
// the board enters at (EL3 on bramble's rpi4b and on QEMU's virt,secure=on) with the MMU
// off and SP undefined: sets SP to the stack link.ld places above BSS, installs the vector
// table for that EL, clears BSS, calls main() and exits through semihosting
// SYS_EXIT_EXTENDED with main's return value as the exit code (rt_finish in rt.c).
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
3:  isb
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

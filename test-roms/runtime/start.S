// Test ROM entry: runs at whatever EL the board starts in (EL3 on bramble and on QEMU's
// virt,secure=on), sets up the stack and the vector table for that EL, clears BSS, calls
// main() and exits through semihosting with its return value.
    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x0, =__stack_top
    mov     sp, x0
    adr     x0, rt_vectors
    mrs     x1, CurrentEL
    lsr     x1, x1, #2
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
    bl      rt_exit
6:  b       6b

// A template for smc_alias.c, which copies it into the code page and runs it through the
// page's executable alias: code that rewrites its own next instruction through the page's
// writable, execute-never alias. Position-independent; MOVZ X0 is 0xd2800000 | imm16 << 5
// (Arm ARM DDI 0487 C6.2).
    .section .rodata
    .balign 4

// u64 alias_ahead(u64 k, u64 delta): run at alias B; writes `movz x0, #k` (k < 65536) at
// its B address + delta (alias A) over the instruction after its ISB, cleans by the A
// address, invalidates by the B address, and falls into it.
    .global alias_ahead, alias_ahead_end
alias_ahead:
    adr     x2, 1f
    add     x3, x2, x1
    mov     w4, #0xd2800000             // movz x0, #0
    orr     w4, w4, w0, lsl #5
    str     w4, [x3]
    dc      cvau, x3
    dsb     ish
    ic      ivau, x2
    dsb     ish
    isb
1:  mov     x0, #0xdead                 // replaced before it runs
    ret
alias_ahead_end:

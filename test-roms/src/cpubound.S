// The cpubound benchmark's inner loop, in assembly so its instruction mix does not change
// with the compiler: per element a load, a store, a byte load, ALU work, a data-dependent
// branch (EOR or MADD), and every 64 elements a call to a leaf with a UDIV. About 15.5
// instructions per element. tools/cpubound_model.py is an independent model of it.
    .text
    .balign 4

// u64 cpubound_pass(u64 *a, u64 n, u64 sum): one pass over a[0..n), returns the new sum.
    .global cpubound_pass
cpubound_pass:
    stp     x29, x30, [sp, #-16]!
    mov     x29, sp
    mov     x3, #0                  // i
    mov     x11, #5
    movz    x10, #0x2345
    movk    x10, #0x1, lsl #16      // 0x12345, mix's divisor
1:  ldr     x4, [x0, x3, lsl #3]    // v = a[i]
    eor     x5, x4, x2, lsr #7
    add     x2, x2, x5              // sum += v ^ (sum >> 7)
    and     x6, x2, #0xff
    add     x6, x4, x6
    str     x6, [x0, x3, lsl #3]    // a[i] = v + (sum & 0xff)
    ldrb    w7, [x0, x3]            // byte i of the array, as it is now
    add     x2, x2, x7, lsl #3      // sum += byte << 3
    tbz     x4, #0, 2f
    eor     x2, x2, x3              // v odd: sum ^= i
    b       3f
2:  madd    x2, x2, x11, x3         // v even: sum = sum * 5 + i
3:  tst     x3, #63
    b.ne    4f
    bl      mix                     // every 64th element, from i = 0
4:  add     x3, x3, #1
    cmp     x3, x1
    b.lo    1b
    mov     x0, x2
    ldp     x29, x30, [sp], #16
    ret

// sum = ror(sum, 13) ^ (sum >> 3) + sum / 0x12345 (unsigned), on x2; clobbers x8, x9.
mix:
    udiv    x8, x2, x10
    ror     x9, x2, #13
    eor     x2, x9, x2, lsr #3
    add     x2, x2, x8
    ret

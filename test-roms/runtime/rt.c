// The test ROM runtime: semihosting console and exit (Arm "Semihosting for AArch32 and
// AArch64" v2.0: HLT #0xF000, operation in w0, parameter in x1, result in x0), check
// reporting, and the C half of exception handling (vectors.S saves the registers).
#include "rt.h"

// The runtime never uses an FP/SIMD register, even in ROMs compiled with them (fp, simd):
// vectors.S saves only x0..x30 around rt_exception(), and a ROM's FP state must survive a
// console write or an exception hook.
#pragma GCC target("general-regs-only")

const char rt_rom_name[] = ROM_NAME;

#define SYS_WRITEC 0x03
#define SYS_WRITE0 0x04
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

u64 rt_semihost(u64 op, const void *param) {
    register u64 x0 __asm__("x0") = op;
    register const void *x1 __asm__("x1") = param;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    return x0;
}

void rt_putc(char c) { rt_semihost(SYS_WRITEC, &c); }
void rt_puts(const char *s) { rt_semihost(SYS_WRITE0, s); }

void rt_put_hex(u64 v) {
    char buf[19];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 16; i++) {
        int d = (v >> (60 - 4 * i)) & 0xf;
        buf[2 + i] = d < 10 ? '0' + d : 'a' + d - 10;
    }
    buf[18] = 0;
    rt_puts(buf);
}

void rt_put_dec(u64 v) {
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    rt_puts(&buf[i]);
}

_Noreturn void rt_exit(int code) {
    // SYS_EXIT_EXTENDED's parameter block: reason, then the exit code as subcode.
    volatile u64 block[2] = {ADP_STOPPED_APPLICATION_EXIT, (u64)(u32)code};
    for (;;) rt_semihost(SYS_EXIT_EXTENDED, (const void *)block);
}

static int check_no;

void rt_check_eq(u64 got, u64 expected, const char *name) {
    check_no++;
    if (got == expected) return;
    rt_puts("FAIL ");
    rt_puts(rt_rom_name);
    rt_puts(": check #");
    rt_put_dec(check_no);
    rt_puts(" ");
    rt_puts(name);
    rt_puts(" got ");
    rt_put_hex(got);
    rt_puts(" expected ");
    rt_put_hex(expected);
    rt_puts("\n");
    rt_exit(check_no < 98 ? check_no : 98);
}

// start.S calls this with main's return value.
_Noreturn void rt_finish(int code) {
    if (code == 0 && check_no > 0) {
        rt_puts("PASS ");
        rt_puts(rt_rom_name);
        rt_puts(": ");
        rt_put_dec(check_no);
        rt_puts(check_no == 1 ? " check\n" : " checks\n");
    }
    rt_exit(code);
}

rt_hook_fn volatile rt_exception_hook;
void (*volatile rt_irq_handler)(void);
void (*volatile rt_fiq_handler)(void);
volatile u64 rt_last_esr, rt_last_elr, rt_last_far;
volatile int rt_exception_seen;

static u64 record_exception(struct rt_frame *frame, u64 esr, u64 elr, u64 far) {
    (void)frame;
    rt_last_esr = esr;
    rt_last_elr = elr;
    rt_last_far = far;
    rt_exception_seen = 1;
    u64 ec = esr >> 26;
    return (ec >= 0x15 && ec <= 0x17) ? elr : elr + 4;
}

void rt_expect_exception(void) {
    rt_exception_seen = 0;
    rt_last_esr = rt_last_elr = rt_last_far = ~0ull;
    rt_exception_hook = record_exception;
}

// The syndrome registers of the EL the ROM runs at (EL3 on bramble and on QEMU's
// virt,secure=on; the others only matter if a board enters at a lower EL).
#define READ_EL_REG(name, el, out)                                                  \
    do {                                                                            \
        if ((el) == 3) __asm__ volatile("mrs %0, " #name "_el3" : "=r"(out));       \
        else if ((el) == 2) __asm__ volatile("mrs %0, " #name "_el2" : "=r"(out));  \
        else __asm__ volatile("mrs %0, " #name "_el1" : "=r"(out));                 \
    } while (0)

// Called by vectors.S with the vector number (0..15: current EL with SP0, current EL with
// SPx, lower EL AArch64, lower EL AArch32; each sync, IRQ, FIQ, SError) and the saved
// registers. Returns the address to resume at.
u64 rt_exception(u64 vector, struct rt_frame *frame) {
    u64 el, esr, elr, far;
    __asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
    el = (el >> 2) & 3;
    READ_EL_REG(esr, el, esr);
    READ_EL_REG(elr, el, elr);
    READ_EL_REG(far, el, far);
    rt_hook_fn hook = rt_exception_hook;
    if (hook && vector % 4 == 0) {
        rt_exception_hook = 0;
        return hook(frame, esr, elr, far);
    }
    // Interrupts from the current EL: ELR is already where the interrupted code resumes.
    void (*irq)(void) = rt_irq_handler, (*fiq)(void) = rt_fiq_handler;
    if (vector < 8 && vector % 4 == 1 && irq) {
        irq();
        return elr;
    }
    if (vector < 8 && vector % 4 == 2 && fiq) {
        fiq();
        return elr;
    }
    rt_puts("UNEXPECTED EXCEPTION ESR=");
    rt_put_hex(esr);
    rt_puts(" ELR=");
    rt_put_hex(elr);
    rt_puts(" FAR=");
    rt_put_hex(far);
    rt_puts(" (");
    rt_puts(rt_rom_name);
    rt_puts(", vector ");
    rt_put_dec(vector);
    rt_puts(")\n");
    rt_exit(99);
}

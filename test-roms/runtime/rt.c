// Runtime for bare-metal test ROMs: semihosting console/exit and check reporting.
#include "rt.h"

const char rt_rom_name[] = ROM_NAME;

#define SYS_WRITEC 0x03
#define SYS_WRITE0 0x04
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static u64 semihost(u64 op, const void *arg) {
    register u64 x0 __asm__("x0") = op;
    register const void *x1 __asm__("x1") = arg;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    return x0;
}

void rt_putc(char c) { semihost(SYS_WRITEC, &c); }
void rt_puts(const char *s) { semihost(SYS_WRITE0, s); }

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

static void put_dec(u64 v) {
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
    volatile u64 block[2] = {ADP_STOPPED_APPLICATION_EXIT, (u64)code};
    for (;;) semihost(SYS_EXIT_EXTENDED, (const void *)block);
}

static int check_no;
static int failures;

void rt_check_eq(u64 got, u64 expected, const char *name) {
    check_no++;
    if (got == expected) return;
    rt_puts("FAIL ");
    rt_puts(rt_rom_name);
    rt_puts(": check #");
    put_dec(check_no);
    rt_puts(" ");
    rt_puts(name);
    rt_puts(" got ");
    rt_put_hex(got);
    rt_puts(" expected ");
    rt_put_hex(expected);
    rt_puts("\n");
    failures++;
    rt_exit(check_no < 98 ? check_no : 98);
}

volatile u64 rt_last_esr, rt_last_elr, rt_last_far;
volatile int rt_exception_seen;
static volatile int armed;

void rt_expect_exception(void) {
    rt_exception_seen = 0;
    armed = 1;
}

#define READ_EL_REG(name, el, out)                                          \
    do {                                                                    \
        if ((el) == 3) __asm__ volatile("mrs %0, " #name "_el3" : "=r"(out)); \
        else if ((el) == 2) __asm__ volatile("mrs %0, " #name "_el2" : "=r"(out)); \
        else __asm__ volatile("mrs %0, " #name "_el1" : "=r"(out));         \
    } while (0)

u64 rt_exception(u64 kind) {
    u64 el, esr, elr, far;
    __asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
    el >>= 2;
    READ_EL_REG(esr, el, esr);
    READ_EL_REG(elr, el, elr);
    READ_EL_REG(far, el, far);
    u64 ec = esr >> 26;
    if (armed && kind % 4 == 0) {
        armed = 0;
        rt_last_esr = esr;
        rt_last_elr = elr;
        rt_last_far = far;
        rt_exception_seen = 1;
        return (ec >= 0x15 && ec <= 0x17) ? elr : elr + 4;
    }
    rt_puts("UNEXPECTED EXCEPTION in ");
    rt_puts(rt_rom_name);
    rt_puts(": vector ");
    put_dec(kind);
    rt_puts(" ESR=");
    rt_put_hex(esr);
    rt_puts(" ELR=");
    rt_put_hex(elr);
    rt_puts(" FAR=");
    rt_put_hex(far);
    rt_puts("\n");
    rt_exit(99);
}

// The test ROM runtime: semihosting console and exit, checks that name themselves, and a
// one-shot hook for tests that raise exceptions on purpose.
#ifndef RT_H
#define RT_H

#include <stdint.h>

typedef uint64_t u64;
typedef int64_t i64;
typedef uint32_t u32;

void rt_puts(const char *s);
void rt_put_hex(u64 v);
void rt_putc(char c);
_Noreturn void rt_exit(int code);

// Each check gets the next number; a failure prints the ROM, the number and the name,
// then exits with the number (1..98) so the exit code names the failing check.
void rt_check_eq(u64 got, u64 expected, const char *name);
#define CHECK_EQ(got, expected, name) rt_check_eq((u64)(got), (u64)(expected), (name))
#define CHECK(cond, name) rt_check_eq((u64)!!(cond), 1, (name))
extern const char rt_rom_name[];

// Arms the exception hook: the next synchronous exception is recorded instead of being
// fatal, and execution resumes after the faulting instruction (or at the preferred return
// address for SVC/HVC/SMC, which already points past it).
void rt_expect_exception(void);
extern volatile u64 rt_last_esr, rt_last_elr, rt_last_far;
extern volatile int rt_exception_seen;

// One instruction with up to two inputs and one output, e.g. OP2("add %0, %1, %2", a, b).
// The output is early-clobber so sequences may write it before reading the inputs.
#define OP1(insn, a) ({ u64 _r; __asm__ volatile(insn : "=&r"(_r) : "r"((u64)(a)) : "cc", "memory"); _r; })
#define OP2(insn, a, b) \
    ({ u64 _r; __asm__ volatile(insn : "=&r"(_r) : "r"((u64)(a)), "r"((u64)(b)) : "cc", "memory"); _r; })
#define OP3(insn, a, b, c) \
    ({ u64 _r; __asm__ volatile(insn : "=&r"(_r) : "r"((u64)(a)), "r"((u64)(b)), "r"((u64)(c)) : "cc", "memory"); _r; })
// NZCV after an instruction with two inputs (flags in bits 31..28).
#define FLAGS2(insn, a, b) \
    ({ u64 _f; __asm__ volatile(insn "\n\tmrs %0, nzcv" : "=&r"(_f) : "r"((u64)(a)), "r"((u64)(b)) : "cc", "memory"); _f >> 28; })
static inline void set_nzcv(u64 nzcv) { __asm__ volatile("msr nzcv, %0" ::"r"(nzcv << 28) : "cc"); }

#endif

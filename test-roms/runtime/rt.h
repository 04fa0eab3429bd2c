// The test ROM runtime's interface: semihosting console and exit (Arm "Semihosting for
// AArch32 and AArch64" v2.0), numbered self-describing checks, a one-shot hook for tests
// that raise exceptions on purpose, and macros that wrap one instruction under test in
// inline assembly. See test-roms/README.md for the contract with the board.
#ifndef RT_H
#define RT_H

#include <stdint.h>

typedef uint64_t u64;
typedef int64_t i64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

// Console (semihosting SYS_WRITE0 / SYS_WRITEC) and exit (SYS_EXIT_EXTENDED).
void rt_putc(char c);
void rt_puts(const char *s);
void rt_put_hex(u64 v);  // "0x" and 16 digits
void rt_put_dec(u64 v);
_Noreturn void rt_exit(int code);
// Prints "PASS <rom>: N checks" if code is 0 and checks ran, then exits with code.
_Noreturn void rt_finish(int code);
// One semihosting call: operation in w0, parameter in x1, result from x0.
u64 rt_semihost(u64 op, const void *param);

// Checks. Each executed check takes the next number, starting at 1. A failing check prints
//   FAIL <rom>: check #N <name> got 0x... expected 0x...
// and exits with N, so the exit code names the check. Keep a ROM under 98 executed checks:
// 99 is reserved for unexpected exceptions, and numbers past 98 would be reported as 98.
void rt_check_eq(u64 got, u64 expected, const char *name);
#define CHECK_EQ(got, expected, name) rt_check_eq((u64)(got), (u64)(expected), (name))
#define CHECK(cond, name) rt_check_eq((u64) !!(cond), 1, (name))
extern const char rt_rom_name[];

// Exceptions. The vector table sends every exception to rt_exception(). If a hook is
// installed and the exception is synchronous, the hook is removed (one-shot) and called
// with the syndrome registers and the saved x0..x30 (which it may change); execution
// resumes at the address it returns. Anything else is reported as
//   UNEXPECTED EXCEPTION ESR=0x... ELR=0x... FAR=0x... (<rom>, vector N)
// and the ROM exits with 99.
struct rt_frame {
    u64 x[31];
    u64 pad;
};
typedef u64 (*rt_hook_fn)(struct rt_frame *frame, u64 esr, u64 elr, u64 far);
extern rt_hook_fn volatile rt_exception_hook;

// Interrupts taken at the ROM's own EL (IRQ and FIQ vectors 1 and 2) call these handlers
// if set (they stay installed), then resume the interrupted code. Unset, an interrupt is
// an unexpected exception.
extern void (*volatile rt_irq_handler)(void);
extern void (*volatile rt_fiq_handler)(void);

// The common hook: records ESR/ELR/FAR in rt_last_* and sets rt_exception_seen, then resumes
// after the faulting instruction (ELR + 4), or at ELR for exceptions whose preferred return
// address is already the next instruction (SVC, HVC, SMC: EC 0x15..0x17).
void rt_expect_exception(void);
extern volatile u64 rt_last_esr, rt_last_elr, rt_last_far;
extern volatile int rt_exception_seen;

// A hook that records like rt_expect_exception's but resumes at the caller's return
// address (x30): for faults taken on a branch target, where ELR + 4 is not code.
static inline u64 rt_return_to_lr(struct rt_frame *f, u64 esr, u64 elr, u64 far) {
    rt_last_esr = esr;
    rt_last_elr = elr;
    rt_last_far = far;
    rt_exception_seen = 1;
    return f->x[30];
}

// One instruction (or a short sequence) under test, with up to three inputs and one output:
// OP2("add %0, %1, %2", a, b). The output is early-clobber so a sequence may write it before
// reading its inputs. x9..x12 and x30 are free for scratch use inside the sequence.
#define RT_CLOBBERS "cc", "memory", "x9", "x10", "x11", "x12", "x30"
#define OP0(insn) ({ u64 _r; __asm__ volatile(insn : "=&r"(_r) : : RT_CLOBBERS); _r; })
#define OP1(insn, a) ({ u64 _r; __asm__ volatile(insn : "=&r"(_r) : "r"((u64)(a)) : RT_CLOBBERS); _r; })
#define OP2(insn, a, b) \
    ({ u64 _r; __asm__ volatile(insn : "=&r"(_r) : "r"((u64)(a)), "r"((u64)(b)) : RT_CLOBBERS); _r; })
#define OP3(insn, a, b, c)                                                                         \
    ({                                                                                             \
        u64 _r;                                                                                    \
        __asm__ volatile(insn : "=&r"(_r) : "r"((u64)(a)), "r"((u64)(b)), "r"((u64)(c)) : RT_CLOBBERS); \
        _r;                                                                                        \
    })
// The same with NZCV set first to `nzcv` (a 4-bit value, N in bit 3); %3 holds it shifted.
#define OP2F(nzcv, insn, a, b)                                                                       \
    ({                                                                                               \
        u64 _r;                                                                                      \
        __asm__ volatile("msr nzcv, %3\n\t" insn                                                     \
                         : "=&r"(_r) : "r"((u64)(a)), "r"((u64)(b)), "r"((u64)(nzcv) << 28) : RT_CLOBBERS); \
        _r;                                                                                          \
    })
// NZCV (as a 4-bit value, N in bit 3) after the instruction, with NZCV set to `nzcv` first.
#define FLAGS2F(nzcv, insn, a, b)                                                                  \
    ({                                                                                             \
        u64 _f;                                                                                    \
        __asm__ volatile("msr nzcv, %3\n\t" insn "\n\tmrs %0, nzcv"                                \
                         : "=&r"(_f) : "r"((u64)(a)), "r"((u64)(b)), "r"((u64)(nzcv) << 28) : RT_CLOBBERS); \
        _f >> 28;                                                                                  \
    })
// Flags after the instruction, starting from NZCV = 0.
#define FLAGS2(insn, a, b) FLAGS2F(0, insn, a, b)

// NZCV nibbles, for readable expectations.
#define N_ 8
#define Z_ 4
#define C_ 2
#define V_ 1

#endif

/* A difftest runner for a second reference: QEMU's user-mode emulator (qemu-aarch64),
 * with the same I/O as bramble's difftest_runner (README.md, "Runner input" / "Runner
 * output"). Built for aarch64 Linux by qemu_runner.py, which runs it under qemu-aarch64:
 *
 *     difftest.py --groups fp --runner "python3 scripts/difftest/qemu_runner.py"
 *
 * compares Unicorn 2.1.4 (QEMU 5.0's CPU) with the installed QEMU (7.2 on Debian 12), an
 * independent check of the oracle's SIMD&FP results.
 *
 * How a case runs: 0x0..0x10000 is mapped RWX at its own address (qemu-user allows
 * address 0); the code region gets NOPs and the case words at 0x2000, followed by a
 * branch to case_exit. case_enter saves the C context, loads FPCR, FPSR, NZCV, V0..V31,
 * SP and X0..X30 from case_in, runs CLREX and branches to 0x2000; case_exit stores every
 * register into case_out (X0 goes through TPIDR_EL0 first) and returns to C. A signal
 * (an instruction UNDEFINED at EL0, a fault) is caught on an alternate stack and
 * resumes at case_exit with the status exc:sig<N>.
 *
 * Limits: EL0 instead of EL1 (the same for every SIMD&FP instruction; system
 * instructions differ), only straight-line cases (a case with a branch-class word is
 * answered with status `unsupported`: there is no instruction count to stop at), PC
 * reported as 0x2000 + 4 * nwords.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define CODE_END 0x4000u
#define ENTRY 0x2000u
#define DATA 0x8000u
#define DATA_LEN 0x1000u
#define NOP 0xd503201fu

/* Register block: x0..x30 [0..30], sp [31], nzcv [32], fpcr [33], fpsr [34], pad [35],
 * then q0..q31 at byte offset 288. Shared layout of case_in and case_out. */
struct regs {
    uint64_t x[31];
    uint64_t sp, nzcv, fpcr, fpsr, pad;
    unsigned __int128 q[32];
};
_Static_assert(sizeof(struct regs) == 288 + 512, "layout");

struct regs case_in, case_out;
/* C context saved by case_enter: x19..x30, d8..d15, sp, tpidr_el0 */
uint64_t host_save[24];
volatile int case_signal;
volatile uint64_t case_signal_pc, case_signal_addr;

void case_enter(void);
extern char case_exit[];

__asm__(
    ".text\n"
    ".global case_enter\n"
    "case_enter:\n"
    "  adrp x9, host_save\n"
    "  add x9, x9, :lo12:host_save\n"
    "  stp x19, x20, [x9, #0]\n"
    "  stp x21, x22, [x9, #16]\n"
    "  stp x23, x24, [x9, #32]\n"
    "  stp x25, x26, [x9, #48]\n"
    "  stp x27, x28, [x9, #64]\n"
    "  stp x29, x30, [x9, #80]\n"
    "  stp d8, d9, [x9, #96]\n"
    "  stp d10, d11, [x9, #112]\n"
    "  stp d12, d13, [x9, #128]\n"
    "  stp d14, d15, [x9, #144]\n"
    "  mov x10, sp\n"
    "  str x10, [x9, #160]\n"
    "  mrs x10, tpidr_el0\n"
    "  str x10, [x9, #168]\n"
    "  adrp x30, case_in\n"
    "  add x30, x30, :lo12:case_in\n"
    "  ldr x10, [x30, #264]\n"
    "  msr fpcr, x10\n"
    "  ldr x10, [x30, #272]\n"
    "  msr fpsr, x10\n"
    "  ldr x10, [x30, #256]\n"
    "  msr nzcv, x10\n"
    "  add x10, x30, #288\n"
    "  ldp q0, q1, [x10], #32\n"
    "  ldp q2, q3, [x10], #32\n"
    "  ldp q4, q5, [x10], #32\n"
    "  ldp q6, q7, [x10], #32\n"
    "  ldp q8, q9, [x10], #32\n"
    "  ldp q10, q11, [x10], #32\n"
    "  ldp q12, q13, [x10], #32\n"
    "  ldp q14, q15, [x10], #32\n"
    "  ldp q16, q17, [x10], #32\n"
    "  ldp q18, q19, [x10], #32\n"
    "  ldp q20, q21, [x10], #32\n"
    "  ldp q22, q23, [x10], #32\n"
    "  ldp q24, q25, [x10], #32\n"
    "  ldp q26, q27, [x10], #32\n"
    "  ldp q28, q29, [x10], #32\n"
    "  ldp q30, q31, [x10], #32\n"
    "  ldr x10, [x30, #248]\n"
    "  mov sp, x10\n"
    "  ldp x0, x1, [x30, #0]\n"
    "  ldp x2, x3, [x30, #16]\n"
    "  ldp x4, x5, [x30, #32]\n"
    "  ldp x6, x7, [x30, #48]\n"
    "  ldp x8, x9, [x30, #64]\n"
    "  ldp x10, x11, [x30, #80]\n"
    "  ldp x12, x13, [x30, #96]\n"
    "  ldp x14, x15, [x30, #112]\n"
    "  ldp x16, x17, [x30, #128]\n"
    "  ldp x18, x19, [x30, #144]\n"
    "  ldp x20, x21, [x30, #160]\n"
    "  ldp x22, x23, [x30, #176]\n"
    "  ldp x24, x25, [x30, #192]\n"
    "  ldp x26, x27, [x30, #208]\n"
    "  ldp x28, x29, [x30, #224]\n"
    "  ldr x30, [x30, #240]\n"
    "  clrex\n"
    "  b case_code\n"  /* 0x2000: defined on the link line (--defsym), an absolute address */
    "\n"
    ".global case_exit\n"
    "case_exit:\n"
    "  msr tpidr_el0, x0\n"
    "  adrp x0, case_out\n"
    "  add x0, x0, :lo12:case_out\n"
    "  stp x1, x2, [x0, #8]\n"
    "  stp x3, x4, [x0, #24]\n"
    "  stp x5, x6, [x0, #40]\n"
    "  stp x7, x8, [x0, #56]\n"
    "  stp x9, x10, [x0, #72]\n"
    "  stp x11, x12, [x0, #88]\n"
    "  stp x13, x14, [x0, #104]\n"
    "  stp x15, x16, [x0, #120]\n"
    "  stp x17, x18, [x0, #136]\n"
    "  stp x19, x20, [x0, #152]\n"
    "  stp x21, x22, [x0, #168]\n"
    "  stp x23, x24, [x0, #184]\n"
    "  stp x25, x26, [x0, #200]\n"
    "  stp x27, x28, [x0, #216]\n"
    "  stp x29, x30, [x0, #232]\n"
    "  mrs x1, tpidr_el0\n"
    "  str x1, [x0, #0]\n"
    "  mov x1, sp\n"
    "  str x1, [x0, #248]\n"
    "  mrs x1, nzcv\n"
    "  str x1, [x0, #256]\n"
    "  mrs x1, fpcr\n"
    "  str x1, [x0, #264]\n"
    "  mrs x1, fpsr\n"
    "  str x1, [x0, #272]\n"
    "  add x1, x0, #288\n"
    "  stp q0, q1, [x1], #32\n"
    "  stp q2, q3, [x1], #32\n"
    "  stp q4, q5, [x1], #32\n"
    "  stp q6, q7, [x1], #32\n"
    "  stp q8, q9, [x1], #32\n"
    "  stp q10, q11, [x1], #32\n"
    "  stp q12, q13, [x1], #32\n"
    "  stp q14, q15, [x1], #32\n"
    "  stp q16, q17, [x1], #32\n"
    "  stp q18, q19, [x1], #32\n"
    "  stp q20, q21, [x1], #32\n"
    "  stp q22, q23, [x1], #32\n"
    "  stp q24, q25, [x1], #32\n"
    "  stp q26, q27, [x1], #32\n"
    "  stp q28, q29, [x1], #32\n"
    "  stp q30, q31, [x1], #32\n"
    "  adrp x9, host_save\n"
    "  add x9, x9, :lo12:host_save\n"
    "  ldr x10, [x9, #168]\n"
    "  msr tpidr_el0, x10\n"
    "  msr fpcr, xzr\n"
    "  ldr x10, [x9, #160]\n"
    "  mov sp, x10\n"
    "  ldp x19, x20, [x9, #0]\n"
    "  ldp x21, x22, [x9, #16]\n"
    "  ldp x23, x24, [x9, #32]\n"
    "  ldp x25, x26, [x9, #48]\n"
    "  ldp x27, x28, [x9, #64]\n"
    "  ldp x29, x30, [x9, #80]\n"
    "  ldp d8, d9, [x9, #96]\n"
    "  ldp d10, d11, [x9, #112]\n"
    "  ldp d12, d13, [x9, #128]\n"
    "  ldp d14, d15, [x9, #144]\n"
    "  ret\n");

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
    /* Runs with the case's TPIDR_EL0: touches no thread-local state. */
    ucontext_t *uc = ctx;
    case_signal = sig;
    case_signal_pc = uc->uc_mcontext.pc;
    case_signal_addr = (uint64_t)(uintptr_t)si->si_addr;
    uc->uc_mcontext.pc = (uint64_t)(uintptr_t)case_exit;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int hex_u128(const char **p, unsigned __int128 *out)
{
    const char *s = *p;
    unsigned __int128 v = 0;
    int n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    for (;; s++, n++) {
        int c = *s, d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            break;
        v = (v << 4) | (unsigned)d;
    }
    *p = s;
    *out = v;
    return n > 0 && n <= 32;
}

static int hex_u64(const char **p, uint64_t *out)
{
    unsigned __int128 v;
    if (!hex_u128(p, &v) || (v >> 64))
        return 0;
    *out = (uint64_t)v;
    return 1;
}

static void put_u128(char **o, unsigned __int128 v)
{
    char buf[40];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[(unsigned)(v & 15)];
        v >>= 4;
    } while (v);
    *(*o)++ = ' ';
    while (n)
        *(*o)++ = buf[--n];
}

int main(void)
{
    void *m = mmap((void *)0, 0x10000, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != (void *)0) {
        fprintf(stderr, "qemu_runner: cannot map 0x0..0x10000 at address 0\n");
        return 2;
    }
    /* The memory starts at address 0: hide that from the compiler, which would otherwise
     * turn every access through `mem` into a null-pointer trap. */
    uintptr_t base = 0;
    __asm__("" : "+r"(base));
    uint8_t *mem = (uint8_t *)base;
    static char altstack[1 << 16];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    int sigs[] = { SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);

    static char line[1 << 16], out[1 << 16];
    uint8_t init[DATA_LEN];
    unsigned long lineno = 0;
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        const char *p = line;
        while (*p == ' ')
            p++;
        if (*p == '\n' || *p == 0)
            continue;
        const char *id = p;
        while (*p && *p != ' ')
            p++;
        int idlen = (int)(p - id);
        uint64_t n, w = 0, seed;
        int ok = hex_u64(&p, &n) && n <= 16;
        uint32_t words[16];
        int branchy = 0;
        for (uint64_t i = 0; ok && i < n; i++) {
            ok = hex_u64(&p, &w) && w <= 0xffffffffu;
            words[i] = (uint32_t)w;
            /* branches (op0 = x101), but not the system instructions (CLREX) */
            if (((w >> 26) & 7) == 5 && (w >> 22) != 0x354)
                branchy = 1;
        }
        for (int i = 0; ok && i < 31; i++)
            ok = hex_u64(&p, &case_in.x[i]);
        ok = ok && hex_u64(&p, &case_in.sp) && hex_u64(&p, &case_in.nzcv)
             && hex_u64(&p, &case_in.fpcr) && hex_u64(&p, &case_in.fpsr);
        for (int i = 0; ok && i < 32; i++)
            ok = hex_u128(&p, &case_in.q[i]);
        ok = ok && hex_u64(&p, &seed);
        if (!ok) {
            fprintf(stderr, "qemu_runner: line %lu: malformed case line\n", lineno);
            return 2;
        }
        case_in.nzcv <<= 28;

        for (uint32_t a = 0; a < CODE_END; a += 4)
            *(uint32_t *)(mem + a) = NOP;
        for (uint64_t i = 0; i < n; i++)
            *(uint32_t *)(mem + ENTRY + 4 * i) = words[i];
        uint64_t back = ENTRY + 4 * n;
        int64_t off = ((int64_t)(uintptr_t)case_exit - (int64_t)back) >> 2;
        *(uint32_t *)(mem + back) = 0x14000000u | ((uint32_t)off & 0x03ffffffu);
        uint64_t st = seed;
        for (uint32_t i = 0; i < DATA_LEN; i += 8) {
            uint64_t v = splitmix64(&st);
            memcpy(init + i, &v, 8);
        }
        memcpy(mem + DATA, init, DATA_LEN);
        __builtin___clear_cache((char *)mem, (char *)mem + CODE_END);

        const char *status = "ok";
        char sigstatus[32];
        if (branchy) {
            status = "unsupported";
            case_out = case_in;
        } else {
            case_signal = 0;
            case_enter();
            if (case_signal) {
                snprintf(sigstatus, sizeof sigstatus, "exc:sig%d", case_signal);
                if (getenv("QEMU_RUNNER_DEBUG"))
                    fprintf(stderr, "qemu_runner: case %.*s: signal %d at pc %#lx, address %#lx\n",
                            idlen, id, case_signal, (unsigned long)case_signal_pc,
                            (unsigned long)case_signal_addr);
                status = sigstatus;
            }
        }
        char *o = out;
        o += sprintf(o, "%.*s %s", idlen, id, status);
        for (int i = 0; i < 31; i++)
            put_u128(&o, case_out.x[i]);
        put_u128(&o, case_out.sp);
        put_u128(&o, (case_out.nzcv >> 28) & 15);
        put_u128(&o, back);
        put_u128(&o, case_out.fpcr);
        put_u128(&o, case_out.fpsr);
        for (int i = 0; i < 32; i++)
            put_u128(&o, case_out.q[i]);
        *o++ = ' ';
        int any = 0;
        for (uint32_t i = 0; i < DATA_LEN; i++) {
            if (mem[DATA + i] != init[i]) {
                o += sprintf(o, "%s%x=%02x", any ? "," : "", i, mem[DATA + i]);
                any = 1;
            }
        }
        if (!any)
            *o++ = '-';
        *o++ = '\n';
        fwrite(out, 1, (size_t)(o - out), stdout);
    }
    fflush(stdout);
    return 0;
}

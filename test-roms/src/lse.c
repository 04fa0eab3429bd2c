// LSE atomics (FEAT_LSE, Armv8.1), Arm ARM DDI 0487 C6.2 CAS*, CASP*, LD<op>*, ST<op>*, SWP*:
// compare-and-swap in every size with each ordering, CASP on X and W pairs, every load-op and
// SWP in every size and ordering, and the ST<op> aliases (LD<op> with Rt = ZR). Each returns
// the old memory value zero-extended, and changes only the bytes of its access size.
// bramble runs this ROM with --cpu max.
#include "rt.h"

static volatile u64 mem[4] __attribute__((aligned(16)));

// One load-op: memory starts as `init`, the operand register holds `operand` (with bits
// above the access size set, which must be ignored), the destination starts as all ones.
#define LDOP(insn, init, operand, old, after)                                                 \
    do {                                                                                      \
        mem[0] = (init);                                                                      \
        CHECK_EQ(OP2("mov %0, #-1\n\t" insn, p, operand), old, insn " returns old");          \
        CHECK_EQ(mem[0], after, insn " memory");                                              \
    } while (0)

// One compare-and-swap: %0 is Rs (compare value in, old value out), %1 the address, %2 Rt.
#define CASOP(insn, init, cmp, new, old, after)                                                   \
    do {                                                                                          \
        mem[0] = (init);                                                                          \
        u64 _rs = (cmp);                                                                          \
        __asm__ volatile(insn : "+r"(_rs) : "r"(p), "r"((u64)(new)) : "memory");                  \
        CHECK_EQ(_rs, old, insn " returns old");                                                  \
        CHECK_EQ(mem[0], after, insn " memory");                                                  \
    } while (0)

// One store-op alias: only memory changes.
#define STOP(insn, init, operand, after)                                                          \
    do {                                                                                          \
        mem[0] = (init);                                                                          \
        __asm__ volatile(insn : : "r"(p), "r"((u64)(operand)) : "memory");                        \
        CHECK_EQ(mem[0], after, insn);                                                            \
    } while (0)

int main(void) {
    const u64 p = (u64)mem;

    // Compare and swap: the store happens only if the low `size` bits of Rs equal memory.
    CASOP("cas %0, %2, [%1]", 5, 5, 9, 5, 9);
    CASOP("casa %w0, %w2, [%1]", 0x1111111180000000, 0xffffffff80000000, 0xffffffff7fffffff, 0x80000000,
          0x111111117fffffff);
    CASOP("caslh %w0, %w2, [%1]", 0x112233445566beef, 0xbeee, 0x1234, 0xbeef, 0x112233445566beef);
    CASOP("casalb %w0, %w2, [%1]", 0x1122334455667780, 0xffffff80, 0x17f, 0x80, 0x112233445566777f);
    CASOP("casal %0, %2, [%1]", 0x8000000000000000, 0, 1, 0x8000000000000000, 0x8000000000000000);
    CASOP("casab %w0, %w2, [%1]", 0x11223344556677ff, 0xfe, 0, 0xff, 0x11223344556677ff);

    // Compare and swap pair: (Rs, Rs+1) against two adjacent elements.
    mem[2] = 10;
    mem[3] = 20;
    {
        register u64 x4 __asm__("x4") = 10, x5 __asm__("x5") = 20, x6 __asm__("x6") = 30, x7 __asm__("x7") = 40;
        __asm__ volatile("casp x4, x5, x6, x7, [%2]" : "+r"(x4), "+r"(x5) : "r"(p + 16), "r"(x6), "r"(x7) : "memory");
        CHECK_EQ(x4 | x5 << 32, 10 | 20ull << 32, "casp returns the old pair");
        CHECK_EQ(mem[2] | mem[3] << 32, 30 | 40ull << 32, "casp stores the new pair");
    }
    mem[2] = 0x0000000200000001;
    {
        register u64 x4 __asm__("x4") = 1, x5 __asm__("x5") = 3, x6 __asm__("x6") = 7, x7 __asm__("x7") = 8;
        __asm__ volatile("caspal w4, w5, w6, w7, [%2]" : "+r"(x4), "+r"(x5) : "r"(p + 16), "r"(x6), "r"(x7)
                         : "memory");
        CHECK_EQ(x4 | x5 << 32, 0x0000000200000001, "caspal w returns the old pair on mismatch");
        CHECK_EQ(mem[2], 0x0000000200000001, "caspal w mismatch stores nothing");
    }

    // Load-op and swap, every size with the orderings rotated (tools/lse_table.py prints
    // this table from a model of each operation): old value 0xe5.. (negative when signed),
    // operand 0x3c.. (positive), so signed and unsigned min/max disagree and adds carry out
    // of the access without touching the bytes above it.
    LDOP("ldaddb %w2, %w0, [%1]", 0x11223344556677e5, 0xdeadbeefdeadbe3c, 0xe5, 0x1122334455667721);
    LDOP("ldaddah %w2, %w0, [%1]", 0x112233445566e5e5, 0xdeadbeefdead3c3c, 0xe5e5, 0x1122334455662221);
    LDOP("ldaddal %w2, %w0, [%1]", 0x11223344e5e5e5e5, 0xdeadbeef3c3c3c3c, 0xe5e5e5e5, 0x1122334422222221);
    LDOP("ldaddl %2, %0, [%1]", 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c, 0xe5e5e5e5e5e5e5e5, 0x2222222222222221);
    LDOP("ldclrab %w2, %w0, [%1]", 0x11223344556677e5, 0xdeadbeefdeadbe3c, 0xe5, 0x11223344556677c1);
    LDOP("ldclralh %w2, %w0, [%1]", 0x112233445566e5e5, 0xdeadbeefdead3c3c, 0xe5e5, 0x112233445566c1c1);
    LDOP("ldclrl %w2, %w0, [%1]", 0x11223344e5e5e5e5, 0xdeadbeef3c3c3c3c, 0xe5e5e5e5, 0x11223344c1c1c1c1);
    LDOP("ldclr %2, %0, [%1]", 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c, 0xe5e5e5e5e5e5e5e5, 0xc1c1c1c1c1c1c1c1);
    LDOP("ldeoralb %w2, %w0, [%1]", 0x11223344556677e5, 0xdeadbeefdeadbe3c, 0xe5, 0x11223344556677d9);
    LDOP("ldeorlh %w2, %w0, [%1]", 0x112233445566e5e5, 0xdeadbeefdead3c3c, 0xe5e5, 0x112233445566d9d9);
    LDOP("ldeor %w2, %w0, [%1]", 0x11223344e5e5e5e5, 0xdeadbeef3c3c3c3c, 0xe5e5e5e5, 0x11223344d9d9d9d9);
    LDOP("ldeora %2, %0, [%1]", 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c, 0xe5e5e5e5e5e5e5e5, 0xd9d9d9d9d9d9d9d9);
    LDOP("ldsetlb %w2, %w0, [%1]", 0x11223344556677e5, 0xdeadbeefdeadbe3c, 0xe5, 0x11223344556677fd);
    LDOP("ldseth %w2, %w0, [%1]", 0x112233445566e5e5, 0xdeadbeefdead3c3c, 0xe5e5, 0x112233445566fdfd);
    LDOP("ldseta %w2, %w0, [%1]", 0x11223344e5e5e5e5, 0xdeadbeef3c3c3c3c, 0xe5e5e5e5, 0x11223344fdfdfdfd);
    LDOP("ldsetal %2, %0, [%1]", 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c, 0xe5e5e5e5e5e5e5e5, 0xfdfdfdfdfdfdfdfd);
    LDOP("ldsmaxb %w2, %w0, [%1]", 0x11223344556677e5, 0xdeadbeefdeadbe3c, 0xe5, 0x112233445566773c);
    LDOP("ldsmaxah %w2, %w0, [%1]", 0x112233445566e5e5, 0xdeadbeefdead3c3c, 0xe5e5, 0x1122334455663c3c);
    LDOP("ldsmaxal %w2, %w0, [%1]", 0x11223344e5e5e5e5, 0xdeadbeef3c3c3c3c, 0xe5e5e5e5, 0x112233443c3c3c3c);
    LDOP("ldsmaxl %2, %0, [%1]", 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c, 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c);
    LDOP("ldsminab %w2, %w0, [%1]", 0x11223344556677e5, 0xdeadbeefdeadbe3c, 0xe5, 0x11223344556677e5);
    LDOP("ldsminalh %w2, %w0, [%1]", 0x112233445566e5e5, 0xdeadbeefdead3c3c, 0xe5e5, 0x112233445566e5e5);
    LDOP("ldsminl %w2, %w0, [%1]", 0x11223344e5e5e5e5, 0xdeadbeef3c3c3c3c, 0xe5e5e5e5, 0x11223344e5e5e5e5);
    LDOP("ldsmin %2, %0, [%1]", 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c, 0xe5e5e5e5e5e5e5e5, 0xe5e5e5e5e5e5e5e5);
    LDOP("ldumaxalb %w2, %w0, [%1]", 0x11223344556677e5, 0xdeadbeefdeadbe3c, 0xe5, 0x11223344556677e5);
    LDOP("ldumaxlh %w2, %w0, [%1]", 0x112233445566e5e5, 0xdeadbeefdead3c3c, 0xe5e5, 0x112233445566e5e5);
    LDOP("ldumax %w2, %w0, [%1]", 0x11223344e5e5e5e5, 0xdeadbeef3c3c3c3c, 0xe5e5e5e5, 0x11223344e5e5e5e5);
    LDOP("ldumaxa %2, %0, [%1]", 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c, 0xe5e5e5e5e5e5e5e5, 0xe5e5e5e5e5e5e5e5);
    LDOP("lduminlb %w2, %w0, [%1]", 0x11223344556677e5, 0xdeadbeefdeadbe3c, 0xe5, 0x112233445566773c);
    LDOP("lduminh %w2, %w0, [%1]", 0x112233445566e5e5, 0xdeadbeefdead3c3c, 0xe5e5, 0x1122334455663c3c);
    LDOP("ldumina %w2, %w0, [%1]", 0x11223344e5e5e5e5, 0xdeadbeef3c3c3c3c, 0xe5e5e5e5, 0x112233443c3c3c3c);
    LDOP("lduminal %2, %0, [%1]", 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c, 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c);
    LDOP("swpb %w2, %w0, [%1]", 0x11223344556677e5, 0xdeadbeefdeadbe3c, 0xe5, 0x112233445566773c);
    LDOP("swpah %w2, %w0, [%1]", 0x112233445566e5e5, 0xdeadbeefdead3c3c, 0xe5e5, 0x1122334455663c3c);
    LDOP("swpal %w2, %w0, [%1]", 0x11223344e5e5e5e5, 0xdeadbeef3c3c3c3c, 0xe5e5e5e5, 0x112233443c3c3c3c);
    LDOP("swpl %2, %0, [%1]", 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c, 0xe5e5e5e5e5e5e5e5, 0x3c3c3c3c3c3c3c3c);

    // ST<op>: the load-op with the old value discarded.
    STOP("stadd %1, [%0]", 0x7fffffffffffffff, 1, 0x8000000000000000);
    STOP("stclrl %w1, [%0]", 0x11223344ffffffff, 0xffffffff0000ffff, 0x11223344ffff0000);
    STOP("steorb %w1, [%0]", 0x11223344556677ff, 0x1f0, 0x112233445566770f);
    STOP("stsetlh %w1, [%0]", 0x1122334455660000, 0x18001, 0x1122334455668001);
    STOP("stsmaxl %w1, [%0]", 0x11223344fffffffe, 5, 0x1122334400000005);
    STOP("stuminb %w1, [%0]", 0x1122334455667710, 0x10f, 0x112233445566770f);
    return 0;
}

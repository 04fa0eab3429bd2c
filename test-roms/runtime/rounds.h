// Shared by the self-modifying-code ROMs (smc, smc_alias).
#pragma once
#include "rt.h"

// Many rounds make one check: the first round whose result is wrong is kept, and
// check_rounds() reports it (naming the round on the console) or passes.
static int bad;
static u64 bad_round, bad_got, bad_want;

static void expect(u64 round, u64 got, u64 want) {
    if (bad || got == want) return;
    bad = 1;
    bad_round = round;
    bad_got = got;
    bad_want = want;
}

static void check_rounds(const char *name) {
    if (bad) {
        rt_puts("first wrong result in round ");
        rt_put_dec(bad_round);
        rt_puts("\n");
    }
    CHECK_EQ(bad_got, bad_want, name);
    bad = 0;
    bad_got = bad_want = 0;
}

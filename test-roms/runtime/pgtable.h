// VMSAv8-64 descriptor bits (D8.3) shared by the ROMs that build page tables (mmu,
// smc_alias).
#pragma once

#define BLOCK 0x1ull
#define TABLE 0x3ull
#define PAGE 0x3ull
#define AF (1ull << 10)
#define SH_INNER (3ull << 8)
#define RO (1ull << 7)
#define XN (1ull << 54)
#define WINDOW 0x100000000ull  // VA 4 GiB: L1 index 4

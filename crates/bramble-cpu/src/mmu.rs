//! VMSAv8-64 stage 1 translation (Arm ARM D5, pseudocode AArch64.TranslationTableWalk):
//! the EL1&0, EL2 and EL3 regimes with 4K, 16K and 64K granules, every TxSZ and start
//! level, block and page descriptors, hierarchical and leaf permissions, the access flag,
//! ASIDs and global entries, top-byte-ignore; and the software TLB in front of the walker.
//!
//! Model choices: no hardware access-flag or dirty-state update (not advertised); the
//! contiguous hint is accepted and ignored; physical addresses are 44 bits (Cortex-A72
//! PARange = 0100); with the MMU off every access is treated as Normal memory for
//! alignment (DEVIATION: hardware treats data accesses as Device-nGnRnE and faults
//! unaligned ones; code that runs correctly on hardware is unaffected).

use bramble_mem::Bus;

/// The kind of access being translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Exec,
}

/// A translation regime (D5.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    El10 = 1,
    El2 = 2,
    El3 = 3,
}

/// Why a translation failed: the fault status code class and the level it happened at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    AddressSize,
    Translation,
    AccessFlag,
    Permission,
    /// Synchronous external abort on a table walk.
    WalkAbort,
}

/// A stage 1 fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub level: u8,
}

impl Fault {
    /// The fault status code (DFSC/IFSC, and PAR_EL1.FST).
    pub fn fsc(&self) -> u64 {
        let base = match self.kind {
            FaultKind::AddressSize => 0x00,
            FaultKind::Translation => 0x04,
            FaultKind::AccessFlag => 0x08,
            FaultKind::Permission => 0x0c,
            FaultKind::WalkAbort => 0x14,
        };
        base | (self.level as u64 & 3)
    }
}

/// Permission bits of a TLB entry.
pub(crate) mod perm {
    pub const R0: u8 = 1 << 0;
    pub const W0: u8 = 1 << 1;
    pub const X0: u8 = 1 << 2;
    pub const R1: u8 = 1 << 3;
    pub const W1: u8 = 1 << 4;
    pub const X1: u8 = 1 << 5;
}

/// A successful walk: the output page and what it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// Physical address of the 4 KiB page holding the input address.
    pub pa_page: u64,
    pub perms: u8,
    /// MAIR attribute byte of the mapping.
    pub attr: u8,
    pub sh: u8,
    pub global: bool,
    /// log2 of the block or page size the descriptor mapped.
    pub block_shift: u8,
}

impl Translation {
    pub fn device(&self) -> bool {
        self.attr & 0xf0 == 0
    }
}

/// The translation registers of one regime, as the walker needs them.
#[derive(Clone, Copy, Debug)]
pub struct WalkRegs {
    pub regime: Regime,
    pub tcr: u64,
    pub ttbr0: u64,
    pub ttbr1: u64,
    pub mair: u64,
    pub sctlr: u64,
}

const PA_BITS: u32 = 44;
const PA_MASK: u64 = (1 << PA_BITS) - 1;

/// Granule parameters: (log2 of the granule, bits resolved per level).
fn granule(tg: u64, ttbr1: bool) -> (u32, u32) {
    // TG0: 00 4K, 01 64K, 10 16K; TG1: 01 16K, 10 4K, 11 64K. Reserved values act as 4K
    // (UNPREDICTABLE: choose a supported size).
    let size = if ttbr1 {
        match tg {
            1 => 14,
            3 => 16,
            _ => 12,
        }
    } else {
        match tg {
            1 => 16,
            2 => 14,
            _ => 12,
        }
    };
    (size, size - 3)
}

/// Walks the tables for `va`. `read_desc` reads 8 bytes of physical memory.
pub fn walk(
    regs: &WalkRegs,
    va: u64,
    data: bool,
    mut read_desc: impl FnMut(u64) -> Option<u64>,
) -> Result<Translation, Fault> {
    let tcr = regs.tcr;
    let el10 = regs.regime == Regime::El10;
    let upper = el10 && (va >> 55) & 1 == 1;
    let (tsz, tg, epd, tbi, ttbr) = if !el10 {
        (tcr & 0x3f, (tcr >> 14) & 3, false, (tcr >> 20) & 1 == 1, regs.ttbr0)
    } else if upper {
        ((tcr >> 16) & 0x3f, (tcr >> 30) & 3, (tcr >> 23) & 1 == 1, (tcr >> 38) & 1 == 1, regs.ttbr1)
    } else {
        (tcr & 0x3f, (tcr >> 14) & 3, (tcr >> 7) & 1 == 1, (tcr >> 37) & 1 == 1, regs.ttbr0)
    };
    let (grain, stride) = granule(tg, upper);
    // UNPREDICTABLE TxSZ outside 16..=39: clamp to the supported range.
    let inputsize = 64 - (tsz as u32).clamp(16, 39);
    let fault0 = Fault { kind: FaultKind::Translation, level: 0 };
    // The bits above the input size must all equal the half's select bit; with TBI the top
    // byte is ignored for data accesses (instruction fetches always check it).
    let top_bits_end = if tbi && data { 56 } else { 64 };
    let expect = if upper { u64::MAX } else { 0 };
    let span = top_bits_end - inputsize;
    let top = (va >> inputsize) & ((1u64 << span) - 1);
    if top != expect & ((1u64 << span) - 1) || epd {
        return Err(fault0);
    }
    let start_level = 4 - (inputsize - grain).div_ceil(stride);
    let mut level = start_level;
    let mut table = ttbr & PA_MASK & !((1u64 << (inputsize - grain - (3 - start_level) * stride + 3).max(6)) - 1);
    let (mut ap_table, mut xn_table, mut pxn_table) = (0u64, false, false);
    loop {
        let shift = grain + (3 - level) * stride;
        let bits = if level == start_level { inputsize - shift } else { stride };
        let index = (va >> shift) & ((1 << bits) - 1);
        let desc = read_desc(table + index * 8).ok_or(Fault { kind: FaultKind::WalkAbort, level: level as u8 })?;
        let fault = |kind| Fault { kind, level: level as u8 };
        if desc & 1 == 0 {
            return Err(fault(FaultKind::Translation));
        }
        let is_table = desc & 2 != 0;
        if level < 3 && is_table {
            let next = desc & PA_MASK & !((1u64 << grain) - 1);
            if desc & !PA_MASK & 0x0000_ffff_ffff_f000 != 0 {
                return Err(fault(FaultKind::AddressSize));
            }
            ap_table |= (desc >> 61) & 3;
            xn_table |= (desc >> 60) & 1 == 1;
            pxn_table |= (desc >> 59) & 1 == 1;
            table = next;
            level += 1;
            continue;
        }
        // Blocks exist at level 1 (4K granule) and level 2; a level 3 entry must be a page.
        let block_ok = match level {
            3 => is_table,
            2 => !is_table,
            1 => !is_table && grain == 12,
            _ => false,
        };
        if !block_ok {
            return Err(fault(FaultKind::Translation));
        }
        let oa_mask = 0x0000_ffff_ffff_ffff & !((1u64 << shift) - 1);
        let oa = desc & oa_mask;
        if oa > PA_MASK {
            return Err(fault(FaultKind::AddressSize));
        }
        if desc & (1 << 10) == 0 {
            return Err(fault(FaultKind::AccessFlag));
        }
        let attr_index = (desc >> 2) & 7;
        let attr = (regs.mair >> (8 * attr_index)) as u8;
        let ap = (desc >> 6) & 3;
        let pxn = (desc >> 53) & 1 == 1 || pxn_table;
        let uxn = (desc >> 54) & 1 == 1 || xn_table;
        let perms = if el10 {
            let el0_access = ap & 1 == 1 && ap_table & 1 == 0;
            let read_only = ap & 2 != 0 || ap_table & 2 != 0;
            let wxn = regs.sctlr & (1 << 19) != 0;
            let mut p = perm::R1;
            if !read_only {
                p |= perm::W1;
            }
            if el0_access {
                p |= perm::R0;
                if !read_only {
                    p |= perm::W0;
                }
            }
            // Memory writable at EL0 is never privileged-executable (D5.4.4); with WXN no
            // writable memory is executable.
            let el0_writable = el0_access && !read_only;
            let wxn_blocks = wxn && !read_only;
            if !(pxn || el0_writable || wxn_blocks) {
                p |= perm::X1;
            }
            if el0_access && !(uxn || wxn_blocks) {
                p |= perm::X0;
            }
            p
        } else {
            // EL2/EL3: AP[2] alone, XN at bit 54, no EL0.
            let read_only = ap & 2 != 0 || ap_table & 2 != 0;
            let wxn = regs.sctlr & (1 << 19) != 0;
            let mut p = perm::R1;
            if !read_only {
                p |= perm::W1;
            }
            let wxn_blocks = wxn && !read_only;
            if !(uxn || wxn_blocks) {
                p |= perm::X1;
            }
            p
        };
        let pa_page = (oa | (va & ((1u64 << shift) - 1))) & !0xfff;
        return Ok(Translation {
            pa_page,
            perms,
            attr,
            sh: ((desc >> 8) & 3) as u8,
            global: el10 && desc & (1 << 11) == 0,
            block_shift: shift as u8,
        });
    }
}

/// Checks `t` allows `access` at `el` (unprivileged accesses pass el = 0).
pub fn permitted(t: &Translation, access: Access, el: u8) -> bool {
    let need = match (access, el) {
        (Access::Read, 0) => perm::R0,
        (Access::Write, 0) => perm::W0,
        (Access::Exec, 0) => perm::X0,
        (Access::Read, _) => perm::R1,
        (Access::Write, _) => perm::W1,
        (Access::Exec, _) => perm::X1,
    };
    t.perms & need != 0
}

const TLB_ENTRIES: usize = 1024;

#[derive(Clone, Copy, Debug, Default)]
struct TlbEntry {
    /// va >> 12 with bit 63 set when valid.
    tag: u64,
    regime: u8,
    asid: u16,
    t: Option<Translation>,
}

const VALID: u64 = 1 << 63;

/// The software TLB: direct-mapped, one entry per 4 KiB page of a translation, tagged by
/// regime and ASID (global entries match every ASID).
#[derive(Debug)]
pub struct Tlb {
    entries: Box<[TlbEntry]>,
    /// Whether any cached entry came from a block larger than 4 KiB: only then must TLBI
    /// by address scan for other pages of the same block.
    has_blocks: bool,
}

impl Default for Tlb {
    fn default() -> Self {
        Self { entries: vec![TlbEntry::default(); TLB_ENTRIES].into_boxed_slice(), has_blocks: false }
    }
}

impl Tlb {
    #[inline(always)]
    fn index(vpn: u64) -> usize {
        ((vpn ^ (vpn >> 10)) as usize) & (TLB_ENTRIES - 1)
    }

    /// The cached translation of `va` in `regime` for `asid`.
    #[inline(always)]
    pub fn lookup(&self, regime: Regime, asid: u16, va: u64) -> Option<Translation> {
        let vpn = (va >> 12) & 0x000f_ffff_ffff_ffff;
        let e = &self.entries[Self::index(vpn)];
        match e.t {
            Some(t) if e.tag == vpn | VALID && e.regime == regime as u8 && (t.global || e.asid == asid) => Some(t),
            _ => None,
        }
    }

    pub fn insert(&mut self, regime: Regime, asid: u16, va: u64, t: Translation) {
        let vpn = (va >> 12) & 0x000f_ffff_ffff_ffff;
        self.has_blocks |= t.block_shift > 12;
        self.entries[Self::index(vpn)] = TlbEntry { tag: vpn | VALID, regime: regime as u8, asid, t: Some(t) };
    }

    fn retain(&mut self, mut drop: impl FnMut(&TlbEntry, &Translation) -> bool) {
        for e in self.entries.iter_mut() {
            if let Some(t) = e.t {
                if drop(e, &t) {
                    *e = TlbEntry::default();
                }
            }
        }
    }

    /// Invalidates everything (TLBI ALLEx, and after translation-control changes).
    pub fn flush_all(&mut self) {
        self.entries.fill(TlbEntry::default());
        self.has_blocks = false;
    }

    /// Invalidates one regime.
    pub fn flush_regime(&mut self, regime: Regime) {
        self.retain(|e, _| e.regime == regime as u8);
    }

    /// TLBI ASIDE1: non-global EL1&0 entries of one ASID.
    pub fn flush_asid(&mut self, asid: u16) {
        self.retain(|e, t| e.regime == Regime::El10 as u8 && !t.global && e.asid == asid);
    }

    /// TLBI VA*: entries translating `va` (for `asid`, or any ASID when None; global
    /// entries always match).
    pub fn flush_va(&mut self, regime: Regime, va: u64, asid: Option<u16>) {
        let vpn = (va >> 12) & 0x000f_ffff_ffff_ffff;
        let matches = |e: &TlbEntry, t: &Translation| {
            let shift = t.block_shift.saturating_sub(12);
            e.regime == regime as u8
                && (e.tag & !VALID) >> shift == vpn >> shift
                && (t.global || asid.is_none_or(|a| a == e.asid))
        };
        if self.has_blocks {
            self.retain(matches);
        } else {
            let e = &mut self.entries[Self::index(vpn)];
            if let Some(t) = e.t {
                if matches(e, &t) {
                    *e = TlbEntry::default();
                }
            }
        }
    }
}

/// Small direct-mapped translation caches for reads, writes and fetches (64 pages each,
/// indexed by the low bits of the page number) in front of the TLB. Only Normal-memory
/// pages permitted at the current EL are cached here, so a hit needs no further checks;
/// every TLB invalidation, EL or translation-control change and ASID switch clears them.
/// (A single entry each missed on most calls and returns in the Linux boot.)
#[derive(Clone, Debug)]
pub(crate) struct MicroTlb {
    pub(crate) read: [(u64, u64); MICRO_ENTRIES],
    pub(crate) write: [(u64, u64); MICRO_ENTRIES],
    pub(crate) fetch: [(u64, u64); MICRO_ENTRIES],
}

pub(crate) const MICRO_ENTRIES: usize = 256;
const NO_PAGE: u64 = u64::MAX;

impl Default for MicroTlb {
    fn default() -> Self {
        let empty = [(NO_PAGE, 0); MICRO_ENTRIES];
        Self { read: empty, write: empty, fetch: empty }
    }
}

impl MicroTlb {
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    #[inline(always)]
    fn hit(table: &[(u64, u64); MICRO_ENTRIES], va: u64, size: u8) -> Option<u64> {
        let vpn = va >> 12;
        let (tag, pa) = table[vpn as usize & (MICRO_ENTRIES - 1)];
        let off = va & 0xfff;
        (vpn == tag && off + size as u64 <= 0x1000).then_some(pa | off)
    }

    #[inline(always)]
    pub fn read(&self, va: u64, size: u8) -> Option<u64> {
        Self::hit(&self.read, va, size)
    }

    #[inline(always)]
    pub fn write(&self, va: u64, size: u8) -> Option<u64> {
        Self::hit(&self.write, va, size)
    }

    #[inline(always)]
    pub fn fetch(&self, va: u64) -> Option<u64> {
        Self::hit(&self.fetch, va, 4)
    }

    pub fn fill(&mut self, access: Access, va: u64, pa_page: u64) {
        let vpn = va >> 12;
        let table = match access {
            Access::Read => &mut self.read,
            Access::Write => &mut self.write,
            Access::Exec => &mut self.fetch,
        };
        table[vpn as usize & (MICRO_ENTRIES - 1)] = (vpn, pa_page);
    }
}

/// Reads a descriptor from physical RAM (walks never go to devices).
pub fn read_desc(bus: &Bus, pa: u64) -> Option<u64> {
    bus.ram.read(pa, 8)
}

#[cfg(test)]
#[allow(clippy::identity_op)] // `8 * 1` spells out table index 1
mod tests {
    use super::*;

    /// Page tables in a byte buffer at physical 0.
    struct Mem(Vec<u8>);
    impl Mem {
        fn new() -> Self {
            Self(vec![0; 1 << 20])
        }
        fn set(&mut self, pa: u64, v: u64) {
            self.0[pa as usize..pa as usize + 8].copy_from_slice(&v.to_le_bytes());
        }
        fn get(&self, pa: u64) -> Option<u64> {
            let b = self.0.get(pa as usize..pa as usize + 8)?;
            Some(u64::from_le_bytes(b.try_into().ok()?))
        }
    }

    const TABLE: u64 = 0b11;
    const PAGE: u64 = 0b11;
    const BLOCK: u64 = 0b01;
    const AF: u64 = 1 << 10;

    fn regs(tcr: u64) -> WalkRegs {
        // MAIR: attr 0 Device-nGnRnE, attr 1 Normal WB.
        WalkRegs { regime: Regime::El10, tcr, ttbr0: 0x1000, ttbr1: 0x8000, mair: 0xff00, sctlr: 0 }
    }

    #[test]
    fn four_k_granule_48_bit_walk_to_a_page() {
        // T0SZ = 16: start at level 0.
        let mut m = Mem::new();
        m.set(0x1000, 0x2000 | TABLE);
        m.set(0x2000, 0x3000 | TABLE);
        m.set(0x3000 + 8 * 1, 0x4000 | TABLE); // va bits [29:21] = 1
        m.set(0x4000 + 8 * 2, 0x12_3456_7000 | PAGE | AF | (1 << 2) | (1 << 6)); // EL0 RW, attr 1
        let va = (1 << 21) | (2 << 12) | 0x345;
        let t = walk(&regs(16), va, true, |pa| m.get(pa)).unwrap();
        assert_eq!(t.pa_page, 0x12_3456_7000);
        assert!(!t.device());
        assert!(permitted(&t, Access::Write, 0));
        assert!(!permitted(&t, Access::Exec, 1), "EL0-writable is never privileged-executable");
        assert!(t.global);
    }

    #[test]
    fn level_one_block_with_39_bit_va_and_faults_per_level() {
        // T0SZ = 25: 39-bit VA starts at level 1.
        let mut m = Mem::new();
        m.set(0x1000 + 8 * 2, 0x8000_0000 | BLOCK | AF | (2 << 6)); // 1 GiB block, read-only EL1
        let t = walk(&regs(25), (2 << 30) | 0x1234_5678, true, |pa| m.get(pa)).unwrap();
        assert_eq!(t.pa_page, 0x8000_0000 + 0x1234_5000);
        assert_eq!(t.block_shift, 30);
        assert!(t.device(), "attr index 0 is Device");
        assert!(!permitted(&t, Access::Write, 1));
        assert!(!permitted(&t, Access::Read, 0));
        let f = walk(&regs(25), 3 << 30, true, |pa| m.get(pa)).unwrap_err();
        assert_eq!((f.kind, f.level), (FaultKind::Translation, 1));
        m.set(0x1000 + 8 * 3, 0x4000_0000 | BLOCK);
        let f = walk(&regs(25), 3 << 30, true, |pa| m.get(pa)).unwrap_err();
        assert_eq!(f.fsc(), 0x09, "access flag fault, level 1");
        // Address out of the 39-bit range.
        assert_eq!(walk(&regs(25), 1 << 40, true, |pa| m.get(pa)).unwrap_err().fsc(), 0x04);
    }

    #[test]
    fn ttbr1_upper_half_and_tbi() {
        let mut m = Mem::new();
        // T1SZ = 25 (bits 21:16), TG1 = 4K (10), TBI0 set; T0SZ = 25.
        let tcr = 25 | (25 << 16) | (2 << 30) | (1 << 37);
        m.set(0x8000 + 8 * 511, 0x4000_0000 | BLOCK | AF);
        let t = walk(&regs(tcr), 0xffff_ffff_c000_1000, true, |pa| m.get(pa)).unwrap();
        assert_eq!(t.pa_page, 0x4000_1000);
        m.set(0x1000, BLOCK | AF | (1 << 54));
        // A tagged pointer in the lower half: TBI0 ignores the top byte for data only.
        assert!(walk(&regs(tcr), 0x5a00_0000_0000_1000, true, |pa| m.get(pa)).is_ok());
        assert!(walk(&regs(tcr), 0x5a00_0000_0000_1000, false, |pa| m.get(pa)).is_err());
    }

    #[test]
    fn sixteen_and_sixty_four_k_granules() {
        let mut m = Mem::new();
        // Translation tables are aligned to their size: 16 KiB / 64 KiB here.
        let at = |tcr| WalkRegs { ttbr0: 0x1_0000, ..regs(tcr) };
        // 16K granule (TG0 = 10), T0SZ = 28 (36-bit VA): starts at level 2 with 32 MiB blocks.
        m.set(0x1_0000 + 8 * 3, 0x600_0000 | BLOCK | AF);
        let t = walk(&at(28 | (2 << 14)), (3 << 25) | 0x4000, true, |pa| m.get(pa)).unwrap();
        assert_eq!((t.pa_page, t.block_shift), (0x600_4000, 25));
        // 64K granule (TG0 = 01), T0SZ = 22 (42-bit VA): level 2 table, level 3 page.
        m.set(0x1_0000 + 8 * 1, 0x2_0000 | TABLE);
        m.set(0x2_0000 + 8 * 5, 0x30_0000 | PAGE | AF);
        let va = (1 << 29) | (5 << 16) | 0x1234;
        let t = walk(&at(22 | (1 << 14)), va, true, |pa| m.get(pa)).unwrap();
        assert_eq!((t.pa_page, t.block_shift), (0x30_1000, 16));
    }

    #[test]
    fn table_permissions_and_xn() {
        let mut m = Mem::new();
        m.set(0x1000, 0x2000 | TABLE | (1 << 61) | (1 << 60)); // APTable[0]: no EL0; XNTable
        m.set(0x2000, 0x40_0000 | BLOCK | AF | (1 << 6)); // AP = 01 (EL0 RW) at level 2
        let t = walk(&regs(25), 0x1000, true, |pa| m.get(pa)).unwrap();
        assert!(!permitted(&t, Access::Read, 0), "APTable removes EL0 access");
        assert!(permitted(&t, Access::Write, 1));
        assert!(!permitted(&t, Access::Exec, 0));
        let f = walk(&regs(25), 0x1000, true, |_| None).unwrap_err();
        assert_eq!(f.fsc(), 0x15, "external abort on the level 1 walk");
    }

    #[test]
    fn tlb_tags_by_asid_and_invalidates_blocks_by_address() {
        let mut tlb = Tlb::default();
        let page = Translation { pa_page: 0x5000, perms: perm::R1, attr: 0xff, sh: 3, global: false, block_shift: 12 };
        tlb.insert(Regime::El10, 7, 0x40_0000, page);
        assert!(tlb.lookup(Regime::El10, 7, 0x40_0abc).is_some());
        assert!(tlb.lookup(Regime::El10, 8, 0x40_0abc).is_none(), "other ASID");
        assert!(tlb.lookup(Regime::El2, 7, 0x40_0abc).is_none(), "other regime");
        tlb.flush_va(Regime::El10, 0x40_1000, Some(7));
        assert!(tlb.lookup(Regime::El10, 7, 0x40_0000).is_some(), "a different page stays");
        tlb.flush_asid(7);
        assert!(tlb.lookup(Regime::El10, 7, 0x40_0000).is_none());
        let block = Translation { global: true, block_shift: 21, ..page };
        tlb.insert(Regime::El10, 1, 0x20_3000, block);
        assert!(tlb.lookup(Regime::El10, 99, 0x20_3000).is_some(), "global matches any ASID");
        tlb.flush_va(Regime::El10, 0x20_0000, Some(5));
        assert!(tlb.lookup(Regime::El10, 1, 0x20_3000).is_none(), "TLBI of the block's first page drops the rest");
    }
}

//! The CPU side of translation: which regime and registers apply, the TLB-fronted access
//! path, AT into PAR_EL1, and TLB maintenance. The walker itself is in `mmu.rs`.

use bramble_mem::Bus;

use crate::cpu::Cpu;
use crate::exception::Exception;
use crate::mmu::{self, perm, permitted, Access, Fault, Regime, Translation, WalkRegs};

impl Cpu {
    /// The translation regime of the current EL (no EL2 host/VHE regime yet).
    #[inline(always)]
    pub(crate) fn regime(&self) -> Regime {
        match self.el {
            0 | 1 => Regime::El10,
            2 => Regime::El2,
            _ => Regime::El3,
        }
    }

    /// Recomputes `translate_on` after an EL or SCTLR change.
    pub(crate) fn update_translation(&mut self) {
        self.translate_on = self.sys.sctlr[self.regime() as usize] & 1 != 0;
        self.utlb.clear();
    }

    fn walk_regs(&self, regime: Regime) -> WalkRegs {
        let i = regime as usize;
        let s = &self.sys;
        WalkRegs {
            regime,
            tcr: s.tcr[i],
            ttbr0: s.ttbr0[i],
            ttbr1: if regime == Regime::El10 { s.ttbr1_el1 } else { 0 },
            mair: s.mair[i],
            sctlr: s.sctlr[i],
        }
    }

    /// The current ASID: TTBR0_EL1's or, with TCR_EL1.A1, TTBR1_EL1's; 8 bits unless
    /// TCR_EL1.AS selects 16.
    #[inline(always)]
    fn asid(&self, regime: Regime) -> u16 {
        if regime != Regime::El10 {
            return 0;
        }
        let tcr = self.sys.tcr[1];
        let ttbr = if tcr & (1 << 22) != 0 { self.sys.ttbr1_el1 } else { self.sys.ttbr0[1] };
        let asid = (ttbr >> 48) as u16;
        if tcr & (1 << 36) != 0 {
            asid
        } else {
            asid & 0xff
        }
    }

    /// Translates through the TLB, walking on a miss.
    #[inline(always)]
    fn lookup(&mut self, bus: &Bus, regime: Regime, va: u64, data: bool) -> Result<Translation, Fault> {
        let asid = self.asid(regime);
        self.stats.tlb_lookups += 1;
        if let Some(t) = self.tlb.lookup(regime, asid, va) {
            return Ok(t);
        }
        self.walk_and_fill(bus, regime, asid, va, data)
    }

    #[cold]
    fn walk_and_fill(
        &mut self,
        bus: &Bus,
        regime: Regime,
        asid: u16,
        va: u64,
        data: bool,
    ) -> Result<Translation, Fault> {
        self.stats.tlb_walks += 1;
        let regs = self.walk_regs(regime);
        let mut levels = 0;
        let t = mmu::walk(&regs, va, data, |pa| {
            levels += 1;
            mmu::read_desc(bus, pa)
        });
        self.cycles += levels * crate::timing::TLB_WALK_LEVEL;
        let t = t?;
        self.tlb.insert(regime, asid, va, t);
        Ok(t)
    }

    /// The physical address of a data access, or the abort it raises.
    #[inline(always)]
    pub(crate) fn translate_data(&mut self, bus: &Bus, va: u64, size: u8, access: Access) -> Result<u64, Exception> {
        let write = access == Access::Write;
        let regime = self.regime();
        let t =
            self.lookup(bus, regime, va, true).map_err(|f| Exception::DataAbort { va, write, fsc: f.fsc() as u8 })?;
        let el = if self.unprivileged && self.el == 1 { 0 } else { self.el };
        // PAN: privileged data accesses to memory EL0 can reach fault (LDTR/STTR are
        // unprivileged and exempt).
        let pan_blocks = self.pan && el == 1 && regime == Regime::El10 && t.perms & (perm::R0 | perm::W0) != 0;
        if !permitted(&t, access, el) || pan_blocks {
            return Err(Exception::DataAbort { va, write, fsc: permission_fsc(&t) });
        }
        if t.device() {
            if va & (size as u64 - 1) != 0 {
                return Err(Exception::Alignment { va, write });
            }
        } else if !self.unprivileged {
            self.utlb.fill(access, va, t.pa_page);
        }
        Ok(t.pa_page | (va & 0xfff))
    }

    /// The physical address of an instruction fetch.
    #[inline(always)]
    pub(crate) fn translate_fetch(&mut self, bus: &Bus, pc: u64) -> Result<u64, Exception> {
        if let Some(pa) = self.utlb.fetch(pc) {
            return Ok(pa);
        }
        self.translate_fetch_slow(bus, pc)
    }

    #[cold]
    fn translate_fetch_slow(&mut self, bus: &Bus, pc: u64) -> Result<u64, Exception> {
        let regime = self.regime();
        let t = self
            .lookup(bus, regime, pc, false)
            .map_err(|f| Exception::InstructionAbort { va: pc, fsc: f.fsc() as u8 })?;
        if !permitted(&t, Access::Exec, self.el) {
            return Err(Exception::InstructionAbort { va: pc, fsc: permission_fsc(&t) });
        }
        self.utlb.fill(Access::Exec, pc, t.pa_page);
        Ok(t.pa_page | (pc & 0xfff))
    }

    /// The physical address `va` maps to in the current regime, without permission checks
    /// or faults (for IC IVAU, which names code by any alias).
    pub(crate) fn translate_quietly(&mut self, bus: &Bus, va: u64) -> Option<u64> {
        if !self.translate_on {
            return Some(va);
        }
        let regime = self.regime();
        self.lookup(bus, regime, va, true).ok().map(|t| t.pa_page | (va & 0xfff))
    }

    /// AT S1E{0,1,2,3}{R,W}: translates without the TLB and reports in PAR_EL1 (D17.2.113).
    pub(crate) fn address_translate(&mut self, bus: &Bus, op1: u8, op2: u8, va: u64) {
        let (regime, el) = match (op1, op2) {
            (0, 0 | 1) => (Regime::El10, 1),
            (0, _) => (Regime::El10, 0),
            (4, _) => (Regime::El2, 2),
            _ => (Regime::El3, 3),
        };
        let access = if op2 & 1 == 1 { Access::Write } else { Access::Read };
        let regs = self.walk_regs(regime);
        let enabled = regs.sctlr & 1 != 0;
        let result = if enabled {
            mmu::walk(&regs, va, true, |pa| mmu::read_desc(bus, pa)).and_then(|t| {
                if permitted(&t, access, el) {
                    Ok(t)
                } else {
                    Err(Fault { kind: mmu::FaultKind::Permission, level: 3 })
                }
            })
        } else {
            // Translation off: a flat mapping of Device-nGnRnE memory.
            Ok(Translation { pa_page: va & !0xfff, perms: 0x3f, attr: 0, sh: 2, global: true, block_shift: 12 })
        };
        self.sys.par_el1 = match result {
            Ok(t) => ((t.attr as u64) << 56) | (t.pa_page & 0x0000_ffff_ffff_f000) | ((t.sh as u64) << 7),
            Err(f) => (f.fsc() << 1) | 1,
        };
    }

    /// TLBI: the operation's (op1, CRm, op2) and its Xt argument (VA[55:12] in bits 43:0,
    /// ASID in bits 63:48). The Inner Shareable forms (CRm 3) also go to every other
    /// core, through the board.
    pub(crate) fn tlb_maintenance(&mut self, op1: u8, crm: u8, op2: u8, xt: u64) -> bool {
        self.utlb.clear();
        if !matches!(crm, 3 | 7) {
            // IPAS2E1* (CRm 0/4) invalidate stage 2 entries, which bramble does not cache.
            return op1 == 4 && matches!(crm, 0 | 4) && matches!(op2, 1 | 5);
        }
        let va = sign_extend_va(xt << 12);
        let asid = (xt >> 48) as u16;
        let asid = if self.sys.tcr[1] & (1 << 36) != 0 { asid } else { asid & 0xff };
        let op = match (op1, op2) {
            (0, 0) => TlbOp::Regime(Regime::El10),                      // VMALLE1
            (0, 1) | (0, 5) => TlbOp::Va(Regime::El10, va, Some(asid)), // VAE1, VALE1
            (0, 2) => TlbOp::Asid(asid),                                // ASIDE1
            (0, 3) | (0, 7) => TlbOp::Va(Regime::El10, va, None),       // VAAE1, VAALE1
            (4, 0) => TlbOp::Regime(Regime::El2),                       // ALLE2
            (4, 1) | (4, 5) => TlbOp::Va(Regime::El2, va, None),        // VAE2, VALE2
            (4, 4) | (4, 6) => TlbOp::Regime(Regime::El10),             // ALLE1, VMALLS12E1
            (6, 0) => TlbOp::Regime(Regime::El3),                       // ALLE3
            (6, 1) | (6, 5) => TlbOp::Va(Regime::El3, va, None),        // VAE3, VALE3
            _ => return false,
        };
        self.apply_tlb_op(op);
        if crm == 3 {
            self.broadcast(crate::cpu::Broadcast::Tlbi(op));
        }
        true
    }

    /// Performs a TLB invalidation on this core's TLBs.
    pub(crate) fn apply_tlb_op(&mut self, op: TlbOp) {
        self.utlb.clear();
        match op {
            TlbOp::Regime(r) => self.tlb.flush_regime(r),
            TlbOp::Va(r, va, asid) => self.tlb.flush_va(r, va, asid),
            TlbOp::Asid(asid) => self.tlb.flush_asid(asid),
        }
    }
}

/// One TLB invalidation, with its operands already decoded by the core that issued it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlbOp {
    /// Every entry of a translation regime.
    Regime(Regime),
    /// The entries for one VA (of one ASID, or all).
    Va(Regime, u64, Option<u16>),
    /// The non-global EL1&0 entries of one ASID.
    Asid(u16),
}

/// A permission fault at the level the descriptor was found (from its block size).
fn permission_fsc(t: &Translation) -> u8 {
    let level = match t.block_shift {
        30 | 29 => 1,
        21 | 25 => 2,
        _ => 3,
    };
    0x0c | level
}

/// TLBI carries VA[55:12]: extend bit 55 so upper-half addresses match.
fn sign_extend_va(v: u64) -> u64 {
    let v = v & 0x00ff_ffff_ffff_f000;
    if v & (1 << 55) != 0 {
        v | 0xff00_0000_0000_0000
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use bramble_mem::Bus;

    use crate::exec::testutil::run_with;
    use crate::Cpu;

    const L1: u64 = 0x1_0000;
    const L2: u64 = 0x1_1000;
    const L3: u64 = 0x1_2000;
    /// Valid page descriptor, AF, attr index 0 (Normal), EL1 read/write.
    const PAGE: u64 = 0b11 | (1 << 10);
    const RO: u64 = 1 << 7;
    const NG: u64 = 1 << 11;

    /// Identity-maps the first MiB with 4K pages and turns the EL1&0 MMU on (39-bit VA,
    /// start level 1). Extra L3 entries (page index, descriptor) are applied on top.
    fn mmu_on(cpu: &mut Cpu, bus: &mut Bus, extra: &[(u64, u64)]) {
        bus.ram.write(L1, 8, L2 | 0b11);
        bus.ram.write(L2, 8, L3 | 0b11);
        for page in 0..256u64 {
            bus.ram.write(L3 + 8 * page, 8, (page << 12) | PAGE);
        }
        for &(page, desc) in extra {
            bus.ram.write(L3 + 8 * page, 8, desc);
        }
        cpu.sys.vbar[1] = 0x8_0000; // outside the code: an exception ends the test run
        cpu.sys.tcr[1] = 25;
        cpu.sys.ttbr0[1] = L1;
        cpu.sys.mair[1] = 0xff;
        cpu.sys.sctlr[1] |= 1;
        cpu.update_translation();
    }

    #[test]
    fn loads_go_through_the_tables() {
        // VA page 0x50 maps to PA page 0x60.
        let (cpu, _) = run_with(
            &[0xf9400020], // ldr x0, [x1]
            &[(1, 0x50_008)],
            |cpu, bus| {
                bus.ram.write(0x60_008, 8, 0x1122_3344);
                mmu_on(cpu, bus, &[(0x50, 0x60_000 | PAGE)]);
            },
        );
        assert_eq!(cpu.xreg(0), 0x1122_3344);
    }

    #[test]
    fn translation_and_permission_faults_report_syndromes() {
        let (cpu, _) = run_with(&[0xf9000020], &[(1, 0x70_010)], |cpu, bus| mmu_on(cpu, bus, &[(0x70, 0)]));
        assert_eq!(cpu.sys.esr[1], (0x25 << 26) | (1 << 25) | (1 << 6) | 0x07, "level 3 translation fault, WnR");
        assert_eq!(cpu.sys.far[1], 0x70_010);
        let (cpu, _) =
            run_with(&[0xf9000020], &[(1, 0x70_010)], |cpu, bus| mmu_on(cpu, bus, &[(0x70, 0x70_000 | PAGE | RO)]));
        assert_eq!(cpu.sys.esr[1] & 0x7f, (1 << 6) | 0x0f, "level 3 permission fault on a write");
        let (cpu, _) = run_with(&[0xf9400020], &[(1, 0x70_010)], |cpu, bus| {
            mmu_on(cpu, bus, &[(0x70, 0x70_000 | 0b11)]); // AF clear
        });
        assert_eq!(cpu.sys.esr[1] & 0x3f, 0x0b, "level 3 access flag fault");
    }

    #[test]
    fn stale_entry_is_used_until_the_matching_tlbi() {
        let code = [
            0xf9400020, // ldr x0, [x1]        fills the TLB: VA 0x50 -> PA 0x60
            0xf9000443, // str x3, [x2, #8]    rewrite the PTE: VA 0x50 -> PA 0x61 (no TLBI)
            0xf9400024, // ldr x4, [x1]        still the old page
            0xd508873f, // tlbi vae1, xzr      a different page: no effect on 0x50
            0xf9400025, // ldr x5, [x1]        still old
            0xd5088725, // tlbi vae1, x5... (Xt = x5 is replaced below)
            0xf9400026, // ldr x6, [x1]        the new page
        ];
        let mut code = code;
        code[5] = 0xd5088727; // tlbi vae1, x7
        let (cpu, _) =
            run_with(&code, &[(1, 0x50_000), (2, L3 + 8 * 0x50 - 8), (3, 0x61_000 | PAGE), (7, 0x50)], |cpu, bus| {
                bus.ram.write(0x60_000, 8, 0x60);
                bus.ram.write(0x61_000, 8, 0x61);
                mmu_on(cpu, bus, &[(0x50, 0x60_000 | PAGE)]);
            });
        assert_eq!([cpu.xreg(0), cpu.xreg(4), cpu.xreg(5), cpu.xreg(6)], [0x60, 0x60, 0x60, 0x61]);
    }

    #[test]
    fn asids_keep_non_global_mappings_apart() {
        // Same VA, ASID 1 -> PA 0x60 (nG); then TTBR0 with ASID 2 and a different table.
        let code = [
            0xf9400020, // ldr x0, [x1]           ASID 1
            0xd5182002, // msr ttbr0_el1, x2      ASID 2 (a second L1 at 0x13000)
            0xf9400024, // ldr x4, [x1]           ASID 2: walks the second tables
            0xd5182003, // msr ttbr0_el1, x3      back to ASID 1, no TLBI
            0xf9400025, // ldr x5, [x1]           ASID 1 entry still cached and used
        ];
        let (cpu, _) = run_with(&code, &[(1, 0x50_000), (2, (2 << 48) | 0x1_3000), (3, (1 << 48) | L1)], |cpu, bus| {
            bus.ram.write(0x60_000, 8, 0x60);
            bus.ram.write(0x61_000, 8, 0x61);
            mmu_on(cpu, bus, &[(0x50, 0x60_000 | PAGE | NG)]);
            // Second tables: identity except VA 0x50 -> PA 0x61.
            bus.ram.write(0x1_3000, 8, 0x1_4000 | 0b11);
            bus.ram.write(0x1_4000, 8, 0x1_5000 | 0b11);
            for page in 0..256u64 {
                bus.ram.write(0x1_5000 + 8 * page, 8, (page << 12) | PAGE);
            }
            bus.ram.write(0x1_5000 + 8 * 0x50, 8, 0x61_000 | PAGE | NG);
            cpu.sys.ttbr0[1] = (1 << 48) | L1;
        });
        assert_eq!([cpu.xreg(0), cpu.xreg(4), cpu.xreg(5)], [0x60, 0x61, 0x60]);
    }

    #[test]
    fn pan_blocks_privileged_access_to_user_memory_but_not_ldtr() {
        const USER: u64 = 1 << 6; // AP = 01: EL0 read/write
        let code = [
            0xd500419f, // msr pan, #1
            0xb8400822, // ldtr w2, [x1]         unprivileged: allowed
            0xf9400020, // ldr x0, [x1]          privileged: permission fault
        ];
        let (cpu, _) = run_with(&code, &[(1, 0x50_000)], |cpu, bus| {
            bus.ram.write(0x50_000, 8, 0x77);
            mmu_on(cpu, bus, &[(0x50, 0x50_000 | PAGE | USER)]);
        });
        assert_eq!(cpu.xreg(2), 0x77);
        assert_eq!(cpu.sys.esr[1] & 0x3f, 0x0f, "permission fault under PAN");
        assert_eq!(cpu.sys.spsr[1] & (1 << 22), 1 << 22, "SPSR records PAN");
    }

    #[test]
    fn at_reports_into_par() {
        let code = [
            0xd5087800, // at s1e1r, x0
            0xd5387401, // mrs x1, par_el1
            0xd5087802, // at s1e1r, x2
            0xd5387403, // mrs x3, par_el1
        ];
        let (cpu, _) = run_with(&code, &[(0, 0x50_123), (2, 0x70_000)], |cpu, bus| {
            mmu_on(cpu, bus, &[(0x50, 0x60_000 | PAGE), (0x70, 0)]);
        });
        assert_eq!(cpu.xreg(1) & 0x0000_ffff_ffff_f001, 0x60_000, "PA, F = 0");
        assert_eq!(cpu.xreg(1) >> 56, 0xff, "MAIR attribute");
        assert_eq!(cpu.xreg(3) & 0x7f, (0x07 << 1) | 1, "F = 1, FST = level 3 translation fault");
    }
}

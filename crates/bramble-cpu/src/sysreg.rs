//! System registers: one table keyed by (op0, op1, CRn, CRm, op2) with the lowest EL that
//! may access each register and its reset value (Arm ARM D17, Cortex-A72 TRM 4.3 for the
//! IMPLEMENTATION DEFINED values). The system-architecture issue grows this table.

use bramble_decode::sysreg_key;

use crate::cpu::{Cpu, ExecResult, Stop, Trap};
use crate::exception::Exception;
use crate::timer::{TimerReg, CNTFRQ_HZ, EL1_PHYS, EL1_VIRT, EL2_PHYS, SECURE_PHYS};

/// Banked and control system register storage.
#[derive(Clone, Debug)]
pub struct SysRegs {
    /// ELR_EL1..ELR_EL3 (index 0 unused), likewise the other per-EL arrays.
    pub elr: [u64; 4],
    pub spsr: [u64; 4],
    pub esr: [u64; 4],
    pub far: [u64; 4],
    pub vbar: [u64; 4],
    pub sctlr: [u64; 4],
    /// TPIDR_EL0..TPIDR_EL3.
    pub tpidr: [u64; 4],
    pub tpidrro_el0: u64,
    pub cpacr_el1: u64,
    pub hcr_el2: u64,
    pub scr_el3: u64,
    pub cptr_el2: u64,
    pub cptr_el3: u64,
    pub par_el1: u64,
    /// TTBR0/TCR/MAIR/AMAIR of EL1 (index 1), EL2 and EL3; index 0 unused.
    pub ttbr0: [u64; 4],
    pub ttbr1_el1: u64,
    pub tcr: [u64; 4],
    pub mair: [u64; 4],
    pub amair: [u64; 4],
    pub contextidr_el1: u64,
    pub csselr_el1: u64,
    /// OSLSR_EL1.OSLK: the OS lock, set at reset (cold reset value 1).
    pub os_lock: bool,
    pub(crate) plain: [u64; PLAIN_SLOTS],
    pub fpcr: u64,
    pub fpsr: u64,
    /// MPIDR_EL1: which core this is.
    pub mpidr: u64,
}

/// Cortex-A72 r0p3 MIDR_EL1 (TRM 4.3.1), as on the Raspberry Pi 4.
pub const MIDR_CORTEX_A72: u64 = 0x410f_d083;
/// MPIDR_EL1 of core 0: bit 31 RES1, U = 0 (part of a multiprocessor), MT = 0, the core
/// number in Aff0 (BCM2711: cpu@0..cpu@3 have reg 0..3).
pub const MPIDR_CORE0: u64 = 0x8000_0000;
/// CTR_EL0: 64-byte lines (IminLine/DminLine = 4), ERG/CWG = 4, PIPT I-cache (TRM 4.3.3).
const CTR_EL0: u64 = 0x8444_c004;
/// DCZID_EL0: DC ZVA enabled, 64-byte blocks (BS = 4 words log2).
const DCZID_EL0: u64 = 4;
/// Bytes DC ZVA zeroes, from DCZID_EL0.BS.
pub(crate) const DC_ZVA_BYTES: u64 = 4 << DCZID_EL0;
/// FPCR bits that exist without AArch32 and FEAT_FP16: AHP, DN, FZ and RMode. The trap
/// enables read as zero (no FP exception trapping), as do FZ16, Len and Stride.
pub(crate) const FPCR_MASK: u64 = 0x07c0_0000;
/// FPSR bits that exist without AArch32: QC and the cumulative flags IDC, IXC, UFC, OFC,
/// DZC, IOC.
pub(crate) const FPSR_MASK: u64 = 0x0800_009f;
/// CPTR_EL2 (non-VHE) RES1 bits: 13, 12 and 9:0.
const CPTR_EL2_RES1: u64 = 0x33ff;
/// CPTR_EL2/EL3.TFP: trap SIMD&FP accesses.
pub(crate) const CPTR_TFP: u64 = 1 << 10;
/// SCTLR_ELx reset value on the Cortex-A72: RES1 bits, SA/SA0 set, MMU and caches off.
const SCTLR_RESET: u64 = 0x00c5_0838;

impl SysRegs {
    /// Reset values for a CPU starting at `_el`.
    pub fn reset(_el: u8) -> Self {
        Self {
            elr: [0; 4],
            spsr: [0; 4],
            esr: [0; 4],
            far: [0; 4],
            vbar: [0; 4],
            sctlr: [0, SCTLR_RESET, SCTLR_RESET, SCTLR_RESET],
            tpidr: [0; 4],
            tpidrro_el0: 0,
            cpacr_el1: 0,
            hcr_el2: 0,
            scr_el3: 0,
            cptr_el2: CPTR_EL2_RES1,
            cptr_el3: 0,
            par_el1: 0,
            ttbr0: [0; 4],
            ttbr1_el1: 0,
            tcr: [0; 4],
            mair: [0; 4],
            amair: [0; 4],
            contextidr_el1: 0,
            csselr_el1: 0,
            os_lock: true,
            plain: [0; PLAIN_SLOTS],
            fpcr: 0,
            fpsr: 0,
            mpidr: MPIDR_CORE0,
        }
    }
}

/// Every register bramble implements so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reg {
    Nzcv,
    Daif,
    Pan,
    CurrentEl,
    SpSel,
    SpEl(usize),
    Elr(usize),
    Spsr(usize),
    Esr(usize),
    Far(usize),
    Vbar(usize),
    Sctlr(usize),
    Tpidr(usize),
    TpidrroEl0,
    CpacrEl1,
    HcrEl2,
    ScrEl3,
    CptrEl2,
    CptrEl3,
    ParEl1,
    Ttbr0(usize),
    Ttbr1El1,
    Tcr(usize),
    Mair(usize),
    Amair(usize),
    ContextidrEl1,
    Fpcr,
    Fpsr,
    /// Read-only constant (ID registers and friends).
    Const(u64),
    /// Plain storage without side effects: [`PLAIN`].
    Plain(usize),
    /// CCSIDR_EL1 of the cache CSSELR_EL1 selects.
    Ccsidr,
    Csselr,
    /// OS lock: OSLAR_EL1 writes OSLSR_EL1.OSLK.
    Oslar,
    Oslsr,
    Timer(TimerReg),
}

const fn k(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u16 {
    sysreg_key(op0, op1, crn, crm, op2)
}

/// Registers kept as plain storage: they exist so software can program them, and have no
/// effect in bramble's model (debug breakpoints and watchpoints are never armed, there is
/// no external debugger, and IMPLEMENTATION DEFINED controls do nothing).
const PLAIN: &[(u16, u8, &str)] = &[
    (k(2, 0, 0, 2, 2), 1, "MDSCR_EL1"),
    (k(2, 0, 0, 2, 0), 1, "MDCCINT_EL1"),
    (k(2, 0, 1, 3, 4), 1, "OSDLR_EL1"),
    (k(2, 0, 1, 4, 4), 1, "DBGPRCR_EL1"),
    (k(2, 0, 7, 8, 6), 1, "DBGCLAIMSET_EL1"),
    (k(2, 0, 7, 9, 6), 1, "DBGCLAIMCLR_EL1"),
    (k(3, 0, 1, 0, 1), 1, "ACTLR_EL1"),
    (k(3, 4, 1, 0, 1), 2, "ACTLR_EL2"),
    (k(3, 6, 1, 0, 1), 3, "ACTLR_EL3"),
    (k(3, 0, 5, 1, 0), 1, "AFSR0_EL1"),
    (k(3, 0, 5, 1, 1), 1, "AFSR1_EL1"),
    (k(3, 4, 5, 1, 0), 2, "AFSR0_EL2"),
    (k(3, 4, 5, 1, 1), 2, "AFSR1_EL2"),
    (k(3, 6, 5, 1, 0), 3, "AFSR0_EL3"),
    (k(3, 6, 5, 1, 1), 3, "AFSR1_EL3"),
    (k(3, 4, 1, 1, 1), 2, "MDCR_EL2"),
    (k(3, 4, 1, 1, 3), 2, "HSTR_EL2"),
    (k(3, 4, 1, 1, 7), 2, "HACR_EL2"),
    (k(3, 4, 2, 1, 0), 2, "VTTBR_EL2"),
    (k(3, 4, 2, 1, 2), 2, "VTCR_EL2"),
    (k(3, 4, 0, 0, 0), 2, "VPIDR_EL2"),
    (k(3, 4, 0, 0, 5), 2, "VMPIDR_EL2"),
    (k(3, 4, 6, 0, 4), 2, "HPFAR_EL2"),
    (k(3, 6, 1, 3, 1), 3, "MDCR_EL3"),
    (k(3, 6, 1, 1, 1), 3, "SDER32_EL3"),
];

/// Debug breakpoint and watchpoint registers (DBGBVR/BCR n = 0..5, DBGWVR/WCR n = 0..3),
/// also plain storage, after the PLAIN entries.
fn debug_pair_index(key: u16) -> Option<usize> {
    let kk = key as u32;
    let (op0, op1, crn, crm, op2) = (kk >> 14, (kk >> 11) & 7, (kk >> 7) & 15, (kk >> 3) & 15, kk & 7);
    if (op0, op1, crn) != (2, 0, 0) {
        return None;
    }
    match op2 {
        4 | 5 if crm < 6 => Some((op2 as usize - 4) * 6 + crm as usize),
        6 | 7 if crm < 4 => Some(12 + (op2 as usize - 6) * 4 + crm as usize),
        _ => None,
    }
}

/// Number of plain storage slots.
pub(crate) const PLAIN_SLOTS: usize = 64;

fn plain_index(key: u16) -> Option<usize> {
    PLAIN.iter().position(|&(kk, _, _)| kk == key).or_else(|| debug_pair_index(key).map(|i| PLAIN.len() + i))
}

fn plain_min_el(key: u16) -> u8 {
    PLAIN.iter().find(|&&(kk, _, _)| kk == key).map_or(1, |&(_, el, _)| el)
}

/// Looks a register up: (register, lowest EL allowed, writable).
fn lookup(key: u16, cpu: &Cpu) -> Option<(Reg, u8, bool)> {
    use Reg::*;
    let lse = if cpu.features.lse { 2u64 << 20 } else { 0 };
    let crc = if cpu.features.crc32 { 1u64 << 16 } else { 0 };
    let crypto = if cpu.features.crypto { (2 << 4) | (1 << 8) | (1 << 12) } else { 0 };
    let lrcpc = if cpu.features.lrcpc { 1u64 << 20 } else { 0 };
    Some(match key {
        x if x == k(3, 3, 4, 2, 0) => (Nzcv, 0, true),
        x if x == k(3, 3, 4, 2, 1) => (Daif, 0, true),
        x if x == k(3, 0, 4, 2, 3) && cpu.features.pan => (Pan, 1, true),
        // ID_AA64MMFR1_EL1: PAN when the model has it; no VHE, HAFDBS, LOR.
        x if x == k(3, 0, 0, 7, 1) => (Const(if cpu.features.pan { 1 << 20 } else { 0 }), 1, false),
        x if x == k(3, 0, 4, 2, 2) => (CurrentEl, 1, false),
        x if x == k(3, 0, 4, 2, 0) => (SpSel, 1, true),
        x if x == k(3, 0, 4, 1, 0) => (SpEl(0), 1, true),
        x if x == k(3, 4, 4, 1, 0) => (SpEl(1), 2, true),
        x if x == k(3, 6, 4, 1, 0) => (SpEl(2), 3, true),
        x if x == k(3, 0, 4, 0, 1) => (Elr(1), 1, true),
        x if x == k(3, 4, 4, 0, 1) => (Elr(2), 2, true),
        x if x == k(3, 6, 4, 0, 1) => (Elr(3), 3, true),
        x if x == k(3, 0, 4, 0, 0) => (Spsr(1), 1, true),
        x if x == k(3, 4, 4, 0, 0) => (Spsr(2), 2, true),
        x if x == k(3, 6, 4, 0, 0) => (Spsr(3), 3, true),
        x if x == k(3, 0, 5, 2, 0) => (Esr(1), 1, true),
        x if x == k(3, 4, 5, 2, 0) => (Esr(2), 2, true),
        x if x == k(3, 6, 5, 2, 0) => (Esr(3), 3, true),
        x if x == k(3, 0, 6, 0, 0) => (Far(1), 1, true),
        x if x == k(3, 4, 6, 0, 0) => (Far(2), 2, true),
        x if x == k(3, 6, 6, 0, 0) => (Far(3), 3, true),
        x if x == k(3, 0, 12, 0, 0) => (Vbar(1), 1, true),
        x if x == k(3, 4, 12, 0, 0) => (Vbar(2), 2, true),
        x if x == k(3, 6, 12, 0, 0) => (Vbar(3), 3, true),
        x if x == k(3, 0, 1, 0, 0) => (Sctlr(1), 1, true),
        x if x == k(3, 4, 1, 0, 0) => (Sctlr(2), 2, true),
        x if x == k(3, 6, 1, 0, 0) => (Sctlr(3), 3, true),
        x if x == k(3, 3, 13, 0, 2) => (Tpidr(0), 0, true),
        x if x == k(3, 0, 13, 0, 4) => (Tpidr(1), 1, true),
        x if x == k(3, 4, 13, 0, 2) => (Tpidr(2), 2, true),
        x if x == k(3, 6, 13, 0, 2) => (Tpidr(3), 3, true),
        x if x == k(3, 3, 13, 0, 3) => (TpidrroEl0, 0, cpu.el >= 1),
        x if x == k(3, 0, 1, 0, 2) => (CpacrEl1, 1, true),
        x if x == k(3, 4, 1, 1, 0) => (HcrEl2, 2, true),
        x if x == k(3, 6, 1, 1, 0) => (ScrEl3, 3, true),
        x if x == k(3, 4, 1, 1, 2) => (CptrEl2, 2, true),
        x if x == k(3, 6, 1, 1, 2) => (CptrEl3, 3, true),
        x if x == k(3, 0, 7, 4, 0) => (ParEl1, 1, true),
        x if x == k(3, 0, 2, 0, 0) => (Ttbr0(1), 1, true),
        x if x == k(3, 4, 2, 0, 0) => (Ttbr0(2), 2, true),
        x if x == k(3, 6, 2, 0, 0) => (Ttbr0(3), 3, true),
        x if x == k(3, 0, 2, 0, 1) => (Ttbr1El1, 1, true),
        x if x == k(3, 0, 2, 0, 2) => (Tcr(1), 1, true),
        x if x == k(3, 4, 2, 0, 2) => (Tcr(2), 2, true),
        x if x == k(3, 6, 2, 0, 2) => (Tcr(3), 3, true),
        x if x == k(3, 0, 10, 2, 0) => (Mair(1), 1, true),
        x if x == k(3, 4, 10, 2, 0) => (Mair(2), 2, true),
        x if x == k(3, 6, 10, 2, 0) => (Mair(3), 3, true),
        x if x == k(3, 0, 10, 3, 0) => (Amair(1), 1, true),
        x if x == k(3, 4, 10, 3, 0) => (Amair(2), 2, true),
        x if x == k(3, 6, 10, 3, 0) => (Amair(3), 3, true),
        x if x == k(3, 0, 13, 0, 1) => (ContextidrEl1, 1, true),
        x if x == k(3, 3, 4, 4, 0) => (Fpcr, 0, true),
        x if x == k(3, 3, 4, 4, 1) => (Fpsr, 0, true),
        x if x == k(3, 0, 0, 0, 0) => (Const(MIDR_CORTEX_A72), 1, false),
        x if x == k(3, 0, 0, 0, 5) => (Const(cpu.sys.mpidr), 1, false),
        x if x == k(3, 0, 0, 0, 6) => (Const(0), 1, false), // REVIDR_EL1
        x if x == k(3, 3, 0, 0, 1) => (Const(CTR_EL0), 0, false),
        // DZP (bit 4) reports DC ZVA prohibited: at EL0 when SCTLR_EL1.DZE is clear.
        x if x == k(3, 3, 0, 0, 7) => {
            let dzp = cpu.el == 0 && cpu.sys.sctlr[1] & (1 << 14) == 0;
            (Const(DCZID_EL0 | (dzp as u64) << 4), 0, false)
        }
        // CNTFRQ_EL0 holds what firmware wrote on hardware; bramble's counter frequency is
        // fixed, so it reads as that and ignores writes (IMPDEF: writes accepted at EL1+).
        x if x == k(3, 3, 14, 0, 0) => (Const(CNTFRQ_HZ), 0, cpu.el >= 1),
        x if x == k(3, 3, 14, 0, 1) => (Timer(TimerReg::Pct), 0, false),
        x if x == k(3, 3, 14, 0, 2) => (Timer(TimerReg::Vct), 0, false),
        x if x == k(3, 3, 14, 2, 0) => (Timer(TimerReg::Tval(EL1_PHYS)), 0, true),
        x if x == k(3, 3, 14, 2, 1) => (Timer(TimerReg::Ctl(EL1_PHYS)), 0, true),
        x if x == k(3, 3, 14, 2, 2) => (Timer(TimerReg::Cval(EL1_PHYS)), 0, true),
        x if x == k(3, 3, 14, 3, 0) => (Timer(TimerReg::Tval(EL1_VIRT)), 0, true),
        x if x == k(3, 3, 14, 3, 1) => (Timer(TimerReg::Ctl(EL1_VIRT)), 0, true),
        x if x == k(3, 3, 14, 3, 2) => (Timer(TimerReg::Cval(EL1_VIRT)), 0, true),
        x if x == k(3, 0, 14, 1, 0) => (Timer(TimerReg::Kctl), 1, true),
        x if x == k(3, 4, 14, 0, 3) => (Timer(TimerReg::Voff), 2, true),
        x if x == k(3, 4, 14, 1, 0) => (Timer(TimerReg::Hctl), 2, true),
        x if x == k(3, 4, 14, 2, 0) => (Timer(TimerReg::Tval(EL2_PHYS)), 2, true),
        x if x == k(3, 4, 14, 2, 1) => (Timer(TimerReg::Ctl(EL2_PHYS)), 2, true),
        x if x == k(3, 4, 14, 2, 2) => (Timer(TimerReg::Cval(EL2_PHYS)), 2, true),
        // CNTPS_*_EL1: the secure physical timer, reachable from EL3 here (no Secure EL1).
        x if x == k(3, 7, 14, 2, 0) => (Timer(TimerReg::Tval(SECURE_PHYS)), 3, true),
        x if x == k(3, 7, 14, 2, 1) => (Timer(TimerReg::Ctl(SECURE_PHYS)), 3, true),
        x if x == k(3, 7, 14, 2, 2) => (Timer(TimerReg::Cval(SECURE_PHYS)), 3, true),
        // ID_AA64PFR0_EL1: EL0-EL3 AArch64 only; FP and AdvSIMD implemented (0), without
        // half-precision arithmetic (FEAT_FP16 would be 1).
        x if x == k(3, 0, 0, 4, 0) => (Const(0x0000_1111), 1, false),
        // ID_AA64ISAR0_EL1: AES with PMULL, SHA1, SHA256, CRC32, atomics as the model says.
        x if x == k(3, 0, 0, 6, 0) => (Const(crc | lse | crypto), 1, false),
        // ID_AA64ISAR1_EL1: LRCPC.
        x if x == k(3, 0, 0, 6, 1) => (Const(lrcpc), 1, false),
        // ID_AA64MMFR0_EL1: 44-bit PA, 16-bit ASID, SNSMem, 4K and 64K granules as the
        // A72 reports (16K is implemented but not advertised, as on the A72). BigEnd = 0,
        // unlike the A72's 1: bramble has no big-endian data accesses.
        x if x == k(3, 0, 0, 7, 0) => (Const(0x0000_0000_0000_1024), 1, false),
        // ID_AA64DFR0_EL1: the A72's 0x10305106 less the PMU (PMUVer = 0): DebugVer 8.0,
        // 6 breakpoints, 4 watchpoints, 2 context comparators (registers as storage only).
        x if x == k(3, 0, 0, 5, 0) => (Const(0x1030_5006), 1, false),
        // CLIDR_EL1: L1 I+D, unified L2; LoUIS 1, LoC 2, LoUU 1 (A72 TRM 4.3.23).
        x if x == k(3, 1, 0, 0, 1) => (Const(0x0a20_0023), 1, false),
        x if x == k(3, 1, 0, 0, 0) => (Ccsidr, 1, false),
        x if x == k(3, 2, 0, 0, 0) => (Csselr, 1, true),
        x if x == k(2, 0, 1, 1, 4) => (Oslsr, 1, false),
        x if x == k(2, 0, 1, 0, 4) => (Oslar, 1, true),
        x if x == k(2, 0, 1, 0, 0) => (Const(0), 1, false), // MDRAR_EL1: no memory-mapped debug
        x if x == k(2, 0, 7, 14, 6) => (Const(0), 1, false), // DBGAUTHSTATUS_EL1
        x if x == k(2, 3, 0, 1, 0) => (Const(0), 0, false), // MDCCSR_EL0
        x if plain_index(x).is_some() => (Plain(plain_index(x).unwrap_or(0)), plain_min_el(x), true),
        // The rest of the ID space (op0=3, op1=0, CRn=0, CRm=1..7) reads as zero.
        x if (x & 0xff80) == k(3, 0, 0, 0, 0) && (x >> 3) & 0xf != 0 => (Const(0), 1, false),
        _ => return None,
    })
}

/// Whether SCTLR_EL1 lets EL0 at a register it controls: UCT (bit 15) for CTR_EL0, UMA
/// (bit 9) for DAIF.
fn el0_sctlr_allowed(reg: Reg, sctlr_el1: u64) -> bool {
    match reg {
        Reg::Const(CTR_EL0) => sctlr_el1 & (1 << 15) != 0,
        Reg::Daif => sctlr_el1 & (1 << 9) != 0,
        _ => true,
    }
}

/// Whether CNTKCTL_EL1 lets EL0 at a timer register (D11.2.1): EL0PCTEN (bit 0) for the
/// physical count, EL0VCTEN (1) for the virtual count, EL0VTEN (8) and EL0PTEN (9) for the
/// virtual and physical timers. CNTFRQ is readable if either count is.
fn el0_timer_allowed(reg: Reg, cntkctl: u64) -> bool {
    let bit = |b: u32| cntkctl & (1 << b) != 0;
    match reg {
        Reg::Const(CNTFRQ_HZ) => bit(0) || bit(1),
        Reg::Timer(TimerReg::Pct) => bit(0),
        Reg::Timer(TimerReg::Vct) => bit(1),
        Reg::Timer(TimerReg::Ctl(i) | TimerReg::Cval(i) | TimerReg::Tval(i)) => bit(if i == EL1_VIRT { 8 } else { 9 }),
        _ => true,
    }
}

impl Cpu {
    fn sysreg_access(&mut self, key: u16, write: bool, rt: u32) -> Result<Reg, Exception> {
        match lookup(key, self) {
            Some((reg, min_el, writable)) if self.el >= min_el && (writable || !write) => {
                if matches!(reg, Reg::Fpcr | Reg::Fpsr) {
                    self.check_fp_enabled()?;
                }
                if self.el == 0
                    && !(el0_timer_allowed(reg, self.timer.cntkctl_el1) && el0_sctlr_allowed(reg, self.sys.sctlr[1]))
                {
                    return Err(Exception::SysRegTrap { iss: sysreg_iss(key, rt, !write) });
                }
                Ok(reg)
            }
            Some(_) => Err(Exception::Undefined),
            None => {
                let word = 0xd510_0000 | ((write as u32 ^ 1) << 21) | ((key as u32) << 5);
                self.log_unimp(word, "system register ", &describe(key));
                Err(Exception::Undefined)
            }
        }
    }

    /// MRS Xt, <reg>.
    pub(crate) fn mrs(&mut self, key: u16, rt: u32) -> Result<u64, Exception> {
        use Reg::*;
        let reg = self.sysreg_access(key, false, rt)?;
        if let Timer(r @ (TimerReg::Pct | TimerReg::Vct)) = reg {
            let at = self.counter_cycles();
            return Ok(self.timer.read(r, at));
        }
        let s = &self.sys;
        Ok(match reg {
            Nzcv => self.nzcv as u64,
            Daif => self.daif as u64,
            Pan => (self.pan as u64) << 22,
            CurrentEl => (self.el as u64) << 2,
            SpSel => self.spsel as u64,
            SpEl(i) => self.sp[i],
            Elr(i) => s.elr[i],
            Spsr(i) => s.spsr[i],
            Esr(i) => s.esr[i],
            Far(i) => s.far[i],
            Vbar(i) => s.vbar[i],
            Sctlr(i) => s.sctlr[i],
            Tpidr(i) => s.tpidr[i],
            TpidrroEl0 => s.tpidrro_el0,
            CpacrEl1 => s.cpacr_el1,
            HcrEl2 => s.hcr_el2,
            ScrEl3 => s.scr_el3,
            CptrEl2 => s.cptr_el2,
            CptrEl3 => s.cptr_el3,
            ParEl1 => s.par_el1,
            Ttbr0(i) => s.ttbr0[i],
            Ttbr1El1 => s.ttbr1_el1,
            Tcr(i) => s.tcr[i],
            Mair(i) => s.mair[i],
            Amair(i) => s.amair[i],
            ContextidrEl1 => s.contextidr_el1,
            Plain(i) => s.plain[i],
            Ccsidr => ccsidr(s.csselr_el1),
            Csselr => s.csselr_el1,
            Oslsr => 0b1000 | ((s.os_lock as u64) << 1),
            Oslar => 0,
            Fpcr => s.fpcr,
            Fpsr => s.fpsr,
            Const(v) => v,
            Timer(r) => self.timer.read(r, self.cycles()),
        })
    }

    /// MSR <reg>, Xt.
    pub(crate) fn msr(&mut self, key: u16, v: u64, rt: u32) -> ExecResult {
        use Reg::*;
        let reg = self.sysreg_access(key, true, rt)?;
        if let Timer(r) = reg {
            let cycles = self.cycles();
            self.timer.write(r, v, cycles);
            // Deadlines and output levels changed: the board re-evaluates them.
            return Err(Trap::Stop(Stop::TimerChanged));
        }
        // Routing and masks change which interrupts are deliverable.
        if matches!(reg, Daif | ScrEl3 | HcrEl2) {
            self.request_attention();
        }
        // The TLB caches what SCTLR/TCR/MAIR imply (enables, granules, attributes): forget
        // that regime's entries. TTBR changes need no flush: entries are ASID-tagged and
        // software must TLBI when it reuses an ASID.
        let translation_control = match reg {
            Sctlr(i) | Tcr(i) | Mair(i) => Some(i),
            _ => None,
        };
        let s = &mut self.sys;
        match reg {
            Nzcv => self.nzcv = (v as u32) & 0xf000_0000,
            Daif => self.daif = (v as u32) & (0xf << 6),
            Pan => {
                self.pan = v & (1 << 22) != 0;
                self.utlb.clear();
            }
            SpSel => self.spsel = v & 1 != 0,
            SpEl(i) => self.sp[i] = v,
            Elr(i) => s.elr[i] = v,
            Spsr(i) => s.spsr[i] = v & 0xf0f0_03df,
            Esr(i) => s.esr[i] = v & 0xffff_ffff,
            Far(i) => s.far[i] = v,
            Vbar(i) => s.vbar[i] = v & !0x7ff,
            Sctlr(i) => s.sctlr[i] = v,
            Tpidr(i) => s.tpidr[i] = v,
            TpidrroEl0 => s.tpidrro_el0 = v,
            CpacrEl1 => s.cpacr_el1 = v & (3 << 20),
            HcrEl2 => s.hcr_el2 = v,
            ScrEl3 => s.scr_el3 = v,
            CptrEl2 => s.cptr_el2 = v | CPTR_EL2_RES1,
            CptrEl3 => s.cptr_el3 = v,
            ParEl1 => s.par_el1 = v,
            Ttbr0(i) => s.ttbr0[i] = v,
            Ttbr1El1 => s.ttbr1_el1 = v,
            Tcr(i) => s.tcr[i] = v,
            Mair(i) => s.mair[i] = v,
            Amair(i) => s.amair[i] = v,
            ContextidrEl1 => s.contextidr_el1 = v & 0xffff_ffff,
            Plain(i) => s.plain[i] = v,
            Csselr => s.csselr_el1 = v & 0xf,
            Oslar => s.os_lock = v & 1 != 0,
            Fpcr => s.fpcr = v & FPCR_MASK,
            Fpsr => s.fpsr = v & FPSR_MASK,
            CurrentEl | Const(_) | Timer(_) | Ccsidr | Oslsr => return Err(Exception::Undefined.into()),
        }
        // A new ASID or table base changes what the micro-TLBs' single pages mean.
        if matches!(reg, Ttbr0(_) | Ttbr1El1) {
            self.utlb.clear();
        }
        if let Some(i) = translation_control {
            self.tlb.flush_regime(match i {
                1 => crate::mmu::Regime::El10,
                2 => crate::mmu::Regime::El2,
                _ => crate::mmu::Regime::El3,
            });
            self.update_translation();
        }
        Ok(())
    }
}

/// CCSIDR_EL1 for the cache CSSELR_EL1 selects (legacy format: LineSize, Associativity,
/// NumSets; WT/WB/RA/WA flags), per the Pi 4's caches: L1D 32 KiB 2-way, L1I 48 KiB 3-way,
/// L2 1 MiB 16-way, 64-byte lines. Unimplemented levels read as zero.
fn ccsidr(csselr: u64) -> u64 {
    let geometry = |sets: u64, ways: u64, flags: u64| (flags << 28) | ((sets - 1) << 13) | ((ways - 1) << 3) | 2;
    match csselr & 0xf {
        0 => geometry(256, 2, 0b0111),   // L1 data: WB, RA, WA
        1 => geometry(256, 3, 0b0010),   // L1 instruction: RA
        2 => geometry(1024, 16, 0b0111), // L2 unified
        _ => 0,
    }
}

/// ISS of a trapped MSR/MRS/SYS (EC 0x18, D17.2.37): Op0, Op2, Op1, CRn, Rt, CRm, direction
/// (1 = read).
pub(crate) fn sysreg_iss(key: u16, rt: u32, read: bool) -> u32 {
    let k = key as u32;
    let (op0, op1, crn, crm, op2) = (k >> 14, (k >> 11) & 7, (k >> 7) & 15, (k >> 3) & 15, k & 7);
    (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | read as u32
}

/// `S<op0>_<op1>_C<n>_C<m>_<op2>` for log messages.
fn describe(key: u16) -> String {
    let k = key as u32;
    format!("S{}_{}_C{}_C{}_{}", k >> 14, (k >> 11) & 7, (k >> 7) & 15, (k >> 3) & 15, k & 7)
}

#[cfg(test)]
mod tests {
    use crate::exec::testutil::run;

    #[test]
    fn cache_geometry_os_lock_debug_storage_and_id_space() {
        let (cpu, _) = run(
            &[
                0xd51a0001, // msr csselr_el1, x1     (L1 data)
                0xd5390002, // mrs x2, ccsidr_el1
                0xd510109f, // msr oslar_el1, xzr     (unlock)
                0xd5301183, // mrs x3, oslsr_el1
                0xd5100584, // msr dbgbvr5_el1, x4
                0xd5300585, // mrs x5, dbgbvr5_el1
                0xd5380506, // mrs x6, id_aa64dfr0_el1
                0xd5380647, // mrs x7, id_aa64isar2_el1
                0xd5390028, // mrs x8, clidr_el1
            ],
            &[(1, 0), (4, 0xdead_beef), (7, 99)],
        );
        assert_eq!(cpu.xreg(2), 0x701f_e00a, "32 KiB, 2-way, 64-byte lines");
        assert_eq!(cpu.xreg(3), 0b1000, "OSLM = 0b10, OSLK clear after unlocking");
        assert_eq!(cpu.xreg(5), 0xdead_beef);
        assert_eq!(cpu.xreg(6), 0x1030_5006);
        assert_eq!(cpu.xreg(7), 0, "unallocated ID space reads as zero");
        assert_eq!(cpu.xreg(8), 0x0a20_0023);
    }
}

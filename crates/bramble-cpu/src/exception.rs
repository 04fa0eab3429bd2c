//! Synchronous exceptions: syndromes, entry and return (Arm ARM D1.10, D1.11, D17.2.37
//! "ESR_ELx").

use log::trace;

use crate::cpu::Cpu;

/// An architectural synchronous exception raised by an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// UNDEFINED instruction (EC 0x00).
    Undefined,
    /// SVC #imm (EC 0x15), taken after the instruction.
    Svc(u16),
    /// HVC #imm (EC 0x16), taken after the instruction.
    Hvc(u16),
    /// SMC #imm (EC 0x17), taken after the instruction.
    Smc(u16),
    /// BRK #imm (EC 0x3c).
    Brk(u16),
    /// Instruction abort (EC 0x20/0x21) with its fault status code: a translation fault
    /// from the MMU, or an external abort where nothing answers.
    InstructionAbort { va: u64, fsc: u8 },
    /// Data abort (EC 0x24/0x25) with its fault status code.
    DataAbort { va: u64, write: bool, fsc: u8 },
    /// Misaligned exclusive, atomic or acquire/release access (alignment fault).
    Alignment { va: u64, write: bool },
    /// PC not 4-byte aligned at fetch (EC 0x22).
    PcAlignment { va: u64 },
    /// SP not 16-byte aligned when used as a base with SCTLR_ELx.SA set (EC 0x26).
    SpAlignment,
    /// A trapped MSR/MRS (EC 0x18) with its ISS.
    SysRegTrap { iss: u32 },
    /// WFI (false) or WFE (true) trapped by SCTLR_EL1.nTWI/nTWE (EC 0x01).
    WfxTrap { wfe: bool },
    /// SIMD&FP access trapped by CPACR_EL1.FPEN, CPTR_EL2.TFP or CPTR_EL3.TFP (EC 0x07),
    /// taken to `el`.
    FpAccessTrap { el: u8 },
}

/// Exception class values (ESR_ELx.EC).
mod ec {
    pub const UNKNOWN: u64 = 0x00;
    pub const SVC64: u64 = 0x15;
    pub const HVC64: u64 = 0x16;
    pub const SMC64: u64 = 0x17;
    pub const IABT_LOWER: u64 = 0x20;
    pub const PC_ALIGN: u64 = 0x22;
    pub const DABT_LOWER: u64 = 0x24;
    pub const SP_ALIGN: u64 = 0x26;
    pub const SYSREG: u64 = 0x18;
    pub const WFX: u64 = 0x01;
    pub const FP_ACCESS: u64 = 0x07;
    pub const BRK64: u64 = 0x3c;
}

/// Fault status codes (ESR_ELx.ISS.xFSC).
pub(crate) mod fsc {
    pub const EXTERNAL_ABORT: u8 = 0x10;
    pub const ALIGNMENT: u8 = 0x21;
}

/// The ESR and FAR values an exception reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Syndrome {
    pub ec: u64,
    pub iss: u64,
    pub far: Option<u64>,
}

impl Syndrome {
    const IL: u64 = 1 << 25;

    /// The ESR_ELx value (IL = 1: every A64 instruction is 32-bit).
    pub fn esr(&self) -> u64 {
        (self.ec << 26) | Self::IL | (self.iss & 0x1ff_ffff)
    }
}

impl Exception {
    /// The syndrome for an exception taken from `from_lower` = true (a lower EL) or from
    /// the same EL; the EC of aborts differs between the two.
    pub fn syndrome_from(&self, from_lower: bool) -> Syndrome {
        let same = if from_lower { 0 } else { 1 };
        let (ec, iss, far) = match *self {
            Exception::Undefined => (ec::UNKNOWN, 0, None),
            Exception::Svc(imm) => (ec::SVC64, imm as u64, None),
            Exception::Hvc(imm) => (ec::HVC64, imm as u64, None),
            Exception::Smc(imm) => (ec::SMC64, imm as u64, None),
            Exception::Brk(imm) => (ec::BRK64, imm as u64, None),
            Exception::InstructionAbort { va, fsc } => (ec::IABT_LOWER + same, fsc as u64, Some(va)),
            Exception::DataAbort { va, write, fsc } => {
                (ec::DABT_LOWER + same, fsc as u64 | ((write as u64) << 6), Some(va))
            }
            Exception::Alignment { va, write } => {
                (ec::DABT_LOWER + same, fsc::ALIGNMENT as u64 | ((write as u64) << 6), Some(va))
            }
            Exception::PcAlignment { va } => (ec::PC_ALIGN, 0, Some(va)),
            Exception::SpAlignment => (ec::SP_ALIGN, 0, None),
            Exception::SysRegTrap { iss } => (ec::SYSREG, iss as u64, None),
            // CV = 1, COND = 0b1110 (always) as for every trapped AArch64 instruction; TI.
            Exception::WfxTrap { wfe } => (ec::WFX, (1 << 24) | (0xe << 20) | wfe as u64, None),
            Exception::FpAccessTrap { .. } => (ec::FP_ACCESS, (1 << 24) | (0xe << 20), None),
        };
        Syndrome { ec, iss, far }
    }

    /// The syndrome as if taken from the same EL (for reporting).
    pub fn syndrome(&self) -> Syndrome {
        self.syndrome_from(false)
    }

    /// Whether the preferred return address is the next instruction.
    fn returns_after(&self) -> bool {
        matches!(self, Exception::Svc(_) | Exception::Hvc(_) | Exception::Smc(_))
    }
}

/// Vector offsets within a 0x200 group (D1.10.2).
const VECTOR_SYNC: u64 = 0x000;
const VECTOR_IRQ: u64 = 0x080;
const VECTOR_FIQ: u64 = 0x100;

impl Cpu {
    /// PSTATE packed as SPSR_ELx holds it for an AArch64 source (D1.7.3).
    pub(crate) fn pstate_to_spsr(&self) -> u64 {
        (self.nzcv as u64)
            | ((self.pan as u64) << 22)
            | (self.daif as u64)
            | ((self.el as u64) << 2)
            | self.spsel as u64
    }

    fn target_el(&self, e: &Exception) -> u8 {
        match e {
            Exception::Hvc(_) => self.el.max(2),
            Exception::Smc(_) => 3,
            Exception::FpAccessTrap { el } => *el,
            _ => self.el.max(1),
        }
    }

    /// Takes a synchronous exception (AArch64.TakeException, J1.1.2).
    pub(crate) fn take_exception(&mut self, e: Exception) {
        self.stats.exceptions += 1;
        let target = self.target_el(&e);
        let syn = e.syndrome_from(target > self.el);
        let t = target as usize;
        let preferred = if e.returns_after() { self.next_pc } else { self.pc };
        self.sys.esr[t] = syn.esr();
        if let Some(far) = syn.far {
            self.sys.far[t] = far;
        }
        trace!(target: "exc", "{e:?} el{}->el{target} esr={:#x} elr={preferred:#x}", self.el, syn.esr());
        self.enter(target, VECTOR_SYNC, preferred);
    }

    /// The interrupt that can be taken now, as (is FIQ, target EL), following the routing
    /// of SCR_EL3.{IRQ,FIQ} and HCR_EL2.{IMO,FMO} and the masking rules of D1.13.1: PSTATE
    /// masks an interrupt targeting the current EL or EL1, never one routed to a higher
    /// EL2/EL3. FIQ wins over IRQ.
    pub(crate) fn deliverable_interrupt(&self) -> Option<(bool, u8)> {
        for fiq in [true, false] {
            if !(if fiq { self.fiq_line } else { self.irq_line }) {
                continue;
            }
            let (scr_bit, hcr_bit, daif_bit) = if fiq { (1 << 2, 1 << 3, 1 << 6) } else { (1 << 1, 1 << 4, 1 << 7) };
            let target = if self.sys.scr_el3 & scr_bit != 0 {
                3
            } else if self.el <= 2 && self.sys.hcr_el2 & hcr_bit != 0 {
                2
            } else {
                1
            };
            if target < self.el {
                continue;
            }
            let masked = (target == self.el || target == 1) && self.daif & daif_bit != 0;
            if !masked {
                return Some((fiq, target));
            }
        }
        None
    }

    /// Takes an IRQ or FIQ at an instruction boundary: the preferred return address is
    /// the instruction that has not run yet.
    pub(crate) fn take_interrupt(&mut self, fiq: bool, target: u8) {
        self.stats.interrupts += 1;
        trace!(target: "exc", "{} el{}->el{target} elr={:#x}", if fiq { "FIQ" } else { "IRQ" }, self.el, self.pc);
        self.enter(target, if fiq { VECTOR_FIQ } else { VECTOR_IRQ }, self.pc);
    }

    /// Exception entry common to every kind: SPSR, ELR, PSTATE and the vector.
    fn enter(&mut self, target: u8, kind_offset: u64, preferred: u64) {
        self.cycles += crate::timing::EXCEPTION_ENTRY;
        let t = target as usize;
        self.sys.spsr[t] = self.pstate_to_spsr();
        self.sys.elr[t] = preferred;
        let base = if target > self.el {
            0x400
        } else if self.spsel {
            0x200
        } else {
            0
        };
        self.el = target;
        self.spsel = true;
        self.daif = 0xf << 6;
        // Entry to EL1 sets PAN unless SCTLR_EL1.SPAN asks to leave it (D5.4.2).
        if target == 1 && self.features.pan && self.sys.sctlr[1] & (1 << 23) == 0 {
            self.pan = true;
        }
        self.monitor = None;
        self.update_translation();
        self.pc = self.sys.vbar[t].wrapping_add(base + kind_offset);
    }

    /// ERET (AArch64.ExceptionReturn, J1.1.2). An illegal return (to a higher EL or to
    /// AArch32) sets PSTATE.IL in real hardware; bramble keeps the current EL and clears
    /// nothing else, then raises the next fetch at ELR (IMPDEF simplification).
    pub(crate) fn exception_return(&mut self) {
        let cur = self.el as usize;
        let spsr = self.sys.spsr[cur];
        let target_el = ((spsr >> 2) & 3) as u8;
        let aarch32 = spsr & 0x10 != 0;
        if !aarch32 && target_el <= self.el {
            self.el = target_el;
            self.spsel = spsr & 1 != 0;
            self.update_translation();
        }
        self.nzcv = (spsr as u32) & 0xf000_0000;
        self.daif = (spsr as u32) & (0xf << 6);
        self.pan = self.features.pan && spsr & (1 << 22) != 0;
        self.monitor = None;
        self.request_attention(); // masks changed: a pending interrupt may now be taken
        self.next_pc = self.sys.elr[cur];
        trace!(target: "exc", "eret to el{} pc={:#x}", self.el, self.next_pc);
    }
}

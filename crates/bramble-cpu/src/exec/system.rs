//! System instructions (Arm ARM C4.1.87.2, C5): hints, barriers, CLREX, MSR (immediate),
//! MSR/MRS and SYS/SYSL (cache maintenance, address translation, TLB maintenance).

use bramble_decode::System;
use bramble_mem::Bus;

use crate::cpu::{Cpu, ExecResult, Stop, Trap};
use crate::exception::Exception;
use crate::sysreg::DC_ZVA_BYTES;

/// The lowest EL that may execute a SYS operation with this op1.
fn op1_min_el(op1: u8) -> u8 {
    match op1 {
        4 | 5 => 2,
        6 => 3,
        _ => 1,
    }
}

impl Cpu {
    pub(crate) fn exec_system(&mut self, bus: &mut Bus, i: &System, word: u32) -> ExecResult {
        match *i {
            // WFI idles until an interrupt is asserted (masked or not), WFE until an event
            // (B2.10.2 and D1.16.2), and hints of unimplemented features are NOPs by
            // definition.
            // WFI and WFE at EL0 trap to EL1 unless SCTLR_EL1.nTWI / nTWE (bits 16 / 18)
            // allow them (Linux leaves nTWI clear and skips trapped WFIs).
            System::Hint { crm: 0, op2: op2 @ (2 | 3) }
                if self.el == 0 && self.sys.sctlr[1] & (1 << (16 + 2 * (op2 == 2) as u32)) == 0 =>
            {
                return Err(Exception::WfxTrap { wfe: op2 == 2 }.into());
            }
            System::Hint { crm: 0, op2: 3 } => {
                if !self.interrupt_asserted() {
                    return Err(Trap::Stop(Stop::Wfi));
                }
            }
            // WFE consumes a set event register; otherwise the core waits for a wake-up
            // event, which the board decides (it sees the other cores).
            System::Hint { crm: 0, op2: 2 } => {
                if !std::mem::take(&mut self.event_register) {
                    return Err(Trap::Stop(Stop::Wfe));
                }
            }
            // SEV: an event for every core, this one included; SEVL: this one only.
            System::Hint { crm: 0, op2: 4 } => {
                self.event_register = true;
                self.broadcast(crate::cpu::Broadcast::Sev);
            }
            System::Hint { crm: 0, op2: 5 } => self.event_register = true,
            System::Hint { .. } => {}
            System::Clrex => self.monitor = None,
            // One in-order PE with no caches to model: barriers have nothing to order. The
            // block translator will end blocks at ISB.
            System::Dsb { .. } | System::Dmb { .. } | System::Isb => {}
            System::MsrImm { op1, crm, op2 } => match (op1, op2) {
                (0, 4) => {
                    if !self.features.pan {
                        return Err(self.unallocated_ext(word, "MSR PAN (FEAT_PAN)"));
                    }
                    if self.el == 0 {
                        return Err(Exception::Undefined.into());
                    }
                    self.pan = crm & 1 != 0;
                    self.utlb.clear();
                }
                (0, 5) => {
                    if self.el == 0 {
                        return Err(Exception::Undefined.into());
                    }
                    self.spsel = crm & 1 != 0;
                }
                _ => {
                    // DAIFSet / DAIFClr: EL0 needs SCTLR_EL1.UMA.
                    if self.el == 0 && self.sys.sctlr[1] & (1 << 9) == 0 {
                        return Err(Exception::Undefined.into());
                    }
                    let bits = (crm as u32) << 6;
                    if op2 == 6 {
                        self.daif |= bits;
                    } else {
                        self.daif &= !bits;
                        self.request_attention();
                    }
                }
            },
            System::Mrs { rt, reg } => {
                let v = self.mrs(reg, rt.num() as u32)?;
                self.set_xz(rt, v);
            }
            System::Msr { rt, reg } => self.msr(reg, self.xz(rt), rt.num() as u32)?,
            System::Sys { op1, crn, crm, op2, rt } => self.sys_op(bus, (op1, crn, crm, op2), self.xz(rt), word)?,
            System::Sysl { .. } => {
                self.log_unimp(word, "SYSL", &"");
                return Err(Exception::Undefined.into());
            }
        }
        Ok(())
    }

    /// SYS: DC/IC/AT/TLBI. Everything that maintains caches or TLBs lands here, so this is
    /// the one place the block translator hooks its invalidation into.
    fn sys_op(&mut self, bus: &mut Bus, op: (u8, u8, u8, u8), v: u64, word: u32) -> ExecResult {
        let (op1, crn, crm, op2) = op;
        if self.el == 0 {
            // EL0 may use DC ZVA with SCTLR_EL1.DZE and the cache maintenance to the point
            // of unification/coherency with SCTLR_EL1.UCI; otherwise they trap to EL1.
            let sctlr = self.sys.sctlr[1];
            let allowed = match (op1, crn, crm, op2) {
                (3, 7, 4, 1) => Some(sctlr & (1 << 14) != 0),
                (3, 7, 5, 1) | (3, 7, 10, 1) | (3, 7, 11, 1) | (3, 7, 12, 1) | (3, 7, 14, 1) => {
                    Some(sctlr & (1 << 26) != 0)
                }
                _ => None,
            };
            match allowed {
                Some(true) => {}
                Some(false) => {
                    let key = bramble_decode::sysreg_key(1, op1 as u32, crn as u32, crm as u32, op2 as u32);
                    let rt = word & 31;
                    return Err(Exception::SysRegTrap { iss: crate::sysreg::sysreg_iss(key, rt, false) }.into());
                }
                None => return Err(Exception::Undefined.into()),
            }
        }
        match (op1, crn, crm, op2) {
            // DC ZVA
            (3, 7, 4, 1) => {
                let base = v & !(DC_ZVA_BYTES - 1);
                for off in (0..DC_ZVA_BYTES).step_by(8) {
                    self.write(bus, base + off, 8, 0)?;
                }
            }
            // IC IALLUIS, IC IALLU, IC IVAU: drop translated blocks.
            (0, 7, 1, 0) | (0, 7, 5, 0) => self.ic_invalidate_all(),
            (3, 7, 5, 1) => self.ic_invalidate_va(bus, v),
            // DC IVAC/ISW/CSW/CISW, DC CVAC/CVAU/CVAP/CIVAC: no data caches are modelled.
            (0, 7, 6, 1) | (0, 7, 6, 2) | (0, 7, 10, 2) | (0, 7, 14, 2) => {}
            (3, 7, 10, 1) | (3, 7, 11, 1) | (3, 7, 12, 1) | (3, 7, 14, 1) => {}
            // AT S1E1R/W, S1E0R/W (EL1+), S1E2R/W (EL2+), S1E3R/W (EL3).
            (0, 7, 8, 0..=3) | (4, 7, 8, 0 | 1) | (6, 7, 8, 0 | 1) if self.el >= op1_min_el(op1) => {
                self.address_translate(bus, op1, op2, v)
            }
            // TLBI: the TLB's one maintenance entry point.
            (0 | 4 | 6, 8, _, _) if self.el >= op1_min_el(op1) && self.tlb_maintenance(op1, crm, op2, v) => {}
            _ => {
                self.log_unimp(word, "SYS operation", &"");
                return Err(Exception::Undefined.into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::exec::testutil::run_with;

    #[test]
    fn el0_cache_maintenance_and_ctr_follow_sctlr() {
        let el0 = |sctlr_bits: u64| {
            move |cpu: &mut crate::Cpu, _: &mut bramble_mem::Bus| {
                cpu.el = 0;
                cpu.spsel = false;
                cpu.sys.sctlr[1] = (cpu.sys.sctlr[1] & !((1 << 14) | (1 << 15) | (1 << 26))) | sctlr_bits;
                cpu.sys.vbar[1] = 0x8_0000;
            }
        };
        // dc zva, x1 with DZE clear: EC 0x18, Op0 = 1, Op1 = 3, CRn = 7, Rt = 1, CRm = 4.
        let (cpu, _) = run_with(&[0xd50b7421], &[(1, 0x4000)], el0(0));
        assert_eq!(cpu.sys.esr[1] >> 26, 0x18);
        assert_eq!(cpu.sys.esr[1] & 0x1ff_ffff, (1 << 20) | (1 << 17) | (3 << 14) | (7 << 10) | (1 << 5) | (4 << 1));
        let (cpu, _) = run_with(&[0xd50b7421], &[(1, 0x4000)], el0(1 << 14));
        assert_eq!(cpu.el(), 0, "DZE set: DC ZVA runs at EL0");
        // mrs x0, ctr_el0 traps without UCT and reads with it.
        let (cpu, _) = run_with(&[0xd53b0020], &[], el0(0));
        assert_eq!(cpu.sys.esr[1] >> 26, 0x18);
        let (cpu, _) = run_with(&[0xd53b0020], &[], el0(1 << 15));
        assert_eq!(cpu.xreg(0), 0x8444_c004);
        // ic ivau, x1 needs UCI.
        let (cpu, _) = run_with(&[0xd50b7521], &[(1, 0x4000)], el0(0));
        assert_eq!(cpu.sys.esr[1] >> 26, 0x18);
    }

    /// A CPU at EL1 with `code` at 0x1000 and flat RAM.
    fn core(code: &[u32]) -> (crate::Cpu, bramble_mem::Bus) {
        let mut bus = bramble_mem::Bus::new(bramble_mem::Ram::new(1 << 20).expect("1 MiB of RAM"));
        for (i, w) in code.iter().enumerate() {
            bus.ram.write(0x1000 + 4 * i as u64, 4, *w as u64);
        }
        let mut cpu = crate::Cpu::new(crate::Features::CORTEX_A72, 1);
        cpu.set_pc(0x1000);
        (cpu, bus)
    }

    #[test]
    fn wfe_waits_unless_the_event_register_is_set() {
        use crate::{Broadcast, StopReason};
        let (mut cpu, mut bus) = core(&[
            0xd503205f, // wfe              event register clear: the core waits
            0xd50320bf, // sevl
            0xd503205f, // wfe              consumes the local event, runs on
            0xd503209f, // sev
            0xd503205f, // wfe              consumes SEV's own event
            0xd503205f, // wfe              waits again
        ]);
        assert_eq!(cpu.run(&mut bus, 100), StopReason::Wfe);
        assert_eq!(cpu.pc(), 0x1004, "the PC is past the WFE");
        assert!(!cpu.wfe_wakes(), "nothing to wake it");
        assert_eq!(cpu.run(&mut bus, 100), StopReason::Wfe);
        assert_eq!(cpu.pc(), 0x1018, "SEVL's and SEV's events each let one WFE through");
        assert_eq!(cpu.take_broadcasts(), [Broadcast::Sev], "SEV reaches the other cores");
        cpu.receive(Broadcast::Sev);
        assert!(cpu.wfe_wakes(), "another core's SEV wakes it");
        assert!(!cpu.wfe_wakes(), "and the wake-up consumed the event");
    }

    #[test]
    fn a_lost_reservation_is_a_wfe_wake_up_and_fails_the_stxr() {
        let (mut cpu, mut bus) = core(&[
            0xc85f7c22, // ldxr x2, [x1]
            0xd503205f, // wfe
            0xc8037c24, // stxr w3, x4, [x1]
        ]);
        cpu.set_xreg(1, 0x8040);
        cpu.set_xreg(4, 7);
        assert_eq!(cpu.run(&mut bus, 100), crate::StopReason::Wfe);
        assert_eq!(cpu.exclusive_granule(), Some(0x8040), "the granule of the reserved address");
        cpu.lose_reservation();
        assert!(cpu.wfe_wakes());
        assert_eq!(cpu.exclusive_granule(), None);
        cpu.run(&mut bus, 1);
        assert_eq!(cpu.xreg(3), 1, "STXR failed");
        assert_eq!(bus.ram.read(0x8040, 8), Some(0));
    }

    #[test]
    fn tlbi_inner_shareable_is_broadcast_and_the_local_form_is_not() {
        use crate::{Broadcast, TlbOp};
        let (mut cpu, mut bus) = core(&[
            0xd508831f, // tlbi vmalle1is
            0xd508871f, // tlbi vmalle1
            0xd5088325, // tlbi vae1is, x5
        ]);
        cpu.set_xreg(5, (3 << 48) | 0x12345);
        while cpu.pc() < 0x100c {
            cpu.run(&mut bus, 1);
        }
        let b = cpu.take_broadcasts();
        assert_eq!(b.len(), 2, "{b:?}");
        assert_eq!(b[0], Broadcast::Tlbi(TlbOp::Regime(crate::mmu::Regime::El10)));
        assert_eq!(b[1], Broadcast::Tlbi(TlbOp::Va(crate::mmu::Regime::El10, 0x1234_5000, Some(3))));
    }

    #[test]
    fn counter_reads_never_go_below_the_floor() {
        let (mut cpu, mut bus) = core(&[
            0xd53be020, // mrs x0, cntpct_el0
            0xd53be041, // mrs x1, cntvct_el0
        ]);
        cpu.set_counter_floor(1_500_000_000); // one second on: the count is 54 M
        while cpu.pc() < 0x1008 {
            cpu.run(&mut bus, 1);
        }
        assert_eq!(cpu.xreg(0), 54_000_000);
        assert_eq!(cpu.xreg(1), 54_000_000);
        assert!(cpu.cycles() < 100, "the core's own time did not move");
    }

    #[test]
    fn power_on_resets_the_core_at_the_entry_with_the_context() {
        let (mut cpu, mut bus) = core(&[0xd2800540 /* mov x0, #42 */]);
        cpu.set_core_id(2);
        cpu.run(&mut bus, 1);
        cpu.set_xreg(5, 9);
        cpu.power_on(2, 0x1000, 0xc0ffee);
        assert_eq!((cpu.el(), cpu.pc(), cpu.xreg(0), cpu.xreg(5)), (2, 0x1000, 0xc0ffee, 0));
        assert_eq!(cpu.mpidr(), 0x8000_0002, "the core keeps its identity");
        assert!(cpu.insns() > 0, "and its counters");
    }

    #[test]
    fn wfi_at_el0_traps_when_ntwi_is_clear() {
        let (cpu, _) = run_with(&[0xd503207f /* wfi */], &[], |cpu, _| {
            cpu.el = 0;
            cpu.spsel = false;
            cpu.sys.sctlr[1] &= !(1 << 16);
            cpu.sys.vbar[1] = 0x8_0000;
        });
        assert_eq!(cpu.el(), 1);
        assert_eq!(cpu.sys.esr[1], (0x01 << 26) | (1 << 25) | (1 << 24) | (0xe << 20));
        assert_eq!(cpu.sys.elr[1], 0x1000, "preferred return is the WFI");
        assert_eq!(cpu.pc(), 0x8_0400, "lower-EL synchronous vector");
    }
}

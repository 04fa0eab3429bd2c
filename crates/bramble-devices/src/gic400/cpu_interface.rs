//! The CPU interface (GICv2 4.4): GICC_* registers, acknowledge and end of interrupt.

use log::warn;

use super::distributor::extract;
use super::{Gic400, IDLE_PRIORITY, PRIORITY_MASK, SPURIOUS};

const GICC_CTLR: u64 = 0x00; // CPU interface control, RW
const GICC_PMR: u64 = 0x04; // Priority mask, RW
const GICC_BPR: u64 = 0x08; // Binary point, RW
const GICC_IAR: u64 = 0x0c; // Interrupt acknowledge, RO
const GICC_EOIR: u64 = 0x10; // End of interrupt, WO
const GICC_RPR: u64 = 0x14; // Running priority, RO
const GICC_HPPIR: u64 = 0x18; // Highest priority pending interrupt, RO
const GICC_ABPR: u64 = 0x1c; // Aliased binary point, RW
const GICC_AIAR: u64 = 0x20; // Aliased interrupt acknowledge, RO
const GICC_AEOIR: u64 = 0x24; // Aliased end of interrupt, WO
const GICC_AHPPIR: u64 = 0x28; // Aliased highest priority pending, RO
const GICC_APR0: u64 = 0xd0; // Active priorities, RW
const GICC_APR3: u64 = 0xdc; // Active priorities 1..3, RW
const GICC_NSAPR0: u64 = 0xe0; // Non-secure active priorities, RW
const GICC_NSAPR3: u64 = 0xec; // Non-secure active priorities 1..3, RW
const GICC_IIDR: u64 = 0xfc; // CPU interface identification, RO
const GICC_DIR: u64 = 0x1000; // Deactivate interrupt, WO

/// GIC-400 GICC_IIDR (TRM 3.3.1).
const IIDR: u32 = 0x0202_143b;
const CTLR_EOIMODE: u32 = 1 << 9;

impl Gic400 {
    pub(super) fn cpu_read(&mut self, cpu: usize, offset: u64, size: u8) -> u32 {
        let word = offset & !3;
        let c = &self.cpus[cpu];
        let v = match word {
            GICC_CTLR => c.ctlr,
            GICC_PMR => c.pmr as u32,
            GICC_BPR => c.bpr as u32,
            GICC_ABPR => c.abpr as u32,
            GICC_IAR | GICC_AIAR => self.acknowledge(cpu),
            GICC_RPR => match self.running_priority(cpu) {
                IDLE_PRIORITY => 0xff,
                p => p as u32,
            },
            GICC_HPPIR | GICC_AHPPIR => match self.highest_pending(cpu) {
                Some((intid, _, _)) if intid < 16 => intid | (self.sgi_source(cpu, intid) << 10),
                Some((intid, _, _)) => intid,
                None => SPURIOUS,
            },
            // Active priorities: IMPDEF format; bramble keeps its own stack and reports none.
            GICC_APR0..=GICC_APR3 | GICC_NSAPR0..=GICC_NSAPR3 => 0,
            GICC_IIDR => IIDR,
            _ => {
                warn!(target: "guest_error", "gic400: read of unknown CPU interface register {offset:#x}");
                0
            }
        };
        extract(v, offset, size)
    }

    pub(super) fn cpu_write(&mut self, cpu: usize, offset: u64, _size: u8, value: u32) {
        let c = &mut self.cpus[cpu];
        match offset & !3 {
            GICC_CTLR => c.ctlr = value & 0x3ff,
            GICC_PMR => c.pmr = value as u8 & PRIORITY_MASK,
            // The GIC-400's minimum binary points are 2 (group 0) and 3 (aliased).
            GICC_BPR => c.bpr = (value as u8 & 7).max(2),
            GICC_ABPR => c.abpr = (value as u8 & 7).max(3),
            GICC_EOIR | GICC_AEOIR => self.end_of_interrupt(cpu, value & 0x3ff),
            GICC_DIR => {
                let intid = value & 0x3ff;
                if let Some(st) = self.state_mut(cpu, intid) {
                    st.active = false;
                }
            }
            GICC_APR0..=GICC_APR3 | GICC_NSAPR0..=GICC_NSAPR3 => {}
            _ => {
                warn!(target: "guest_error", "gic400: write to unknown or read-only CPU interface register {offset:#x}")
            }
        }
    }

    /// Lowest-numbered CPU with this SGI pending towards `cpu`.
    fn sgi_source(&self, cpu: usize, intid: u32) -> u32 {
        self.cpus[cpu].sgi_pending[intid as usize].trailing_zeros().min(7)
    }

    /// GICC_IAR read: the highest-priority pending interrupt that may be signalled becomes
    /// active (and stays pending if its level is still high).
    fn acknowledge(&mut self, cpu: usize) -> u32 {
        let Some((intid, prio, _)) = self.highest_pending(cpu).filter(|&(_, p, _)| self.can_signal(cpu, p)) else {
            return SPURIOUS;
        };
        let mut value = intid;
        if intid < 16 {
            let src = self.sgi_source(cpu, intid);
            self.cpus[cpu].sgi_pending[intid as usize] &= !(1 << src);
            self.cpus[cpu].sgis_acked += 1;
            value |= src << 10;
        }
        if let Some(st) = self.state_mut(cpu, intid) {
            st.latch = false;
            st.active = true;
        }
        self.cpus[cpu].active.push((intid, prio));
        value
    }

    /// GICC_EOIR write: priority drop, and deactivation unless EOImode splits it to DIR.
    fn end_of_interrupt(&mut self, cpu: usize, intid: u32) {
        let c = &mut self.cpus[cpu];
        match c.active.iter().rposition(|&(i, _)| i == intid) {
            Some(pos) => {
                c.active.remove(pos);
            }
            None => {
                warn!(target: "guest_error", "gic400: EOI of interrupt {intid}, which is not active");
                return;
            }
        }
        if c.ctlr & CTLR_EOIMODE == 0 {
            if let Some(st) = self.state_mut(cpu, intid) {
                st.active = false;
            }
        }
    }
}

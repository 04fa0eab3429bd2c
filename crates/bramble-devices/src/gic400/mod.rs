//! Arm CoreLink GIC-400 (GICv2), per the GIC-400 TRM (DDI 0471B) and the GICv2
//! architecture specification (IHI 0048B): a distributor and one CPU interface per core.
//!
//! Interface: [`Gic400::distributor`] and [`Gic400::cpu_interface`] give the two MMIO
//! windows; interrupt sources are [`IrqLine`]s connected with [`Gic400::connect`] and
//! sampled by [`Gic400::update`] (the board calls it after device accesses and at time
//! slice boundaries); [`Gic400::outputs`] gives each CPU's IRQ and FIQ levels.
//!
//! Modelled: SGIs, PPIs and SPIs; enable, pending, active; priorities (5 bits, as the
//! GIC-400), priority mask, binary point and preemption; targets (banked for INTIDs 0-31);
//! level and edge configuration; IAR/EOIR/DIR with EOImode; GICD_SGIR and the SGI
//! pending registers; group 0/1 with FIQ signalling of group 0 when FIQEn is set.
//! Deviations: the Security Extensions are not modelled (GICD_TYPER.SecurityExtn = 0,
//! every access sees the one register bank, as firmware-less Linux expects); the bypass
//! and wake-up signals, and the GICv2m and virtualization interfaces, are absent.
//! Banked registers (SGI/PPI state, ITARGETSR0-7, the CPU interface) follow the core the
//! bus says made the access; an access from a core the GIC has no interface for reads as
//! zero and writes are ignored. When an output changes, the GIC raises its
//! [`IrqSignal`] so the board delivers it without stopping on unchanged accesses.

mod cpu_interface;
mod distributor;

use std::cell::RefCell;
use std::rc::Rc;

use bramble_mem::{Access, IrqLine, IrqSignal, MmioDevice};
use log::warn;

/// Number of interrupt IDs: the BCM2711's GIC-400 has ITLinesNumber = 7 (256 INTIDs).
pub const NUM_IRQS: usize = 256;
/// Spurious interrupt ID.
pub const SPURIOUS: u32 = 1023;
/// Implemented priority bits: the GIC-400 has 32 levels.
const PRIORITY_MASK: u8 = 0xf8;
/// Running priority when nothing is active.
const IDLE_PRIORITY: u16 = 0x100;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct IrqState {
    enabled: bool,
    /// Latched pending state (edge, or set by software).
    latch: bool,
    active: bool,
    priority: u8,
    group1: bool,
    edge: bool,
    /// Sampled input level.
    level: bool,
    /// CPU targets (SPIs only).
    targets: u8,
}

#[derive(Clone, Debug, Default)]
struct CpuIf {
    ctlr: u32,
    pmr: u8,
    bpr: u8,
    abpr: u8,
    /// Active interrupts in acknowledge order, with their priorities.
    active: Vec<(u32, u8)>,
    /// Banked state of SGIs and PPIs (INTIDs 0-31).
    private: [IrqState; 32],
    /// Pending SGIs: one bit per source CPU.
    sgi_pending: [u8; 16],
    /// SGIs acknowledged, for statistics.
    sgis_acked: u64,
    irq_out: bool,
    fiq_out: bool,
}

/// The GIC-400.
#[derive(Debug)]
pub struct Gic400 {
    ctlr: u32,
    spis: Vec<IrqState>,
    cpus: Vec<CpuIf>,
    inputs: Vec<(usize, u32, IrqLine)>,
    /// Raised when an output changes.
    signal: Option<IrqSignal>,
}

impl Gic400 {
    /// A GIC in its reset state for `ncpu` cores (1..=8).
    pub fn new(ncpu: usize) -> Self {
        let ncpu = ncpu.clamp(1, 8);
        let mut cpus = vec![CpuIf::default(); ncpu];
        for c in &mut cpus {
            c.bpr = 2;
            c.abpr = 3;
            for (i, st) in c.private.iter_mut().enumerate() {
                // SGIs are always enabled and edge-triggered on the GIC-400.
                st.enabled = i < 16;
                st.edge = i < 16;
            }
        }
        Self { ctlr: 0, spis: vec![IrqState::default(); NUM_IRQS - 32], cpus, inputs: Vec::new(), signal: None }
    }

    /// How many CPU interfaces the GIC has.
    pub fn num_cpus(&self) -> usize {
        self.cpus.len()
    }

    /// SGIs (inter-processor interrupts) `cpu` has acknowledged.
    pub fn sgis_acknowledged(&self, cpu: usize) -> u64 {
        self.cpus.get(cpu).map_or(0, |c| c.sgis_acked)
    }

    /// Raises `signal` whenever an IRQ or FIQ output changes.
    pub fn set_signal(&mut self, signal: IrqSignal) {
        self.signal = Some(signal);
    }

    /// Connects an interrupt source: an SPI (`intid` >= 32, `cpu` ignored) or a PPI of `cpu`.
    pub fn connect(&mut self, cpu: usize, intid: u32, line: IrqLine) {
        self.inputs.push((cpu, intid, line));
    }

    /// The IRQ and FIQ levels towards `cpu`.
    pub fn outputs(&self, cpu: usize) -> (bool, bool) {
        self.cpus.get(cpu).map_or((false, false), |c| (c.irq_out, c.fiq_out))
    }

    /// Sets a PPI's input level directly (for sources inside the CPU, such as its timers).
    pub fn set_ppi_level(&mut self, cpu: usize, intid: u32, level: bool) {
        if let Some(st) = self.cpus.get_mut(cpu).and_then(|c| c.private.get_mut(intid as usize)) {
            if intid >= 16 {
                Self::sample(st, level);
            }
        }
    }

    fn sample(st: &mut IrqState, level: bool) {
        if st.edge && level && !st.level {
            st.latch = true;
        }
        st.level = level;
    }

    /// Samples every connected line and recomputes the outputs.
    pub fn update(&mut self) {
        for i in 0..self.inputs.len() {
            let (cpu, intid, level) = (self.inputs[i].0, self.inputs[i].1, self.inputs[i].2.level());
            if let Some(st) = self.state_mut(cpu, intid) {
                Self::sample(st, level);
            }
        }
        for cpu in 0..self.cpus.len() {
            let (irq, fiq) = match self.highest_pending(cpu) {
                Some((_, prio, group1)) if self.can_signal(cpu, prio) => {
                    let c = &self.cpus[cpu];
                    let grp_enabled = c.ctlr & if group1 { 2 } else { 1 } != 0;
                    let as_fiq = !group1 && c.ctlr & 8 != 0;
                    (grp_enabled && !as_fiq, grp_enabled && as_fiq)
                }
                _ => (false, false),
            };
            let c = &mut self.cpus[cpu];
            if (c.irq_out, c.fiq_out) != (irq, fiq) {
                (c.irq_out, c.fiq_out) = (irq, fiq);
                if let Some(s) = &self.signal {
                    s.raise();
                }
            }
        }
    }

    fn state(&self, cpu: usize, intid: u32) -> Option<&IrqState> {
        if intid < 32 {
            self.cpus.get(cpu).map(|c| &c.private[intid as usize])
        } else {
            self.spis.get(intid as usize - 32)
        }
    }

    fn state_mut(&mut self, cpu: usize, intid: u32) -> Option<&mut IrqState> {
        if intid < 32 {
            self.cpus.get_mut(cpu).map(|c| &mut c.private[intid as usize])
        } else {
            self.spis.get_mut(intid as usize - 32)
        }
    }

    fn pending(&self, cpu: usize, intid: u32) -> bool {
        if intid < 16 {
            return self.cpus[cpu].sgi_pending[intid as usize] != 0;
        }
        self.state(cpu, intid).is_some_and(|st| st.latch || (!st.edge && st.level))
    }

    /// The highest-priority pending, enabled, inactive interrupt for `cpu` whose group the
    /// distributor forwards: (INTID, priority, group 1).
    fn highest_pending(&self, cpu: usize) -> Option<(u32, u8, bool)> {
        let mut best: Option<(u32, u8, bool)> = None;
        for intid in 0..NUM_IRQS as u32 {
            let Some(st) = self.state(cpu, intid) else { continue };
            let forwarded = self.ctlr & if st.group1 { 2 } else { 1 } != 0;
            let targeted = intid < 32 || st.targets & (1 << cpu) != 0;
            let eligible = st.enabled && !st.active && forwarded && targeted && self.pending(cpu, intid);
            if eligible && best.is_none_or(|(_, p, _)| st.priority < p) {
                best = Some((intid, st.priority, st.group1));
            }
        }
        best
    }

    /// Group priority of `prio` under the CPU's binary point (preemption compares these).
    fn group_priority(&self, cpu: usize, prio: u8) -> u16 {
        let bpr = self.cpus[cpu].bpr.min(7);
        (prio as u16) & (0xff << (bpr + 1)) & 0xff
    }

    fn running_priority(&self, cpu: usize) -> u16 {
        self.cpus[cpu].active.iter().map(|&(_, p)| self.group_priority(cpu, p)).min().unwrap_or(IDLE_PRIORITY)
    }

    /// Whether an interrupt of `prio` gets past the priority mask and preempts.
    fn can_signal(&self, cpu: usize, prio: u8) -> bool {
        prio < self.cpus[cpu].pmr && self.group_priority(cpu, prio) < self.running_priority(cpu)
    }

    /// The distributor's MMIO window (4 KiB).
    pub fn distributor(gic: &Rc<RefCell<Gic400>>) -> Box<dyn MmioDevice> {
        Box::new(DistributorWindow(gic.clone()))
    }

    /// The CPU interface's MMIO window (8 KiB, GICC_DIR at 0x1000).
    pub fn cpu_interface(gic: &Rc<RefCell<Gic400>>) -> Box<dyn MmioDevice> {
        Box::new(CpuInterfaceWindow(gic.clone()))
    }
}

struct DistributorWindow(Rc<RefCell<Gic400>>);
struct CpuInterfaceWindow(Rc<RefCell<Gic400>>);

/// The GIC borrowed for an access by `at.cpu`, or `None` (and a log line) for a core
/// the GIC has no interface for.
fn for_requester(gic: &Rc<RefCell<Gic400>>, at: Access) -> Option<std::cell::RefMut<'_, Gic400>> {
    let g = gic.borrow_mut();
    if at.cpu < g.cpus.len() {
        Some(g)
    } else {
        warn!(target: "guest_error", "gic400: access from CPU {}, which has no CPU interface", at.cpu);
        None
    }
}

impl MmioDevice for DistributorWindow {
    fn read(&mut self, at: Access, offset: u64, size: u8) -> u64 {
        let Some(mut g) = for_requester(&self.0, at) else { return 0 };
        g.update();
        g.dist_read(at.cpu, offset, size) as u64
    }
    fn write(&mut self, at: Access, offset: u64, size: u8, value: u64) {
        let Some(mut g) = for_requester(&self.0, at) else { return };
        g.dist_write(at.cpu, offset, size, value as u32);
        g.update();
    }
}

impl MmioDevice for CpuInterfaceWindow {
    fn read(&mut self, at: Access, offset: u64, size: u8) -> u64 {
        let Some(mut g) = for_requester(&self.0, at) else { return 0 };
        g.update();
        let v = g.cpu_read(at.cpu, offset, size);
        g.update();
        v as u64
    }
    fn write(&mut self, at: Access, offset: u64, size: u8, value: u64) {
        let Some(mut g) = for_requester(&self.0, at) else { return };
        g.cpu_write(at.cpu, offset, size, value as u32);
        g.update();
    }
}

#[cfg(test)]
mod tests;

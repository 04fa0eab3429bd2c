//! The generic timer (Arm ARM D11): the system counter and the EL1 physical, EL1 virtual,
//! EL2 physical and secure physical timers, each with CTL/CVAL/TVAL.
//!
//! The counter is derived from the CPU's virtual time (`cycles`: retired instructions plus
//! idle time skipped in WFI) at CNTFRQ = 54 MHz against the core clock (1.5 GHz as on the
//! Pi 4 unless the board says otherwise), so runs are deterministic; how virtual time
//! follows host time is the board's clock's business.

/// CNTFRQ_EL0: the Pi 4's 54 MHz system counter.
pub const CNTFRQ_HZ: u64 = 54_000_000;
/// The default core clock virtual time runs at (the Pi 4's 1.5 GHz).
pub const CPU_HZ: u64 = 1_500_000_000;

/// Which timer: index into [`GenericTimer::timers`].
pub const EL1_PHYS: usize = 0;
pub const EL1_VIRT: usize = 1;
pub const EL2_PHYS: usize = 2;
pub const SECURE_PHYS: usize = 3;

/// The GIC PPI INTID each timer drives (the Pi 4 device tree's timer node).
pub const TIMER_INTIDS: [u32; 4] = [30, 27, 26, 29];

const CTL_ENABLE: u64 = 1 << 0;
const CTL_IMASK: u64 = 1 << 1;
const CTL_ISTATUS: u64 = 1 << 2;

/// The physical count at virtual time `cycles` of a `cpu_hz` core. The board asks for
/// timer levels and deadlines of every core at every turn, so the common case (the
/// product fits in 64 bits: the first few minutes of virtual time) avoids a 128-bit
/// division; both paths give the same exact result.
#[inline]
pub fn count_at(cycles: u64, cpu_hz: u64) -> u64 {
    match cycles.checked_mul(CNTFRQ_HZ) {
        Some(p) => p / cpu_hz.max(1),
        None => (cycles as u128 * CNTFRQ_HZ as u128 / cpu_hz.max(1) as u128) as u64,
    }
}

/// The first virtual time at which the physical count reaches `count`.
fn cycles_for(count: u64, cpu_hz: u64) -> u128 {
    match count.checked_mul(cpu_hz) {
        Some(p) => p.div_ceil(CNTFRQ_HZ) as u128,
        None => (count as u128 * cpu_hz as u128).div_ceil(CNTFRQ_HZ as u128),
    }
}

/// One timer's registers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimerRegs {
    pub ctl: u64,
    pub cval: u64,
}

/// Generic timer state of one PE.
#[derive(Clone, Debug)]
pub struct GenericTimer {
    pub timers: [TimerRegs; 4],
    pub cntvoff_el2: u64,
    pub cntkctl_el1: u64,
    pub cnthctl_el2: u64,
    /// The core clock that turns cycles into counter ticks.
    pub cpu_hz: u64,
}

impl Default for GenericTimer {
    fn default() -> Self {
        Self { timers: Default::default(), cntvoff_el2: 0, cntkctl_el1: 0, cnthctl_el2: 0, cpu_hz: CPU_HZ }
    }
}

/// A timer register, as the system register table names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerReg {
    Pct,
    Vct,
    Ctl(usize),
    Cval(usize),
    Tval(usize),
    Voff,
    Kctl,
    Hctl,
}

impl GenericTimer {
    /// The count a timer compares against: the virtual timer sees CNTVCT.
    fn timer_count(&self, which: usize, cycles: u64) -> u64 {
        let p = count_at(cycles, self.cpu_hz);
        if which == EL1_VIRT {
            p.wrapping_sub(self.cntvoff_el2)
        } else {
            p
        }
    }

    fn istatus(&self, which: usize, cycles: u64) -> bool {
        let t = &self.timers[which];
        t.ctl & CTL_ENABLE != 0 && self.timer_count(which, cycles) >= t.cval
    }

    pub fn read(&self, r: TimerReg, cycles: u64) -> u64 {
        match r {
            TimerReg::Pct => count_at(cycles, self.cpu_hz),
            TimerReg::Vct => count_at(cycles, self.cpu_hz).wrapping_sub(self.cntvoff_el2),
            TimerReg::Ctl(i) => {
                let c = self.timers[i].ctl & (CTL_ENABLE | CTL_IMASK);
                c | if self.istatus(i, cycles) { CTL_ISTATUS } else { 0 }
            }
            TimerReg::Cval(i) => self.timers[i].cval,
            // TVAL is the signed 32-bit distance to CVAL (D11.2.4).
            TimerReg::Tval(i) => {
                let d = self.timers[i].cval.wrapping_sub(self.timer_count(i, cycles));
                d as u32 as i32 as i64 as u64 & 0xffff_ffff
            }
            TimerReg::Voff => self.cntvoff_el2,
            TimerReg::Kctl => self.cntkctl_el1,
            TimerReg::Hctl => self.cnthctl_el2,
        }
    }

    /// Writes a register; false for the read-only counters.
    pub fn write(&mut self, r: TimerReg, v: u64, cycles: u64) -> bool {
        match r {
            TimerReg::Pct | TimerReg::Vct => return false,
            TimerReg::Ctl(i) => self.timers[i].ctl = v & (CTL_ENABLE | CTL_IMASK),
            TimerReg::Cval(i) => self.timers[i].cval = v,
            TimerReg::Tval(i) => {
                let now = self.timer_count(i, cycles);
                self.timers[i].cval = now.wrapping_add(v as u32 as i32 as i64 as u64);
            }
            TimerReg::Voff => self.cntvoff_el2 = v,
            TimerReg::Kctl => self.cntkctl_el1 = v & 0x3ff,
            TimerReg::Hctl => self.cnthctl_el2 = v & 0xff,
        }
        true
    }

    /// Each timer's interrupt output (ENABLE, not IMASK, condition met), as levels.
    pub fn outputs(&self, cycles: u64) -> [bool; 4] {
        std::array::from_fn(|i| self.timers[i].ctl & CTL_IMASK == 0 && self.istatus(i, cycles))
    }

    /// Cycles from `cycles` until the next output that would rise, if any timer is armed.
    pub fn cycles_to_next_event(&self, cycles: u64) -> Option<u64> {
        (0..4)
            .filter(|&i| {
                let t = &self.timers[i];
                t.ctl & CTL_ENABLE != 0 && t.ctl & CTL_IMASK == 0 && !self.istatus(i, cycles)
            })
            .map(|i| {
                let offset = if i == EL1_VIRT { self.cntvoff_el2 } else { 0 };
                let at = cycles_for(self.timers[i].cval.wrapping_add(offset), self.cpu_hz);
                at.saturating_sub(cycles as u128).min(u64::MAX as u128) as u64
            })
            .min()
    }

    /// Cycles from `cycles` until the EL1 event stream next generates a WFE wake-up event
    /// (CNTKCTL_EL1.EVNTEN, D11.2.3): when bit EVNTI of CNTVCT goes 0 to 1 (EVNTDIR = 0) or
    /// 1 to 0 (EVNTDIR = 1). `None` when the stream is off.
    pub fn cycles_to_event_stream(&self, cycles: u64) -> Option<u64> {
        let k = self.cntkctl_el1;
        if k & (1 << 2) == 0 {
            return None;
        }
        let bit = (k >> 4) & 0xf;
        let period = 2u64 << bit;
        let phase = if k & (1 << 3) == 0 { period / 2 } else { 0 };
        let now = count_at(cycles, self.cpu_hz).wrapping_sub(self.cntvoff_el2);
        // The next count after `now` at `phase` within the period.
        let base = now - now % period + phase;
        let next = if base > now { base } else { base + period };
        let at = cycles_for(next.wrapping_add(self.cntvoff_el2), self.cpu_hz);
        Some(at.saturating_sub(cycles as u128).clamp(1, u64::MAX as u128) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_runs_at_54_mhz_of_a_1500_mhz_core() {
        assert_eq!(count_at(1_500_000_000, CPU_HZ), 54_000_000);
        assert_eq!(count_at(27, CPU_HZ), 0);
        assert_eq!(count_at(28, CPU_HZ), 1);
        // --cpu-mhz 54: one instruction per tick.
        assert_eq!(count_at(1000, 54_000_000), 1000);
    }

    #[test]
    fn the_64_bit_fast_path_agrees_with_128_bit_arithmetic() {
        let slow_count = |c: u64, hz: u64| (c as u128 * CNTFRQ_HZ as u128 / hz as u128) as u64;
        let slow_cycles = |n: u64, hz: u64| (n as u128 * hz as u128).div_ceil(CNTFRQ_HZ as u128);
        for hz in [CPU_HZ, 54_000_000, 1_000_000, 100_000_000_000] {
            for v in [0, 1, 27, 28, 12345678901, u64::MAX / CNTFRQ_HZ, u64::MAX / CNTFRQ_HZ + 1, u64::MAX / 3, u64::MAX]
            {
                assert_eq!(count_at(v, hz), slow_count(v, hz), "count_at({v}, {hz})");
                assert_eq!(cycles_for(v, hz), slow_cycles(v, hz), "cycles_for({v}, {hz})");
            }
        }
    }

    #[test]
    fn tval_is_signed_distance_and_sets_cval() {
        let mut t = GenericTimer::default();
        let now = 1_500_000; // count 54_000
        t.write(TimerReg::Tval(EL1_PHYS), 100, now);
        assert_eq!(t.read(TimerReg::Cval(EL1_PHYS), now), 54_100);
        assert_eq!(t.read(TimerReg::Tval(EL1_PHYS), now), 100);
        // After the deadline TVAL counts negative (as a 32-bit value).
        assert_eq!(t.read(TimerReg::Tval(EL1_PHYS), 1_505_556), (-100i32) as u32 as u64);
    }

    #[test]
    fn output_rises_at_the_deadline_and_respects_imask() {
        let mut t = GenericTimer::default();
        t.write(TimerReg::Cval(EL1_PHYS), 10, 0);
        t.write(TimerReg::Ctl(EL1_PHYS), CTL_ENABLE, 0);
        let wait = t.cycles_to_next_event(0).unwrap();
        assert!(!t.outputs(wait - 1)[EL1_PHYS]);
        assert!(t.outputs(wait)[EL1_PHYS]);
        assert_eq!(t.read(TimerReg::Ctl(EL1_PHYS), wait), CTL_ENABLE | CTL_ISTATUS);
        t.write(TimerReg::Ctl(EL1_PHYS), CTL_ENABLE | CTL_IMASK, wait);
        assert!(!t.outputs(wait)[EL1_PHYS]);
        assert_eq!(t.cycles_to_next_event(wait), None);
    }

    #[test]
    fn event_stream_fires_on_the_chosen_counter_bit_edge() {
        let mut t = GenericTimer::default();
        assert_eq!(t.cycles_to_event_stream(0), None, "off at reset");
        // EVNTEN, EVNTI = 3 (bit 3 of the count: period 16 ticks), 0 to 1 edge at 8, 24...
        t.write(TimerReg::Kctl, (3 << 4) | (1 << 2), 0);
        assert_eq!(t.cycles_to_event_stream(0), Some(cycles_for(8, CPU_HZ) as u64));
        let at8 = cycles_for(8, CPU_HZ) as u64;
        assert_eq!(t.cycles_to_event_stream(at8), Some(cycles_for(24, CPU_HZ) as u64 - at8));
        // EVNTDIR: the 1 to 0 edge, at 16.
        t.write(TimerReg::Kctl, (3 << 4) | (1 << 3) | (1 << 2), 0);
        assert_eq!(t.cycles_to_event_stream(at8), Some(cycles_for(16, CPU_HZ) as u64 - at8));
    }

    #[test]
    fn virtual_timer_counts_from_cntvoff() {
        let mut t = GenericTimer::default();
        t.write(TimerReg::Voff, 1000, 0);
        assert_eq!(t.read(TimerReg::Vct, 42_000), 1512 - 1000);
        t.write(TimerReg::Cval(EL1_VIRT), 10, 0);
        t.write(TimerReg::Ctl(EL1_VIRT), CTL_ENABLE, 0);
        let at = cycles_for(1010, CPU_HZ) as u64;
        assert!(!t.outputs(cycles_for(1005, CPU_HZ) as u64)[EL1_VIRT]);
        assert!(t.outputs(at)[EL1_VIRT]);
        assert_eq!(t.cycles_to_next_event(cycles_for(1005, CPU_HZ) as u64), Some(at - cycles_for(1005, CPU_HZ) as u64));
    }
}

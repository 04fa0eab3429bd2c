//! PSCI 1.1 served by the emulator (Arm DEN 0022D), as QEMU does when no guest firmware
//! runs at EL3: the board routes the conduit (HVC or SMC) here. The handler decides the
//! answer from the caller's registers and a view of the cluster; what it asks of the
//! board (power a core on or off, suspend) comes back as an [`Outcome`].

use bramble_cpu::Cpu;
use log::{debug, warn};

pub const PSCI_VERSION: u32 = 0x8400_0000;
pub const CPU_SUSPEND: u32 = 0x8400_0001;
pub const CPU_OFF: u32 = 0x8400_0002;
pub const CPU_ON: u32 = 0x8400_0003;
pub const AFFINITY_INFO: u32 = 0x8400_0004;
pub const MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
pub const SYSTEM_OFF: u32 = 0x8400_0008;
pub const SYSTEM_RESET: u32 = 0x8400_0009;
pub const PSCI_FEATURES: u32 = 0x8400_000a;
/// SMC Calling Convention version query (answered NOT_SUPPORTED: SMCCC 1.0 semantics).
pub const SMCCC_VERSION: u32 = 0x8000_0000;
/// Bit 30 of a function ID selects the SMC64 calling convention.
const SMC64: u32 = 1 << 30;

const SUCCESS: i64 = 0;
const NOT_SUPPORTED: i64 = -1;
const INVALID_PARAMETERS: i64 = -2;
const DENIED: i64 = -3;
const ALREADY_ON: i64 = -4;
const INVALID_ADDRESS: i64 = -9;

/// PSCI 1.1.
const VERSION_1_1: i64 = 0x0001_0001;
/// MIGRATE_INFO_TYPE: no Trusted OS, so migration is not required.
const TOS_NOT_PRESENT: i64 = 2;
/// AFFINITY_INFO answers.
const AFF_ON: i64 = 0;
const AFF_OFF: i64 = 1;
/// CPU_SUSPEND power_state, original format: StateType (bit 16) says powerdown.
const POWER_STATE_POWERDOWN: u64 = 1 << 16;

/// What the board must do after a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The result is in x0; the caller runs on.
    Continue,
    PowerOff,
    Reset,
    /// Power core `target` on at `entry` at exception level `el` with x0 = `context`
    /// (SUCCESS is already in the caller's x0).
    CpuOn {
        target: usize,
        el: u8,
        entry: u64,
        context: u64,
    },
    /// The caller powers off; the call does not return.
    CpuOff,
    /// The caller waits for an interrupt. Standby (`resume` None) returns SUCCESS to the
    /// instruction after the call; a powerdown state resumes at (el, entry, context).
    Suspend {
        resume: Option<(u8, u64, u64)>,
    },
}

/// What the handler sees of the cluster.
#[derive(Clone, Copy, Debug)]
pub struct Cluster<'a> {
    /// Which cores are on (running or waiting), by index (= MPIDR Aff0).
    pub on: &'a [bool],
    /// RAM as (base, size): an entry point must be in it.
    pub ram: &'a [(u64, u64)],
}

impl Cluster<'_> {
    /// The core a PSCI target_cpu names: Aff0 below the core count, Aff1..Aff3 zero.
    fn core(&self, mpidr: u64) -> Option<usize> {
        let aff0 = (mpidr & 0xff) as usize;
        (mpidr & 0xff_00ff_ff00 == 0 && aff0 < self.on.len()).then_some(aff0)
    }

    fn in_ram(&self, addr: u64) -> bool {
        addr & 3 == 0 && self.ram.iter().any(|&(b, s)| addr >= b && addr - b < s)
    }
}

/// Serves the PSCI call in x0..x3 of `cpu` (core `caller` of `cluster`), writing the
/// result to x0.
pub fn handle(cpu: &mut Cpu, caller: usize, cluster: Cluster) -> Outcome {
    let fid = cpu.xreg(0) as u32;
    let (arg1, arg2, arg3) = (cpu.xreg(1), cpu.xreg(2), cpu.xreg(3));
    // SMC32 calls pass 32-bit arguments.
    let (arg1, arg2, arg3) = if fid & SMC64 == 0 {
        (arg1 & 0xffff_ffff, arg2 & 0xffff_ffff, arg3 & 0xffff_ffff)
    } else {
        (arg1, arg2, arg3)
    };
    let (result, outcome) = match fid & !SMC64 {
        PSCI_VERSION => (VERSION_1_1, Outcome::Continue),
        CPU_SUSPEND => {
            if arg1 & POWER_STATE_POWERDOWN == 0 {
                (SUCCESS, Outcome::Suspend { resume: None })
            } else if !cluster.in_ram(arg2) {
                (INVALID_ADDRESS, Outcome::Continue)
            } else {
                (SUCCESS, Outcome::Suspend { resume: Some((cpu.el(), arg2, arg3)) })
            }
        }
        // Switching off the last running core is refused: nothing could switch it back on
        // (SYSTEM_OFF is the way to stop).
        CPU_OFF if cluster.on.iter().filter(|&&on| on).count() <= 1 => (DENIED, Outcome::Continue),
        CPU_OFF => (SUCCESS, Outcome::CpuOff),
        CPU_ON => match cluster.core(arg1) {
            None => (INVALID_PARAMETERS, Outcome::Continue),
            Some(t) if cluster.on[t] => (ALREADY_ON, Outcome::Continue),
            Some(_) if !cluster.in_ram(arg2) => (INVALID_ADDRESS, Outcome::Continue),
            Some(target) => (SUCCESS, Outcome::CpuOn { target, el: cpu.el(), entry: arg2, context: arg3 }),
        },
        // Level 0 is one core, level 1 the one cluster; bramble has no higher levels.
        AFFINITY_INFO => match (arg2, cluster.core(arg1)) {
            (0, Some(t)) => (if cluster.on[t] { AFF_ON } else { AFF_OFF }, Outcome::Continue),
            (1, _) if arg1 & 0xff_00ff_0000 == 0 && arg1 & 0xff00 == 0 => {
                (if cluster.on.iter().any(|&on| on) { AFF_ON } else { AFF_OFF }, Outcome::Continue)
            }
            _ => (INVALID_PARAMETERS, Outcome::Continue),
        },
        MIGRATE_INFO_TYPE => (TOS_NOT_PRESENT, Outcome::Continue),
        SYSTEM_OFF => (SUCCESS, Outcome::PowerOff),
        SYSTEM_RESET => (SUCCESS, Outcome::Reset),
        PSCI_FEATURES => (if supported(arg1 as u32) { SUCCESS } else { NOT_SUPPORTED }, Outcome::Continue),
        _ => {
            if fid != SMCCC_VERSION {
                warn!(target: "unimp", "firmware call {fid:#x}: not a PSCI 1.1 function bramble serves");
            }
            (NOT_SUPPORTED, Outcome::Continue)
        }
    };
    debug!(target: "exc", "PSCI {fid:#x}({arg1:#x}, {arg2:#x}, {arg3:#x}) from CPU {caller} = {result}");
    cpu.set_xreg(0, result as u64);
    outcome
}

fn supported(fid: u32) -> bool {
    matches!(
        fid & !SMC64,
        PSCI_VERSION
            | CPU_SUSPEND
            | CPU_OFF
            | CPU_ON
            | AFFINITY_INFO
            | MIGRATE_INFO_TYPE
            | SYSTEM_OFF
            | SYSTEM_RESET
            | PSCI_FEATURES
    ) && (fid & SMC64 == 0 || matches!(fid & !SMC64, CPU_SUSPEND | CPU_ON | AFFINITY_INFO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bramble_cpu::Features;

    const RAM: &[(u64, u64)] = &[(0, 1 << 30)];

    fn call_on(on: &[bool], fid: u32, args: [u64; 3]) -> (i64, Outcome) {
        let mut cpu = Cpu::new(Features::CORTEX_A72, 1);
        cpu.set_xreg(0, fid as u64);
        for (i, a) in args.iter().enumerate() {
            cpu.set_xreg(i + 1, *a);
        }
        let out = handle(&mut cpu, 0, Cluster { on, ram: RAM });
        (cpu.xreg(0) as i64, out)
    }

    fn call(fid: u32, arg: u64) -> (i64, Outcome) {
        call_on(&[true], fid, [arg, 0, 0])
    }

    #[test]
    fn version_features_and_power() {
        assert_eq!(call(PSCI_VERSION, 0), (0x10001, Outcome::Continue));
        assert_eq!(call(PSCI_FEATURES, SYSTEM_OFF as u64).0, 0);
        assert_eq!(call(PSCI_FEATURES, (CPU_ON | SMC64) as u64).0, 0);
        assert_eq!(call(PSCI_FEATURES, 0x8400_0010).0, -1);
        assert_eq!(call(SMCCC_VERSION, 0).0, -1);
        assert_eq!(call(SYSTEM_OFF, 0).1, Outcome::PowerOff);
        assert_eq!(call(SYSTEM_RESET, 0).1, Outcome::Reset);
        assert_eq!(call(MIGRATE_INFO_TYPE, 0).0, 2);
    }

    #[test]
    fn topology_of_one_core() {
        assert_eq!(call(CPU_ON | SMC64, 0).0, -4, "CPU 0 is already on");
        assert_eq!(call(CPU_ON | SMC64, 1).0, -2, "no CPU 1");
        assert_eq!(call(AFFINITY_INFO | SMC64, 0).0, 0);
        assert_eq!(call(CPU_OFF, 0).0, -3, "the last core stays on");
    }

    #[test]
    fn cpu_on_off_and_affinity_info_on_four_cores() {
        let on = [true, false, true, false];
        let c64 = CPU_ON | SMC64;
        assert_eq!(
            call_on(&on, c64, [0x8000_0001, 0x8_0000, 42]),
            (0, Outcome::CpuOn { target: 1, el: 1, entry: 0x8_0000, context: 42 })
        );
        assert_eq!(call_on(&on, c64, [2, 0x8_0000, 0]).0, -4, "ALREADY_ON");
        assert_eq!(call_on(&on, c64, [4, 0x8_0000, 0]).0, -2, "no core 4");
        assert_eq!(call_on(&on, c64, [0x100, 0x8_0000, 0]).0, -2, "Aff1 = 1 does not exist");
        assert_eq!(call_on(&on, c64, [1, 1 << 40, 0]).0, -9, "entry outside RAM");
        assert_eq!(call_on(&on, c64, [1, 0x8_0002, 0]).0, -9, "misaligned entry");
        // SMC32: the upper halves of the arguments are ignored.
        assert_eq!(call_on(&on, CPU_ON, [0xdead_0000_0000_0003, 0x8_0000, 0]).0, 0);
        let aff = AFFINITY_INFO | SMC64;
        assert_eq!(call_on(&on, aff, [2, 0, 0]).0, 0, "ON");
        assert_eq!(call_on(&on, aff, [3, 0, 0]).0, 1, "OFF");
        assert_eq!(call_on(&on, aff, [0, 1, 0]).0, 0, "the cluster is on");
        assert_eq!(call_on(&on, aff, [9, 0, 0]).0, -2);
        assert_eq!(call_on(&on, aff, [0, 2, 0]).0, -2, "no level 2");
        assert_eq!(call_on(&on, CPU_OFF, [0; 3]), (0, Outcome::CpuOff));
    }

    #[test]
    fn cpu_suspend_standby_and_powerdown() {
        let s = CPU_SUSPEND | SMC64;
        assert_eq!(call_on(&[true], s, [0, 0, 0]), (0, Outcome::Suspend { resume: None }));
        assert_eq!(
            call_on(&[true], s, [1 << 16, 0x9_0000, 7]),
            (0, Outcome::Suspend { resume: Some((1, 0x9_0000, 7)) })
        );
        assert_eq!(call_on(&[true], s, [1 << 16, !3, 7]).0, -9);
    }
}

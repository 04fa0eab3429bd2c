//! PSCI 1.1 served by the emulator (Arm DEN 0022D), as QEMU does when no guest firmware
//! runs at EL3: the board routes the conduit (HVC or SMC) here. One PE for now; CPU_ON and
//! AFFINITY_INFO already answer for the topology so SMP needs only more cores.

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

/// PSCI 1.1.
const VERSION_1_1: i64 = 0x0001_0001;
/// MIGRATE_INFO_TYPE: no Trusted OS, so migration is not required.
const TOS_NOT_PRESENT: i64 = 2;

/// What the board must do after a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    PowerOff,
    Reset,
}

/// Serves the PSCI call in x0..x3 of `cpu`, writing the result to x0.
pub fn handle(cpu: &mut Cpu) -> Outcome {
    let fid = cpu.xreg(0) as u32;
    let arg1 = cpu.xreg(1);
    let (result, outcome) = match fid & !SMC64 {
        PSCI_VERSION => (VERSION_1_1, Outcome::Continue),
        // Standby: returning at once is a valid wake-up (the caller re-checks its reason).
        CPU_SUSPEND => (SUCCESS, Outcome::Continue),
        // Switching off the last running PE: refused (SYSTEM_OFF is the way).
        CPU_OFF => (DENIED, Outcome::Continue),
        CPU_ON => (if mpidr_is_boot_cpu(arg1) { ALREADY_ON } else { INVALID_PARAMETERS }, Outcome::Continue),
        AFFINITY_INFO => (
            if mpidr_is_boot_cpu(arg1) {
                0 /* ON */
            } else {
                INVALID_PARAMETERS
            },
            Outcome::Continue,
        ),
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
    debug!(target: "exc", "PSCI {fid:#x}({arg1:#x}) = {result}");
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

/// The only PE: affinity 0.0.0.0.
fn mpidr_is_boot_cpu(mpidr: u64) -> bool {
    mpidr & 0xff_00ff_ffff == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use bramble_cpu::Features;

    fn call(fid: u32, arg: u64) -> (i64, Outcome) {
        let mut cpu = Cpu::new(Features::CORTEX_A72, 1);
        cpu.set_xreg(0, fid as u64);
        cpu.set_xreg(1, arg);
        let out = handle(&mut cpu);
        (cpu.xreg(0) as i64, out)
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
        assert_eq!(call(CPU_ON | SMC64, 1).0, -2, "no CPU 1 yet");
        assert_eq!(call(AFFINITY_INFO | SMC64, 0).0, 0);
        assert_eq!(call(CPU_OFF, 0).0, -3);
    }
}

//! Arm semihosting for AArch64 (Arm "Semihosting for AArch32 and AArch64", v2.0): the
//! operation in W0, its parameter block pointer in X1, the result in X0. bramble offers
//! the console only: no host file access.

use bramble_cpu::Cpu;
use bramble_mem::Bus;
use log::warn;

pub const SYS_WRITEC: u64 = 0x03;
pub const SYS_WRITE0: u64 = 0x04;
pub const SYS_WRITE: u64 = 0x05;
pub const SYS_EXIT: u64 = 0x18;
pub const SYS_EXIT_EXTENDED: u64 = 0x20;
/// ADP_Stopped_ApplicationExit: the only exit reason that carries an exit code.
pub const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

/// Longest string SYS_WRITE0 prints, so a missing terminator cannot stall the emulator.
const MAX_STRING: u64 = 1 << 20;

/// Where semihosting output goes: handle 1 (and WRITEC/WRITE0) to `stdout`, handle 2 to
/// `stderr`.
pub trait Console {
    fn stdout(&mut self, bytes: &[u8]);
    fn stderr(&mut self, bytes: &[u8]);
}

/// The outcome of one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The guest goes on.
    Continue,
    /// The guest asked to exit with this code.
    Exit(i32),
}

fn read_u64(bus: &mut Bus, addr: u64) -> Option<u64> {
    bus.ram.read(addr, 8)
}

/// Performs the call the CPU stopped on.
pub fn handle(cpu: &mut Cpu, bus: &mut Bus, console: &mut dyn Console) -> Outcome {
    let op = cpu.xreg(0) & 0xffff_ffff;
    let arg = cpu.xreg(1);
    let result: u64 = match op {
        SYS_WRITEC => match bus.ram.read(arg, 1) {
            Some(c) => {
                console.stdout(&[c as u8]);
                0
            }
            None => u64::MAX,
        },
        SYS_WRITE0 => {
            let mut buf = Vec::new();
            let mut a = arg;
            while let Some(c) = bus.ram.read(a, 1).filter(|&c| c != 0 && a - arg < MAX_STRING) {
                buf.push(c as u8);
                a += 1;
            }
            console.stdout(&buf);
            0
        }
        SYS_WRITE => {
            let block = (read_u64(bus, arg), read_u64(bus, arg + 8), read_u64(bus, arg + 16));
            match block {
                (Some(handle), Some(buf), Some(len)) => match bus.ram.slice(buf, len) {
                    Some(bytes) if handle == 1 || handle == 2 => {
                        if handle == 1 {
                            console.stdout(bytes);
                        } else {
                            console.stderr(bytes);
                        }
                        0
                    }
                    // Bad handle or buffer: nothing written, report every byte unwritten.
                    _ => len,
                },
                _ => u64::MAX,
            }
        }
        SYS_EXIT | SYS_EXIT_EXTENDED => {
            let code = match (read_u64(bus, arg), read_u64(bus, arg + 8)) {
                (Some(ADP_STOPPED_APPLICATION_EXIT), Some(sub)) => sub as i32,
                _ => 1,
            };
            return Outcome::Exit(code);
        }
        _ => {
            warn!(target: "unimp", "semihosting operation {op:#x} (only console output and exit are offered)");
            u64::MAX
        }
    };
    cpu.set_xreg(0, result);
    Outcome::Continue
}

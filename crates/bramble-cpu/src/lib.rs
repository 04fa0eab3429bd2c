//! The AArch64 processing element: register state, the interpreter, exception entry and
//! return, and the system register table.
//!
//! Follows the Arm ARM (DDI 0487): D1 (the AArch64 exception model), C6 (A64 base
//! instruction descriptions) and J1 (shared pseudocode). Instruction semantics are written
//! once, one file per encoding group under `exec/`, and reached only through the shared
//! decoder in `bramble-decode`.

mod alu;
mod block;
mod cpu;
mod exception;
mod exec;
#[cfg(target_arch = "x86_64")]
mod jit;
pub mod mmu;
mod sysreg;
mod timer;
pub mod timing;
mod translate;

pub use cpu::{Broadcast, CodeCache, Cpu, Features, Stats, StopReason, JIT_THRESHOLD};
pub use exception::{Exception, Syndrome};
pub use sysreg::SysRegs;
pub use timer::{count_at, CNTFRQ_HZ, CPU_HZ};
pub use translate::TlbOp;

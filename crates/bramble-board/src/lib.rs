//! The rpi4b board: memory map, device wiring, image loaders, semihosting and the run
//! loop that drives the CPU between device events.

pub mod disk;
pub mod fdt;
pub mod fdt_parse;
pub mod firmware;
pub mod loader;
pub mod machine;
pub mod memmap;
pub mod psci;
pub mod semihosting;

pub use bramble_cpu::{Features, Stats, CPU_HZ, JIT_THRESHOLD};
pub use disk::{DiskError, SdImage};
pub use loader::{load_kernel, ImageHeader, LoadError, Loaded, LoadedKind};
pub use machine::{BoxedInput, Clock, Config, CoreState, CoreStats, Exit, Machine, MachineError, SharedOut, QUANTUM};
pub use memmap::MAX_CPUS;

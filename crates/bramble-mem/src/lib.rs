//! Memory and bus primitives: guest RAM with a host-pointer fast path, the MMIO bus (a
//! range map that refuses overlaps) and interrupt lines as levels.
//!
//! Modelled on rust-vmm `vm-memory`/`vm-device`: the bus does not care what its devices
//! are; a device sees an offset into its own window and an access size, never an
//! absolute address.

mod bus;
mod irq;
mod ram;

pub use bus::{Bus, BusError, MmioDevice};
pub use irq::IrqLine;
pub use ram::{line_mask, Ram, RamError};

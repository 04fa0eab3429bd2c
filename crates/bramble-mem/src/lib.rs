//! Memory and bus primitives: guest RAM with a host-pointer fast path, the MMIO bus (a
//! range map that refuses overlaps), interrupt lines as levels and the device event
//! queue.
//!
//! Modelled on rust-vmm `vm-memory`/`vm-device`: the bus does not care what its devices
//! are; a device sees an offset into its own window and an access size, never an
//! absolute address.

mod bus;
mod events;
mod irq;
mod ram;

pub use bus::{Access, Bus, BusError, MmioDevice};
pub use events::{EventHandle, EventQueue, EventTarget};
pub use irq::{IrqLine, IrqSignal};
pub use ram::{line_mask, Ram, RamError};

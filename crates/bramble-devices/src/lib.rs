//! Device models of the BCM2711 (Raspberry Pi 4) peripherals bramble emulates.
//!
//! A device is plain register logic (rust-vmm `vm-superio` style): `read(offset)` and
//! `write(offset, value)`, with its interrupt line, byte sink and byte source handed in.
//! Devices know no bus, board, file or thread.

pub mod gic400;
pub mod pl011;
pub mod sd;

pub use gic400::Gic400;
pub use pl011::{Pl011, SerialInput, SerialOutput};
pub use sd::{BlockBackend, Emmc2, MemDisk, SdCard};

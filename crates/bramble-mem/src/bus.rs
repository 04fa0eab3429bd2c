//! The MMIO bus: a sorted range map from physical windows to devices.

use log::warn;
use thiserror::Error;

use crate::irq::IrqSignal;
use crate::ram::Ram;

/// Who makes an access and when: the requesting core (banked registers, such as the GIC's
/// per-CPU ones, depend on it) and the virtual time of the access, in nanoseconds (a
/// device that starts something schedules its completion from here).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    pub cpu: usize,
    pub now_ns: u64,
}

/// A memory-mapped device. `offset` is relative to the device's window; `size` is 1, 2, 4
/// or 8. Reads of registers that do not exist return 0 and writes are ignored (the
/// device logs them under `guest_error`).
pub trait MmioDevice {
    /// Reads `size` bytes at `offset`.
    fn read(&mut self, at: Access, offset: u64, size: u8) -> u64;
    /// Writes the low `size` bytes of `value` at `offset`.
    fn write(&mut self, at: Access, offset: u64, size: u8, value: u64);
}

/// Errors building the bus.
#[derive(Debug, Error)]
pub enum BusError {
    #[error("device {name} at {base:#x}+{size:#x} overlaps {other}")]
    Overlap { name: String, base: u64, size: u64, other: String },
    #[error("device {name} has an empty or wrapping window at {base:#x}+{size:#x}")]
    BadWindow { name: String, base: u64, size: u64 },
}

struct Region {
    base: u64,
    size: u64,
    name: String,
    dev: Box<dyn MmioDevice>,
}

/// RAM plus MMIO devices: the CPU's view of physical memory.
pub struct Bus {
    /// Guest RAM; public so the CPU's fast path can reach it without a call.
    pub ram: Ram,
    regions: Vec<Region>,
    /// The core whose accesses the bus carries now, and the virtual time of the access:
    /// the board sets the core before it runs one, the core the time before each device
    /// access.
    access: Access,
    /// Raised by any interrupt source whose level changed: the core stops after the
    /// access so the board can deliver the change.
    irq_signal: IrqSignal,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.regions.iter().map(|r| (&r.name, r.base, r.size)).collect();
        f.debug_struct("Bus").field("ram", &self.ram).field("mmio", &names).finish()
    }
}

impl Bus {
    /// A bus with only RAM.
    pub fn new(ram: Ram) -> Self {
        Self { ram, regions: Vec::new(), access: Access::default(), irq_signal: IrqSignal::default() }
    }

    /// Makes the bus carry `cpu`'s accesses.
    pub fn set_requester(&mut self, cpu: usize) {
        self.access.cpu = cpu;
    }

    /// The core whose accesses the bus carries.
    pub fn requester(&self) -> usize {
        self.access.cpu
    }

    /// Sets the virtual time devices see for the next accesses.
    pub fn set_now_ns(&mut self, ns: u64) {
        self.access.now_ns = ns;
    }

    /// Whether an interrupt source changed a level since the board last delivered.
    pub fn irq_signal_raised(&self) -> bool {
        self.irq_signal.is_raised()
    }

    /// The signal interrupt sources raise when a level changes (hand a clone to every
    /// device and to the interrupt controller).
    pub fn irq_signal(&self) -> IrqSignal {
        self.irq_signal.clone()
    }

    /// Maps `dev` at `[base, base + size)`. Overlaps with RAM or another device are refused.
    pub fn add(&mut self, name: &str, base: u64, size: u64, dev: Box<dyn MmioDevice>) -> Result<(), BusError> {
        let end = base.checked_add(size).filter(|_| size > 0).ok_or_else(|| BusError::BadWindow {
            name: name.into(),
            base,
            size,
        })?;
        for (rb, rl) in self.ram.regions() {
            if base < rb + rl && rb < end {
                return Err(BusError::Overlap { name: name.into(), base, size, other: "RAM".into() });
            }
        }
        if let Some(r) = self.regions.iter().find(|r| base < r.base + r.size && r.base < end) {
            return Err(BusError::Overlap { name: name.into(), base, size, other: r.name.clone() });
        }
        let at = self.regions.partition_point(|r| r.base < base);
        self.regions.insert(at, Region { base, size, name: name.into(), dev });
        Ok(())
    }

    fn find(&mut self, addr: u64, size: u8) -> Option<(&mut Region, u64)> {
        let i = self.regions.partition_point(|r| r.base <= addr).checked_sub(1)?;
        let r = &mut self.regions[i];
        let off = addr - r.base;
        (off + size as u64 <= r.size).then_some((r, off))
    }

    /// Reads physical memory; `None` means nothing answers there (an external abort).
    pub fn read(&mut self, addr: u64, size: u8) -> Option<u64> {
        if let Some(v) = self.ram.read(addr, size as usize) {
            return Some(v);
        }
        let at = self.access;
        let (r, off) = self.find(addr, size)?;
        Some(r.dev.read(at, off, size))
    }

    /// Writes physical memory; `false` means nothing answers there.
    pub fn write(&mut self, addr: u64, size: u8, value: u64) -> bool {
        if self.ram.write(addr, size as usize, value) {
            return true;
        }
        let at = self.access;
        match self.find(addr, size) {
            Some((r, off)) => {
                r.dev.write(at, off, size, value);
                true
            }
            None => {
                warn!(target: "guest_error", "write of {size} bytes to unmapped {addr:#x}");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    struct Recorder(Rc<RefCell<Vec<(u64, u8, u64)>>>);
    impl MmioDevice for Recorder {
        fn read(&mut self, at: Access, offset: u64, _size: u8) -> u64 {
            offset * 2 + at.cpu as u64
        }
        fn write(&mut self, _: Access, offset: u64, size: u8, value: u64) {
            self.0.borrow_mut().push((offset, size, value));
        }
    }

    #[test]
    fn routes_by_offset_and_refuses_overlaps() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut bus = Bus::new(Ram::new(1 << 20).unwrap());
        bus.add("a", 0x1000_0000, 0x1000, Box::new(Recorder(log.clone()))).unwrap();
        assert!(bus.add("b", 0x1000_0800, 0x1000, Box::new(Recorder(log.clone()))).is_err());
        assert!(bus.add("ram", 0x0, 0x10, Box::new(Recorder(log.clone()))).is_err());
        assert!(bus.add("wrap", u64::MAX, 2, Box::new(Recorder(log.clone()))).is_err());
        assert_eq!(bus.read(0x1000_0010, 4), Some(0x20));
        assert!(bus.write(0x1000_0ffc, 4, 7));
        assert_eq!(log.borrow().as_slice(), &[(0xffc, 4, 7)]);
        // Straddling the end of the window, or nothing mapped: no device answers.
        assert_eq!(bus.read(0x1000_0ffe, 4), None);
        assert_eq!(bus.read(0x2000_0000, 4), None);
        // The requester reaches the device.
        bus.set_requester(3);
        assert_eq!(bus.read(0x1000_0010, 4), Some(0x23));
    }
}

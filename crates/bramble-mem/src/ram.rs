//! Guest RAM.
//!
//! The Pi 4 has RAM from physical 0 up to the peripheral window at 0xfc00_0000; RAM beyond
//! that sits above 4 GiB. Both regions are plain zeroed host allocations: the allocator
//! hands out fresh zero pages from the OS, so untouched guest pages cost no host memory.

use thiserror::Error;

/// Where the low region must end: the start of the BCM2711 peripheral window.
pub const LOW_RAM_LIMIT: u64 = 0xfc00_0000;
/// Where RAM that does not fit below the peripherals continues.
pub const HIGH_RAM_BASE: u64 = 0x1_0000_0000;

/// Errors creating guest RAM.
#[derive(Debug, Error)]
pub enum RamError {
    #[error("cannot allocate {0} bytes of guest RAM")]
    Alloc(u64),
}

/// Guest RAM: one region at physical 0 and, for large sizes, one above 4 GiB.
pub struct Ram {
    low: Box<[u8]>,
    high: Box<[u8]>,
}

impl std::fmt::Debug for Ram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ram").field("low", &self.low.len()).field("high", &self.high.len()).finish()
    }
}

fn zeroed(len: u64) -> Result<Box<[u8]>, RamError> {
    let n = usize::try_from(len).map_err(|_| RamError::Alloc(len))?;
    if n == 0 {
        return Ok(Box::default());
    }
    let layout = std::alloc::Layout::array::<u8>(n).map_err(|_| RamError::Alloc(len))?;
    // alloc_zeroed (calloc/mmap) maps untouched pages lazily, and unlike `vec![0; n]` it
    // reports failure instead of aborting, so an absurd --mem is a clean error.
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return Err(RamError::Alloc(len));
    }
    // SAFETY: `ptr` is a fresh, zeroed allocation of exactly `n` bytes with u8 alignment,
    // owned by nobody else; the Box frees it with the same layout.
    Ok(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, n)) })
}

impl Ram {
    /// Allocates `size` bytes of zeroed guest RAM laid out as on the Pi 4.
    pub fn new(size: u64) -> Result<Self, RamError> {
        let low_len = size.min(LOW_RAM_LIMIT);
        let high_len = size - low_len;
        Ok(Self { low: zeroed(low_len)?, high: zeroed(high_len)? })
    }

    /// Total RAM in bytes.
    pub fn size(&self) -> u64 {
        (self.low.len() + self.high.len()) as u64
    }

    /// Length of the region at physical 0.
    #[inline]
    pub fn low_len(&self) -> u64 {
        self.low.len() as u64
    }

    /// The (base, length) of each RAM region, for the device tree and loaders.
    pub fn regions(&self) -> Vec<(u64, u64)> {
        Self::layout(self.size())
    }

    /// Where `size` bytes of RAM go on the Pi 4: below the peripherals, the rest at 4 GiB.
    pub fn layout(size: u64) -> Vec<(u64, u64)> {
        let low = size.min(LOW_RAM_LIMIT);
        let mut r = vec![(0, low)];
        if size > low {
            r.push((HIGH_RAM_BASE, size - low));
        }
        r
    }

    /// The host bytes backing `[addr, addr + len)`, if all of it is RAM in one region.
    #[inline]
    pub fn slice(&self, addr: u64, len: u64) -> Option<&[u8]> {
        let (region, off) = self.locate(addr, len)?;
        region.get(off..off + len as usize)
    }

    /// Mutable form of [`Ram::slice`].
    #[inline]
    pub fn slice_mut(&mut self, addr: u64, len: u64) -> Option<&mut [u8]> {
        let (base, off) = match self.locate(addr, len) {
            Some((_, off)) if addr < HIGH_RAM_BASE => (0, off),
            Some((_, off)) => (1, off),
            None => return None,
        };
        let region = if base == 0 { &mut self.low } else { &mut self.high };
        region.get_mut(off..off + len as usize)
    }

    #[inline]
    fn locate(&self, addr: u64, len: u64) -> Option<(&[u8], usize)> {
        let end = addr.checked_add(len)?;
        if end <= self.low.len() as u64 {
            return Some((&self.low, addr as usize));
        }
        let off = addr.checked_sub(HIGH_RAM_BASE)?;
        if end - HIGH_RAM_BASE <= self.high.len() as u64 {
            return Some((&self.high, off as usize));
        }
        None
    }

    /// Reads a little-endian value of 1, 2, 4 or 8 bytes from the low region: the fast
    /// path every CPU access tries first.
    #[inline(always)]
    pub fn read_low(&self, addr: u64, size: usize) -> Option<u64> {
        let a = usize::try_from(addr).ok()?;
        let bytes = self.low.get(a..a.checked_add(size)?)?;
        Some(le_bytes_to_u64(bytes))
    }

    /// Writes a little-endian value of 1, 2, 4 or 8 bytes to the low region.
    #[inline(always)]
    pub fn write_low(&mut self, addr: u64, size: usize, value: u64) -> bool {
        let Ok(a) = usize::try_from(addr) else { return false };
        let Some(end) = a.checked_add(size) else { return false };
        match self.low.get_mut(a..end) {
            Some(bytes) => {
                bytes.copy_from_slice(&value.to_le_bytes()[..size]);
                true
            }
            None => false,
        }
    }

    /// Reads from either region (the slow path for the high region).
    pub fn read(&self, addr: u64, size: usize) -> Option<u64> {
        self.slice(addr, size as u64).map(le_bytes_to_u64)
    }

    /// Writes to either region.
    pub fn write(&mut self, addr: u64, size: usize, value: u64) -> bool {
        match self.slice_mut(addr, size as u64) {
            Some(bytes) => {
                bytes.copy_from_slice(&value.to_le_bytes()[..size]);
                true
            }
            None => false,
        }
    }
}

#[inline(always)]
fn le_bytes_to_u64(bytes: &[u8]) -> u64 {
    match bytes.len() {
        1 => bytes[0] as u64,
        2 => u16::from_le_bytes([bytes[0], bytes[1]]) as u64,
        4 => u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as u64,
        _ => {
            let mut b = [0u8; 8];
            let n = bytes.len().min(8);
            b[..n].copy_from_slice(&bytes[..n]);
            u64::from_le_bytes(b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_region_round_trips_little_endian() {
        let mut ram = Ram::new(1 << 20).unwrap();
        assert!(ram.write_low(0x100, 8, 0x1122_3344_5566_7788));
        assert_eq!(ram.read_low(0x100, 1), Some(0x88));
        assert_eq!(ram.read_low(0x104, 4), Some(0x1122_3344));
        assert_eq!(ram.read_low((1 << 20) - 4, 8), None);
        assert!(!ram.write_low(u64::MAX - 2, 8, 0));
    }

    #[test]
    fn large_ram_splits_around_the_peripheral_window() {
        // 4 GiB: 0xfc000000 low, 64 MiB high. Nothing is touched, so this costs no memory.
        let mut ram = Ram::new(4 << 30).unwrap();
        assert_eq!(ram.regions(), vec![(0, LOW_RAM_LIMIT), (HIGH_RAM_BASE, 64 << 20)]);
        assert!(ram.write(HIGH_RAM_BASE + 8, 4, 0xdead_beef));
        assert_eq!(ram.read(HIGH_RAM_BASE + 8, 4), Some(0xdead_beef));
        assert_eq!(ram.read(LOW_RAM_LIMIT, 4), None);
    }
}

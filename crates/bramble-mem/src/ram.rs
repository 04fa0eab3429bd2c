//! Guest RAM.
//!
//! The Pi 4 has RAM from physical 0 up to the peripheral window at 0xfc00_0000; RAM beyond
//! that sits above 4 GiB. Both regions are plain zeroed host allocations: the allocator
//! hands out fresh zero pages from the OS, so untouched guest pages cost no host memory.
//!
//! RAM also tracks which 64-byte lines hold code the CPU has translated: every write path
//! (CPU stores, loaders, semihosting, future DMA) goes through here, so a write to such a
//! line is noticed wherever it comes from, and the CPU drops the stale blocks. Lines, not
//! pages, because code and data often share a page (bare-metal images, literal pools,
//! trampolines): page granularity would retranslate on every store to the data.

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
    /// Per 4 KiB page (the low region's first, then the high region's), one bit per
    /// 64-byte line: a block translated from this line is cached.
    code: Box<[u64]>,
    /// (physical page address, lines) of code written since the CPU last looked; the
    /// lines' bits are cleared when listed, so a line appears once until code is cached
    /// from it again.
    code_written: Vec<(u64, u64)>,
}

const PAGE_SHIFT: u32 = 12;
const LINE_SHIFT: u32 = 6;

/// The bit of `addr`'s line in its page's code mask.
#[inline(always)]
fn line_bit(addr: u64) -> u64 {
    1 << ((addr >> LINE_SHIFT) & 63)
}

/// The bits of the 64-byte lines `[off, off + len)` covers within one page
/// (`off + len <= 4096`): the code map's unit, also what the CPU matches blocks against.
pub fn line_mask(off: u64, len: u64) -> u64 {
    if len == 0 {
        return 0;
    }
    let first = off >> LINE_SHIFT;
    let last = (off + len - 1) >> LINE_SHIFT;
    let upto = if last >= 63 { u64::MAX } else { (1u64 << (last + 1)) - 1 };
    upto & !((1u64 << first) - 1)
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
        let pages = low_len.div_ceil(1 << PAGE_SHIFT) + high_len.div_ceil(1 << PAGE_SHIFT);
        let code = vec![0u64; pages as usize].into_boxed_slice();
        Ok(Self { low: zeroed(low_len)?, high: zeroed(high_len)?, code, code_written: Vec::new() })
    }

    /// The low region's host address and length, and the code map's host address (one
    /// u64 of line bits per page, the low region's pages first), for a JIT that accesses
    /// low RAM in generated code. The addresses stay valid as long as the `Ram`. A writer
    /// through them must leave any store that touches a marked line to [`Ram::write`],
    /// which reports it.
    pub fn low_raw(&mut self) -> (usize, u64, usize) {
        (self.low.as_mut_ptr() as usize, self.low.len() as u64, self.code.as_ptr() as usize)
    }

    /// The index of `addr`'s page in the code map, if `addr` is RAM.
    #[inline(always)]
    fn page_index(&self, addr: u64) -> Option<usize> {
        if addr < self.low.len() as u64 {
            return Some((addr >> PAGE_SHIFT) as usize);
        }
        let off = addr.checked_sub(HIGH_RAM_BASE)?;
        if off >= self.high.len() as u64 {
            return None;
        }
        Some((self.low.len() as u64).div_ceil(1 << PAGE_SHIFT) as usize + (off >> PAGE_SHIFT) as usize)
    }

    /// Records that code translated from `[addr, addr + len)` (within one page) is
    /// cached: the next write to those lines is reported by [`Ram::take_code_writes`].
    pub fn mark_code(&mut self, addr: u64, len: u64) {
        let lines = line_mask(addr & 0xfff, len.min(0x1000 - (addr & 0xfff)));
        if let Some(m) = self.page_index(addr).and_then(|i| self.code.get_mut(i)) {
            *m |= lines;
        }
    }

    /// Forgets that `addr`'s page holds cached code (the CPU dropped its blocks); returns
    /// whether any line of it did.
    pub fn unmark_code(&mut self, addr: u64) -> bool {
        match self.page_index(addr).and_then(|i| self.code.get_mut(i)) {
            Some(m) => std::mem::take(m) != 0,
            None => false,
        }
    }

    /// Forgets all cached code (the CPU flushed all its blocks).
    pub fn unmark_all_code(&mut self) {
        self.code.fill(0);
        self.code_written.clear();
    }

    /// Whether a line holding cached code was written since the last
    /// [`Ram::take_code_writes`]: one load, checked by the CPU between blocks.
    #[inline(always)]
    pub fn code_was_written(&self) -> bool {
        !self.code_written.is_empty()
    }

    /// Hands each written (physical page address, line mask) to `f` and forgets them.
    pub fn take_code_writes(&mut self, mut f: impl FnMut(u64, u64)) {
        for (page, lines) in self.code_written.drain(..) {
            f(page, lines);
        }
    }

    /// Checks a write to `[addr, addr + len)` against the code map.
    fn note_write(&mut self, addr: u64, len: u64) {
        let mut at = addr;
        let end = addr.saturating_add(len);
        while at < end {
            let in_page = (0x1000 - (at & 0xfff)).min(end - at);
            let lines = line_mask(at & 0xfff, in_page);
            if let Some(m) = self.page_index(at).and_then(|i| self.code.get_mut(i)) {
                let hit = *m & lines;
                if hit != 0 {
                    *m &= !hit;
                    self.code_written.push((at & !0xfff, hit));
                }
            }
            at += in_page;
        }
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

    /// Mutable form of [`Ram::slice`]. The caller may write any of it, so cached code in
    /// the range is dropped.
    #[inline]
    pub fn slice_mut(&mut self, addr: u64, len: u64) -> Option<&mut [u8]> {
        let (_, off) = self.locate(addr, len)?;
        self.note_write(addr, len);
        // The low region ends below the peripheral window, so below HIGH_RAM_BASE is low.
        let region = if addr < HIGH_RAM_BASE { &mut self.low } else { &mut self.high };
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
                store_le(bytes, value);
                // The store fast path: the first and last byte's lines against the code map.
                let last = end as u64 - 1;
                let mask = |at: u64| self.code.get((at >> PAGE_SHIFT) as usize).copied().unwrap_or(0);
                if (mask(addr) & line_bit(addr)) | (mask(last) & line_bit(last)) != 0 {
                    self.note_write(addr, size as u64);
                }
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
                store_le(bytes, value);
                true
            }
            None => false,
        }
    }
}

/// Stores the low `bytes.len()` bytes of `value`, little-endian. Sized copies, not a
/// variable-length one (that is a memmove call per guest store).
#[inline(always)]
fn store_le(bytes: &mut [u8], value: u64) {
    match bytes.len() {
        1 => bytes[0] = value as u8,
        2 => bytes.copy_from_slice(&(value as u16).to_le_bytes()),
        4 => bytes.copy_from_slice(&(value as u32).to_le_bytes()),
        8 => bytes.copy_from_slice(&value.to_le_bytes()),
        n => bytes.copy_from_slice(&value.to_le_bytes()[..n.min(8)]),
    }
}

#[inline(always)]
fn le_bytes_to_u64(bytes: &[u8]) -> u64 {
    match bytes.len() {
        1 => bytes[0] as u64,
        2 => u16::from_le_bytes([bytes[0], bytes[1]]) as u64,
        4 => u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as u64,
        8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(bytes);
            u64::from_le_bytes(b)
        }
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

    #[test]
    fn writes_to_code_lines_are_reported_once_per_line() {
        let mut ram = Ram::new(5 << 30).unwrap();
        let high = HIGH_RAM_BASE + 0x3000;
        ram.mark_code(0x2000, 0x50); // lines 0 and 1
        ram.mark_code(high, 4);
        assert!(ram.write_low(0x1000, 8, 1), "a page without code");
        assert!(ram.write_low(0x2080, 8, 1), "data in the code page, another line");
        assert!(!ram.code_was_written());
        assert!(ram.write_low(0x203c, 8, 1), "crosses from line 0 into line 1");
        assert!(ram.write_low(0x2000, 4, 1), "the same line again: already reported");
        assert!(ram.write(high + 0x3c, 8, 1));
        let mut seen = Vec::new();
        ram.take_code_writes(|p, l| seen.push((p, l)));
        assert_eq!(seen, vec![(0x2000, 0b11), (high, 0b1)]);
        assert!(!ram.code_was_written());
        ram.mark_code(0x5fc0, 0x40);
        assert!(ram.slice_mut(0x5800, 0x1000).is_some(), "a loader writing over code");
        ram.take_code_writes(|p, l| seen.push((p, l)));
        assert_eq!(seen.last(), Some(&(0x5000, 1 << 63)));
        ram.mark_code(0x6000, 4);
        assert!(ram.unmark_code(0x6000));
        assert!(ram.write_low(0x6000, 1, 0));
        assert!(!ram.code_was_written(), "unmarked by the CPU (IC IVAU)");
    }

    #[test]
    fn line_masks() {
        assert_eq!(line_mask(0, 1), 1);
        assert_eq!(line_mask(0x3c, 8), 0b11);
        assert_eq!(line_mask(0, 0x1000), u64::MAX);
        assert_eq!(line_mask(0xfc0, 0x40), 1 << 63);
        assert_eq!(line_mask(0x40, 0), 0);
    }
}

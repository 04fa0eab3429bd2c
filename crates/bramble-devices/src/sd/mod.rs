//! SD storage: the card's command layer ([`card`]) and the BCM2711's EMMC2 SD host
//! controller ([`emmc2`]), with the card's bytes behind a [`BlockBackend`] that the board
//! provides (a file, an overlay, or memory in tests).

pub mod card;
pub mod emmc2;

pub use card::SdCard;
pub use emmc2::Emmc2;

/// Where a card's bytes live. Offsets and lengths are whole 512-byte blocks' worth in
/// practice, but a backend must not assume it.
pub trait BlockBackend {
    /// The backing size in bytes.
    fn size(&self) -> u64;
    /// Fills `buf` from `offset`.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()>;
    /// Writes `buf` at `offset`. When it returns, the bytes must survive the emulator
    /// being killed (they are in the host's page cache at least).
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> std::io::Result<()>;
    /// Makes every write so far durable (called at exit).
    fn flush(&mut self) -> std::io::Result<()>;
    /// Whether writes are refused (the card then reports write protection).
    fn read_only(&self) -> bool;
}

/// A card image in memory, for tests and for guests that want a scratch card.
#[derive(Clone, Debug, Default)]
pub struct MemDisk {
    pub bytes: Vec<u8>,
    pub read_only: bool,
}

impl BlockBackend for MemDisk {
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let src = usize::try_from(offset)
            .ok()
            .and_then(|o| self.bytes.get(o..o.checked_add(buf.len())?))
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(src);
        Ok(())
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> std::io::Result<()> {
        if self.read_only {
            return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        }
        let dst = usize::try_from(offset)
            .ok()
            .and_then(|o| self.bytes.get_mut(o..o.checked_add(buf.len())?))
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
        dst.copy_from_slice(buf);
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
}

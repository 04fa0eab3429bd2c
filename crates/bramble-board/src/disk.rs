//! SD card images on the host: a raw image file, opened read-write (with an exclusive
//! lock, so two emulators cannot write one image), read-only (a shared lock; the card
//! reports write protection), or as a snapshot (QEMU's `-snapshot`: the file is read
//! through a shared lock and never written; the guest's writes land in an overlay in
//! memory and are gone at exit).
//!
//! Durability: a write reaches the file (the host's page cache) before the card reports
//! it complete, so killing bramble loses nothing the guest saw written; `flush` syncs the
//! file to the disk, at every exit.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use bramble_devices::sd::card::{BLOCK, CAPACITY_UNIT, MAX_CAPACITY};
use bramble_devices::BlockBackend;
use thiserror::Error;

/// How to attach an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdImage {
    pub path: PathBuf,
    /// The card reports write protection and the file is opened read-only.
    pub read_only: bool,
    /// Writes go to a discarded overlay (`--snapshot`).
    pub snapshot: bool,
}

/// Why an image cannot be attached.
#[derive(Debug, Error)]
pub enum DiskError {
    #[error("{path}: cannot open the SD card image: {source}")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("{path}: is a directory, not an SD card image")]
    Directory { path: PathBuf },
    #[error("{path}: the SD card image is empty")]
    Empty { path: PathBuf },
    #[error("{path}: the SD card image is {size} bytes, not a multiple of 512")]
    NotBlocks { path: PathBuf, size: u64 },
    #[error("{path}: the SD card image is {size} bytes; a card holds 512 KiB to 2 TiB")]
    Size { path: PathBuf, size: u64 },
    #[error("{path}: the SD card image is in use by another process (another bramble?): it is locked")]
    Locked { path: PathBuf },
}

/// Opens an image as the card's backend.
pub fn open(img: &SdImage) -> Result<Box<dyn BlockBackend>, DiskError> {
    let path = &img.path;
    let io = |source| DiskError::Open { path: path.clone(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(DiskError::Directory { path: path.clone() });
    }
    let writable = !img.read_only && !img.snapshot;
    let file = OpenOptions::new().read(true).write(writable).open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size == 0 {
        return Err(DiskError::Empty { path: path.clone() });
    }
    if !size.is_multiple_of(BLOCK as u64) {
        return Err(DiskError::NotBlocks { path: path.clone(), size });
    }
    if !(CAPACITY_UNIT..=MAX_CAPACITY).contains(&size) {
        return Err(DiskError::Size { path: path.clone(), size });
    }
    let locked = if writable { file.try_lock() } else { file.try_lock_shared() };
    match locked {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(DiskError::Locked { path: path.clone() }),
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    if !size.is_multiple_of(CAPACITY_UNIT) {
        log::warn!(
            "{}: {} bytes is not a whole number of 512 KiB; the card shows the first {} bytes",
            path.display(),
            size,
            size / CAPACITY_UNIT * CAPACITY_UNIT
        );
    }
    let disk = FileDisk { file, size, read_only: img.read_only, path: path.clone() };
    Ok(if img.snapshot { Box::new(Snapshot { base: disk, overlay: HashMap::new() }) } else { Box::new(disk) })
}

/// A raw image file. The lock is the file's own and goes with it.
struct FileDisk {
    file: File,
    size: u64,
    read_only: bool,
    path: PathBuf,
}

impl BlockBackend for FileDisk {
    fn size(&self) -> u64 {
        self.size
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> std::io::Result<()> {
        if self.read_only {
            return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        }
        // Never past the end: the card's capacity is within the file.
        if offset.checked_add(buf.len() as u64).is_none_or(|end| end > self.size) {
            return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        }
        self.file.write_all_at(buf, offset)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.read_only {
            return Ok(());
        }
        self.file.sync_data()
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
}

impl Drop for FileDisk {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            log::error!("{}: syncing the SD card image failed: {e}", self.path.display());
        }
    }
}

/// `--snapshot`: reads fall through to the file unless the guest wrote the block.
struct Snapshot {
    base: FileDisk,
    overlay: HashMap<u64, Box<[u8; BLOCK]>>,
}

impl BlockBackend for Snapshot {
    fn size(&self) -> u64 {
        self.base.size
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.base.read_at(offset, buf)?;
        for (i, chunk) in buf.chunks_mut(BLOCK).enumerate() {
            let at = offset + (i * BLOCK) as u64;
            if at.is_multiple_of(BLOCK as u64) {
                if let Some(b) = self.overlay.get(&(at / BLOCK as u64)) {
                    chunk.copy_from_slice(&b[..chunk.len()]);
                }
            }
        }
        Ok(())
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> std::io::Result<()> {
        if self.base.read_only || !offset.is_multiple_of(BLOCK as u64) {
            return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        }
        if offset.checked_add(buf.len() as u64).is_none_or(|end| end > self.base.size) {
            return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        }
        for (i, chunk) in buf.chunks(BLOCK).enumerate() {
            let lba = offset / BLOCK as u64 + i as u64;
            let block = self.overlay.entry(lba).or_insert_with(|| Box::new([0; BLOCK]));
            if chunk.len() < BLOCK {
                self.base.read_at(lba * BLOCK as u64, &mut block[..])?;
            }
            block[..chunk.len()].copy_from_slice(chunk);
        }
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn read_only(&self) -> bool {
        self.base.read_only
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::path::Path;

    fn image(name: &str, len: usize) -> PathBuf {
        let p = std::env::temp_dir().join(format!("bramble-disk-{}-{name}.img", std::process::id()));
        std::fs::write(&p, vec![7u8; len]).unwrap();
        p
    }

    fn img(path: &Path, read_only: bool, snapshot: bool) -> SdImage {
        SdImage { path: path.into(), read_only, snapshot }
    }

    #[test]
    fn bad_images_are_refused_with_the_reason() {
        let dir = std::env::temp_dir();
        let err = |p: &Path| open(&img(p, false, false)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(&dir).contains("is a directory"));
        assert!(err(&dir.join("bramble-no-such-image")).contains("cannot open"));
        assert!(err(&image("empty", 0)).contains("empty"));
        assert!(err(&image("odd", 1000)).contains("not a multiple of 512"));
        assert!(err(&image("tiny", 4096)).contains("512 KiB to 2 TiB"));
    }

    #[test]
    fn a_writable_image_is_locked_against_a_second_user() {
        let p = image("locked", 1 << 20);
        let first = open(&img(&p, false, false)).unwrap();
        let second = open(&img(&p, false, false)).err().unwrap().to_string();
        assert!(second.contains("locked"), "{second}");
        assert!(open(&img(&p, true, false)).is_err(), "a reader waits for the writer too");
        drop(first);
        let r1 = open(&img(&p, true, false)).unwrap();
        let _r2 = open(&img(&p, false, true)).unwrap();
        assert!(open(&img(&p, false, false)).is_err(), "readers keep writers out");
        drop(r1);
    }

    #[test]
    fn writes_reach_the_file_and_snapshots_leave_it_alone() {
        let p = image("rw", 1 << 20);
        {
            let mut d = open(&img(&p, false, false)).unwrap();
            d.write_at(512, &[1; 512]).unwrap();
            assert!(d.write_at((1 << 20) - 256, &[1; 512]).is_err(), "never grows the file");
        }
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!((bytes[511], bytes[512], bytes.len()), (7, 1, 1 << 20));
        let mut s = open(&img(&p, false, true)).unwrap();
        s.write_at(0, &[9; 1024]).unwrap();
        let mut b = [0u8; 1536];
        s.read_at(0, &mut b).unwrap();
        assert_eq!((b[0], b[1023], b[1024]), (9, 9, 7), "the overlay, then the file");
        drop(s);
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "the file is untouched");
        let mut r = open(&img(&p, true, false)).unwrap();
        assert!(r.read_only() && r.write_at(0, &[0; 512]).is_err());
    }
}

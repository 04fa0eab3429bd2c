//! Guest image loaders, one module per format (rust-vmm `linux-loader` style): ELF, the
//! Linux arm64 `Image` and raw binaries. Every failing step has its own error naming the
//! file and what is wrong with it.

mod elf;
mod image;
mod raw;

use std::path::{Path, PathBuf};

use bramble_mem::Bus;
use thiserror::Error;

pub use image::ImageHeader;

/// Errors loading a guest image.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: is a directory, not an image file")]
    Directory { path: PathBuf },
    #[error("{path}: file is empty")]
    Empty { path: PathBuf },
    #[error("{path}: corrupt ELF: {reason}")]
    BadElf { path: PathBuf, reason: String },
    #[error("{path}: ELF is for {what}, not 64-bit little-endian AArch64")]
    ElfWrongArch { path: PathBuf, what: String },
    #[error("{path}: ELF segment at file offset {offset:#x}+{size:#x} runs past the end of the file ({len:#x} bytes): truncated?")]
    ElfTruncated { path: PathBuf, offset: u64, size: u64, len: u64 },
    #[error("{path}: ELF has no loadable segments")]
    ElfNoSegments { path: PathBuf },
    #[error("{path}: {what} {addr:#x}+{size:#x} is outside guest RAM ({ram:#x} bytes at 0)")]
    OutsideRam { path: PathBuf, what: &'static str, addr: u64, size: u64, ram: u64 },
    #[error("{path}: entry point {entry:#x} is outside the loaded image and guest RAM")]
    EntryOutsideRam { path: PathBuf, entry: u64 },
    #[error("{path}: truncated arm64 Image: {reason}")]
    ImageTruncated { path: PathBuf, reason: String },
    #[error("{path}: arm64 Image is {reason}; bramble runs little-endian kernels with 4K pages")]
    ImageUnsupported { path: PathBuf, reason: String },
    #[error("{path}: --load-addr {addr:#x} is not 2 MiB aligned, as an arm64 Image requires")]
    ImageMisaligned { path: PathBuf, addr: u64 },
}

/// What kind of image was loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadedKind {
    Elf,
    Image(ImageHeader),
    Raw,
}

/// Where an image landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub kind: LoadedKind,
    /// Physical address execution starts at.
    pub entry: u64,
    /// Lowest and one-past-highest physical address the image occupies (incl. BSS).
    pub start: u64,
    pub end: u64,
}

/// The Pi firmware's traditional load address for a raw kernel8.img.
pub const DEFAULT_RAW_LOAD_ADDR: u64 = 0x8_0000;

/// Reads `path` and loads it by its format: ELF (by magic), arm64 Image (by the header
/// magic at 0x38), otherwise a raw binary at `load_addr` (default 0x80000).
pub fn load_kernel(path: &Path, bus: &mut Bus, load_addr: Option<u64>) -> Result<Loaded, LoadError> {
    let bytes = read_file(path)?;
    if bytes.starts_with(b"\x7fELF") {
        elf::load(path, &bytes, bus)
    } else if ImageHeader::looks_like_image(&bytes) {
        image::load(path, &bytes, bus, load_addr)
    } else {
        raw::load(path, &bytes, bus, load_addr.unwrap_or(DEFAULT_RAW_LOAD_ADDR))
    }
}

/// Reads a whole input file, refusing directories and empty files.
pub fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    let io = |source| LoadError::Io { path: path.into(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(LoadError::Directory { path: path.into() });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    if bytes.is_empty() {
        return Err(LoadError::Empty { path: path.into() });
    }
    Ok(bytes)
}

/// Copies `data` to guest RAM at `addr`, reserving `reserve` bytes (>= data.len()).
pub(crate) fn place(
    path: &Path,
    what: &'static str,
    bus: &mut Bus,
    addr: u64,
    data: &[u8],
    reserve: u64,
) -> Result<(), LoadError> {
    let ram = bus.ram.size();
    let outside = || LoadError::OutsideRam { path: path.into(), what, addr, size: reserve, ram };
    // The reservation (e.g. BSS) must be RAM too, or the guest would scribble on MMIO.
    if reserve > 0 && bus.ram.slice(addr, reserve).is_none() {
        return Err(outside());
    }
    let dst = bus.ram.slice_mut(addr, data.len() as u64).ok_or_else(outside)?;
    dst.copy_from_slice(data);
    Ok(())
}

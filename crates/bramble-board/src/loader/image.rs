//! The Linux arm64 `Image` format (Documentation/arm64/booting.rst, "Call the kernel
//! image"): a 64-byte header with text_offset, image_size and flags, loaded at
//! `text_offset` past a 2 MiB-aligned base with `image_size` bytes reserved.

use std::path::Path;

use bramble_mem::Bus;

use super::{place, LoadError, Loaded, LoadedKind};

const HEADER_LEN: usize = 64;
const MAGIC_OFFSET: usize = 0x38;
const MAGIC: u32 = 0x644d_5241; // "ARM\x64"
const ALIGN: u64 = 2 << 20;
/// Where an Image goes without --load-addr: the first 2 MiB boundary above the spin
/// tables and firmware area at the bottom of RAM.
pub const DEFAULT_IMAGE_BASE: u64 = 0x20_0000;

/// The fields of the arm64 Image header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageHeader {
    pub text_offset: u64,
    pub image_size: u64,
    pub flags: u64,
}

impl ImageHeader {
    /// Whether the bytes carry the Image magic.
    pub fn looks_like_image(bytes: &[u8]) -> bool {
        bytes.len() >= MAGIC_OFFSET + 4 && le32(bytes, MAGIC_OFFSET) == MAGIC
    }

    /// Parses and checks the header; `Err` holds what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() < HEADER_LEN {
            return Err(format!("{} bytes, shorter than the 64-byte header", bytes.len()));
        }
        if le32(bytes, MAGIC_OFFSET) != MAGIC {
            return Err("no ARM\\x64 magic at offset 0x38".into());
        }
        let h = Self { text_offset: le64(bytes, 8), image_size: le64(bytes, 16), flags: le64(bytes, 24) };
        // With the EFI stub (code0 = "MZ") the PE header offset must lie inside the file.
        if bytes.starts_with(b"MZ") {
            let pe = le32(bytes, 0x3c) as usize;
            if pe.checked_add(4).is_none_or(|end| end > bytes.len()) {
                return Err(format!("PE header offset {pe:#x} is past the end of the {}-byte file", bytes.len()));
            }
        }
        if h.image_size != 0 && h.image_size < bytes.len() as u64 {
            return Err(format!(
                "header image_size {:#x} is smaller than the file ({:#x} bytes)",
                h.image_size,
                bytes.len()
            ));
        }
        Ok(h)
    }

    /// Bytes to reserve from the load address: image_size, or the file when it is 0
    /// (kernels before 3.17).
    pub fn effective_size(&self, file_len: usize) -> u64 {
        if self.image_size == 0 {
            file_len as u64
        } else {
            self.image_size
        }
    }

    /// Page size from flags bits 1-2 (0 = unspecified, 1 = 4K, 2 = 16K, 3 = 64K).
    pub fn page_size_field(&self) -> u64 {
        (self.flags >> 1) & 3
    }
}

fn le32(b: &[u8], off: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[off..off + 4]);
    u32::from_le_bytes(x)
}

fn le64(b: &[u8], off: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(x)
}

pub(super) fn load(path: &Path, bytes: &[u8], bus: &mut Bus, base: Option<u64>) -> Result<Loaded, LoadError> {
    let h = ImageHeader::parse(bytes).map_err(|reason| LoadError::ImageTruncated { path: path.into(), reason })?;
    if h.flags & 1 != 0 {
        return Err(LoadError::ImageUnsupported { path: path.into(), reason: "big-endian".into() });
    }
    if !matches!(h.page_size_field(), 0 | 1) {
        return Err(LoadError::ImageUnsupported {
            path: path.into(),
            reason: format!("built for {}K pages", if h.page_size_field() == 2 { 16 } else { 64 }),
        });
    }
    let base = base.unwrap_or(DEFAULT_IMAGE_BASE);
    if !base.is_multiple_of(ALIGN) {
        return Err(LoadError::ImageMisaligned { path: path.into(), addr: base });
    }
    let addr = base.checked_add(h.text_offset).ok_or_else(|| LoadError::ImageUnsupported {
        path: path.into(),
        reason: format!("text_offset {:#x} absurd", h.text_offset),
    })?;
    let size = h.effective_size(bytes.len());
    place(path, "kernel Image", bus, addr, bytes, size)?;
    Ok(Loaded { kind: LoadedKind::Image(h), entry: addr, start: addr, end: addr + size })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text_offset: u64, image_size: u64, flags: u64, len: usize) -> Vec<u8> {
        let mut b = vec![0u8; len];
        b[8..16].copy_from_slice(&text_offset.to_le_bytes());
        b[16..24].copy_from_slice(&image_size.to_le_bytes());
        b[24..32].copy_from_slice(&flags.to_le_bytes());
        b[0x38..0x3c].copy_from_slice(&MAGIC.to_le_bytes());
        b
    }

    #[test]
    fn parses_debian_style_header() {
        let h = ImageHeader::parse(&header(0, 0x2010000, 0xa, 4096)).unwrap();
        assert_eq!(h, ImageHeader { text_offset: 0, image_size: 0x2010000, flags: 0xa });
        assert_eq!(h.page_size_field(), 1);
    }

    #[test]
    fn rejects_truncated_efi_image() {
        let mut b = header(0, 0x10000, 0xa, 64);
        b[0] = b'M';
        b[1] = b'Z';
        b[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
        assert!(ImageHeader::parse(&b).unwrap_err().contains("PE header"));
        assert!(ImageHeader::parse(&b[..60]).is_err());
    }

    #[test]
    fn rejects_image_size_smaller_than_file() {
        assert!(ImageHeader::parse(&header(0, 0x100, 0xa, 0x1000)).is_err());
    }
}

//! Raw binaries: the file's bytes at a given physical address, entered at its first byte.

use std::path::Path;

use bramble_mem::Bus;

use super::{place, LoadError, Loaded, LoadedKind};

pub(super) fn load(path: &Path, bytes: &[u8], bus: &mut Bus, addr: u64) -> Result<Loaded, LoadError> {
    place(path, "raw image", bus, addr, bytes, bytes.len() as u64)?;
    Ok(Loaded { kind: LoadedKind::Raw, entry: addr, start: addr, end: addr + bytes.len() as u64 })
}

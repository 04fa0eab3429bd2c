//! ELF64 AArch64 executables (goblin): PT_LOAD segments at their physical addresses,
//! execution from the entry point.

use std::path::Path;

use bramble_mem::Bus;
use goblin::elf::{header, program_header::PT_LOAD, Elf};

use super::{place, LoadError, Loaded, LoadedKind};

pub(super) fn load(path: &Path, bytes: &[u8], bus: &mut Bus) -> Result<Loaded, LoadError> {
    let elf = Elf::parse(bytes).map_err(|e| LoadError::BadElf { path: path.into(), reason: e.to_string() })?;
    if !elf.is_64 || !elf.little_endian || elf.header.e_machine != header::EM_AARCH64 {
        let what = format!(
            "{}-bit {}-endian {}",
            if elf.is_64 { 64 } else { 32 },
            if elf.little_endian { "little" } else { "big" },
            header::machine_to_str(elf.header.e_machine)
        );
        return Err(LoadError::ElfWrongArch { path: path.into(), what });
    }
    let mut start = u64::MAX;
    let mut end = 0u64;
    let mut entry = None;
    for ph in elf.program_headers.iter().filter(|p| p.p_type == PT_LOAD && p.p_memsz > 0) {
        let file_end = ph.p_offset.checked_add(ph.p_filesz).filter(|&e| e <= bytes.len() as u64);
        let Some(file_end) = file_end else {
            return Err(LoadError::ElfTruncated {
                path: path.into(),
                offset: ph.p_offset,
                size: ph.p_filesz,
                len: bytes.len() as u64,
            });
        };
        if ph.p_filesz > ph.p_memsz {
            return Err(LoadError::BadElf {
                path: path.into(),
                reason: format!("segment at {:#x} has p_filesz > p_memsz", ph.p_paddr),
            });
        }
        let data = &bytes[ph.p_offset as usize..file_end as usize];
        place(path, "ELF segment", bus, ph.p_paddr, data, ph.p_memsz)?;
        // BSS: the tail past p_filesz is already zero in fresh RAM, but clear it anyway
        // so a reload over used RAM is correct.
        if ph.p_memsz > ph.p_filesz {
            if let Some(bss) = bus.ram.slice_mut(ph.p_paddr + ph.p_filesz, ph.p_memsz - ph.p_filesz) {
                bss.fill(0);
            }
        }
        start = start.min(ph.p_paddr);
        end = end.max(ph.p_paddr + ph.p_memsz);
        // The MMU is off at entry: an entry given as a virtual address is translated
        // through the segment that contains it.
        if (ph.p_vaddr..ph.p_vaddr + ph.p_memsz).contains(&elf.entry) {
            entry = Some(elf.entry - ph.p_vaddr + ph.p_paddr);
        }
    }
    if end == 0 {
        return Err(LoadError::ElfNoSegments { path: path.into() });
    }
    let entry = entry.unwrap_or(elf.entry);
    if bus.ram.slice(entry, 4).is_none() {
        return Err(LoadError::EntryOutsideRam { path: path.into(), entry });
    }
    Ok(Loaded { kind: LoadedKind::Elf, entry, start, end })
}

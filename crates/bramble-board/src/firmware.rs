//! What the Raspberry Pi 4's firmware does before the kernel runs, for `bramble run --sd
//! card.img` without `--kernel`: find the FAT boot partition in the card's MBR, read
//! `config.txt` and `cmdline.txt`, and pick the kernel, initramfs and device tree they
//! name (Raspberry Pi documentation, "config.txt": the boot options and conditional
//! filters sections).
//!
//! Keys honoured: `kernel`, `initramfs FILE [followkernel]`, `device_tree`, `cmdline`,
//! `arm_64bit`, `total_mem`, `enable_uart` (bramble's UART is always on); filters
//! `[all]`, `[pi4]`, `[board-type=...]` for the Pi 4 and `[none]`. Other keys (display,
//! overclocking, overlays) do not apply to bramble's board and are ignored with a log
//! line. The generated device tree is used unless `device_tree=` names one.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// What the boot partition says to boot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootFiles {
    pub kernel: Vec<u8>,
    pub kernel_name: String,
    pub initrd: Option<Vec<u8>>,
    pub dtb: Option<Vec<u8>>,
    /// `cmdline.txt` (or the file `cmdline=` names), trimmed to one line.
    pub cmdline: Option<String>,
    /// `total_mem` in bytes.
    pub mem: Option<u64>,
}

/// Why a card cannot be booted.
#[derive(Debug, Error)]
pub enum FirmwareError {
    #[error("{path}: cannot read the SD card image: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: no FAT boot partition in the card's MBR partition table (nothing to boot without --kernel)")]
    NoBootPartition { path: PathBuf },
    #[error("{path}: the boot partition is not a readable FAT file system: {reason}")]
    BadFat { path: PathBuf, reason: String },
    #[error("{path}: the boot partition has no {file} (named by {why})")]
    Missing { path: PathBuf, file: String, why: String },
    #[error("{path}: config.txt asks for a 32-bit kernel (arm_64bit=0); bramble's Cortex-A72 boots 64-bit kernels")]
    Not64Bit { path: PathBuf },
}

/// MBR partition types of FAT: FAT12, FAT16 (<32M, >32M), FAT32 (CHS, LBA), FAT16 LBA.
const FAT_TYPES: [u8; 6] = [0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e];

/// A window of the image file: the partition as a device of its own. Writes are refused
/// (the firmware only reads).
struct Partition {
    file: File,
    start: u64,
    len: u64,
    pos: u64,
}

impl Read for Partition {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        self.file.seek(SeekFrom::Start(self.start + self.pos))?;
        let got = self.file.read(&mut buf[..n])?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl Write for Partition {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for Partition {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(o) => Some(o),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        Ok(self.pos)
    }
}

/// The first FAT partition of the MBR: (byte offset, byte length).
fn boot_partition(mbr: &[u8; 512]) -> Option<(u64, u64)> {
    if mbr[510..512] != [0x55, 0xaa] {
        return None;
    }
    (0..4).find_map(|i| {
        let e = &mbr[446 + 16 * i..462 + 16 * i];
        let lba = u32::from_le_bytes([e[8], e[9], e[10], e[11]]) as u64;
        let sectors = u32::from_le_bytes([e[12], e[13], e[14], e[15]]) as u64;
        (FAT_TYPES.contains(&e[4]) && sectors > 0).then_some((lba * 512, sectors * 512))
    })
}

/// The settings of config.txt that apply to a Pi 4: `key=value` lines and the
/// space-separated `initramfs` line, in sections whose filter matches.
fn parse_config(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut active = true;
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(filter) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let f = filter.trim().to_ascii_lowercase();
            active = matches!(f.as_str(), "all" | "pi4" | "pi400" | "cm4") || f.starts_with("board-type=0x11");
            continue;
        }
        if !active {
            continue;
        }
        if let Some(rest) = line.strip_prefix("initramfs ") {
            out.push(("initramfs".into(), rest.trim().to_string()));
        } else if let Some((k, v)) = line.split_once('=') {
            out.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        } else {
            log::info!("config.txt: '{line}' is not a setting bramble knows; ignored");
        }
    }
    out
}

/// Reads the boot partition of the card image at `path`.
pub fn read_boot_files(path: &Path) -> Result<BootFiles, FirmwareError> {
    let io = |source| FirmwareError::Io { path: path.into(), source };
    let mut file = File::open(path).map_err(io)?;
    let mut mbr = [0u8; 512];
    file.read_exact(&mut mbr).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let (start, len) = boot_partition(&mbr)
        .filter(|&(s, l)| s.checked_add(l).is_some_and(|end| end <= size))
        .ok_or_else(|| FirmwareError::NoBootPartition { path: path.into() })?;
    let part = Partition { file, start, len, pos: 0 };
    let bad = |e: std::io::Error| FirmwareError::BadFat { path: path.into(), reason: e.to_string() };
    let fs = fatfs::FileSystem::new(part, fatfs::FsOptions::new()).map_err(bad)?;
    let root = fs.root_dir();
    let read = |name: &str| -> Option<Vec<u8>> {
        let mut f = root.open_file(name.trim_start_matches('/')).ok()?;
        let mut v = Vec::new();
        f.read_to_end(&mut v).ok()?;
        Some(v)
    };
    let config = read("config.txt").map(|b| parse_config(&String::from_utf8_lossy(&b))).unwrap_or_default();
    let get = |key: &str| config.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    if get("arm_64bit").is_some_and(|v| v.trim() == "0") {
        return Err(FirmwareError::Not64Bit { path: path.into() });
    }
    for (k, _) in &config {
        if !matches!(
            k.as_str(),
            "kernel" | "initramfs" | "device_tree" | "cmdline" | "arm_64bit" | "total_mem" | "enable_uart"
        ) {
            log::info!("config.txt: {k} does not apply to bramble's board; ignored");
        }
    }
    let missing = |file: String, why: &str| FirmwareError::Missing { path: path.into(), file, why: why.into() };
    let kernel_name = get("kernel").unwrap_or_else(|| "kernel8.img".into());
    let why = if get("kernel").is_some() { "config.txt's kernel=" } else { "the firmware's default for a 64-bit Pi 4" };
    let kernel = read(&kernel_name).ok_or_else(|| missing(kernel_name.clone(), why))?;
    let initrd = match get("initramfs") {
        Some(spec) => {
            let name = spec.split_whitespace().next().unwrap_or("").to_string();
            Some(read(&name).ok_or_else(|| missing(name, "config.txt's initramfs"))?)
        }
        None => None,
    };
    let dtb = match get("device_tree") {
        Some(name) if !name.is_empty() => Some(read(&name).ok_or_else(|| missing(name, "config.txt's device_tree="))?),
        _ => None,
    };
    let cmdline_name = get("cmdline").unwrap_or_else(|| "cmdline.txt".into());
    let cmdline =
        read(&cmdline_name).map(|b| String::from_utf8_lossy(&b).lines().next().unwrap_or("").trim().to_string());
    let mem = get("total_mem").and_then(|v| v.parse::<u64>().ok()).map(|mib| mib << 20);
    Ok(BootFiles { kernel, kernel_name, initrd, dtb, cmdline, mem })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_filters_and_the_initramfs_line() {
        let text = "# boot\nkernel=k.img\n[pi3]\nkernel=wrong.img\n[pi4]\ninitramfs initrd.img followkernel\n\
                    arm_64bit=1\n[none]\ntotal_mem=64\n[all]\ndevice_tree=my.dtb # mine\n";
        let c = parse_config(text);
        assert_eq!(
            c,
            [
                ("kernel", "k.img"),
                ("initramfs", "initrd.img followkernel"),
                ("arm_64bit", "1"),
                ("device_tree", "my.dtb")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn the_first_fat_partition_is_the_boot_partition() {
        let mut mbr = [0u8; 512];
        mbr[510] = 0x55;
        mbr[511] = 0xaa;
        // p1 Linux, p2 FAT32 LBA at sector 2048, 4096 sectors.
        mbr[446 + 4] = 0x83;
        mbr[446 + 12] = 1;
        let p2 = 446 + 16;
        mbr[p2 + 4] = 0x0c;
        mbr[p2 + 8..p2 + 12].copy_from_slice(&2048u32.to_le_bytes());
        mbr[p2 + 12..p2 + 16].copy_from_slice(&4096u32.to_le_bytes());
        assert_eq!(boot_partition(&mbr), Some((2048 * 512, 4096 * 512)));
        mbr[511] = 0;
        assert_eq!(boot_partition(&mbr), None, "no MBR signature");
    }
}

//! The BCM2711 memory map in low-peripheral mode (BCM2711 ARM Peripherals, section 1.2;
//! shared/reference/linux-boot.md section 5.1) and the board's wiring. One table holds
//! every device's name, window, interrupt and model: the bus (`machine.rs`), the device
//! tree (`fdt.rs`) and the tests are all built from it, so adding a device is one entry
//! here plus its model and its device tree node.

/// Start of the "ARM low peripherals" window; RAM below it starts at physical 0.
pub const PERIPHERAL_BASE: u64 = 0xfc00_0000;

/// Which model answers in a window (the board builds it; the device tree writes its node).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// The PL011 UART, the console.
    Pl011,
    /// The GIC-400 distributor; its node in the device tree lists every GIC window.
    GicDistributor,
    /// The GIC-400 CPU interface (banked per core by the requester).
    GicCpuInterface,
    /// The EMMC2 SD host controller with the SD card slot.
    Emmc2,
}

/// One device of the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Name on the bus and in the device tree.
    pub name: &'static str,
    /// Physical base address.
    pub base: u64,
    /// Window size in bytes.
    pub size: u64,
    /// GIC shared peripheral interrupt number (INTID - 32), if wired.
    pub spi: Option<u32>,
    pub model: Model,
}

/// The PL011 UART0 (`uart@7e201000` in the Pi 4 device tree, GIC_SPI 121).
pub const UART0: DeviceInfo =
    DeviceInfo { name: "uart0", base: 0xfe20_1000, size: 0x200, spi: Some(121), model: Model::Pl011 };

/// The GIC-400 distributor (`interrupt-controller@40041000`, first reg).
pub const GIC_DIST: DeviceInfo =
    DeviceInfo { name: "gic-distributor", base: 0xff84_1000, size: 0x1000, spi: None, model: Model::GicDistributor };
/// The GIC-400 CPU interface (second reg; 8 KiB so GICC_DIR at 0x1000 is reachable).
pub const GIC_CPU: DeviceInfo =
    DeviceInfo { name: "gic-cpu-interface", base: 0xff84_2000, size: 0x2000, spi: None, model: Model::GicCpuInterface };

/// The EMMC2 SD host controller (`mmc@7e340000` in the Pi 4 device tree, GIC_SPI 126).
pub const EMMC2: DeviceInfo =
    DeviceInfo { name: "emmc2", base: 0xfe34_0000, size: 0x100, spi: Some(126), model: Model::Emmc2 };

/// Every device on the board, in device tree order. GENET joins this table in its issue.
pub const DEVICES: &[DeviceInfo] = &[GIC_DIST, GIC_CPU, UART0, EMMC2];

/// The most cores the board has (the BCM2711's four Cortex-A72s).
pub const MAX_CPUS: usize = 4;

/// Where core n's release address is on the Pi: the firmware's armstub parks cores 1-3
/// until a non-zero entry point is written here (core 0's slot, 0xd8, is never read).
pub const SPIN_TABLE: u64 = 0xd8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_sit_in_the_peripheral_window_without_overlap() {
        for (i, a) in DEVICES.iter().enumerate() {
            assert!(a.base >= PERIPHERAL_BASE && a.base + a.size <= 0x1_0000_0000, "{}", a.name);
            for b in &DEVICES[i + 1..] {
                assert!(a.base + a.size <= b.base || b.base + b.size <= a.base, "{} / {}", a.name, b.name);
            }
        }
    }
}

//! The BCM2711 memory map in low-peripheral mode (BCM2711 ARM Peripherals, section 1.2;
//! shared/reference/linux-boot.md section 5.1). One table holds every device's name,
//! window and interrupt: the bus, the device tree and the tests are all built from it.

/// Start of the "ARM low peripherals" window; RAM below it starts at physical 0.
pub const PERIPHERAL_BASE: u64 = 0xfc00_0000;

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
}

/// The PL011 UART0 (`uart@7e201000` in the Pi 4 device tree, GIC_SPI 121).
pub const UART0: DeviceInfo = DeviceInfo { name: "uart0", base: 0xfe20_1000, size: 0x200, spi: Some(121) };

/// The GIC-400 distributor (`interrupt-controller@40041000`, first reg).
pub const GIC_DIST: DeviceInfo = DeviceInfo { name: "gic-distributor", base: 0xff84_1000, size: 0x1000, spi: None };
/// The GIC-400 CPU interface (second reg; 8 KiB so GICC_DIR at 0x1000 is reachable).
pub const GIC_CPU: DeviceInfo = DeviceInfo { name: "gic-cpu-interface", base: 0xff84_2000, size: 0x2000, spi: None };

/// Every device on the board. EMMC2 and GENET join this table in their issues.
pub const DEVICES: &[DeviceInfo] = &[UART0, GIC_DIST, GIC_CPU];

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

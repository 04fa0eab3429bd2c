//! The rpi4b device tree, written with `vm-fdt` from the same memory-map table the bus is
//! built from (one function per node, Firecracker style). Node contents follow the Pi 4
//! device tree and shared/reference/linux-boot.md section 4.4: what Debian's 6.1 kernel
//! needs for the CPU, PSCI, timer, GIC-400 and PL011.

use vm_fdt::{FdtWriter, FdtWriterResult};

use crate::memmap::{DeviceInfo, Model, DEVICES, GIC_CPU, UART0};

const PHANDLE_GIC: u32 = 1;
const PHANDLE_CLK_UART: u32 = 2;
const PHANDLE_CLK_APB: u32 = 3;
const PHANDLE_CLK_EMMC2: u32 = 4;

/// GIC interrupt specifier types and flags (dt-bindings/interrupt-controller/arm-gic.h).
const GIC_SPI: u32 = 0;
const GIC_PPI: u32 = 1;
const IRQ_TYPE_LEVEL_HIGH: u32 = 4;
const IRQ_TYPE_LEVEL_LOW: u32 = 8;

/// The GIC-400's virtualization interface windows (GICH, GICV), listed in the device tree
/// as on the Pi 4 but not modelled: only KVM at EL2 would touch them.
const GIC_HYP: (u64, u64) = (0xff84_4000, 0x2000);
const GIC_VCPU: (u64, u64) = (0xff84_6000, 0x2000);

/// What the device tree describes beyond the fixed board.
#[derive(Clone, Debug, Default)]
pub struct FdtConfig {
    /// RAM regions as (base, size).
    pub memory: Vec<(u64, u64)>,
    pub bootargs: String,
    /// Physical (start, end) of the initrd, if one is loaded.
    pub initrd: Option<(u64, u64)>,
    /// PSCI conduit: "hvc" or "smc".
    pub psci_method: &'static str,
    /// How many cores: `cpu@0` .. `cpu@{n-1}`.
    pub cpus: usize,
    /// Whether a card is in the SD slot (the slot is then `non-removable`).
    pub sd_card: bool,
}

fn reg(base: u64, size: u64) -> Vec<u64> {
    vec![base, size]
}

/// The device tree `bramble run` gives a Linux Image by default, for `bramble dtb`.
pub fn default_for(mem: u64, cpus: usize) -> FdtWriterResult<Vec<u8>> {
    build(&FdtConfig {
        memory: bramble_mem::Ram::layout(mem),
        bootargs: crate::machine::DEFAULT_BOOTARGS.to_string(),
        initrd: None,
        psci_method: "hvc",
        cpus,
        sd_card: false,
    })
}

/// Builds the DTB.
pub fn build(cfg: &FdtConfig) -> FdtWriterResult<Vec<u8>> {
    let mut f = FdtWriter::new()?;
    let root = f.begin_node("")?;
    f.property_string_list("compatible", vec!["raspberrypi,4-model-b".into(), "brcm,bcm2711".into()])?;
    f.property_string("model", "Raspberry Pi 4 Model B (bramble)")?;
    f.property_u32("#address-cells", 2)?;
    f.property_u32("#size-cells", 2)?;
    f.property_u32("interrupt-parent", PHANDLE_GIC)?;
    aliases(&mut f)?;
    chosen(&mut f, cfg)?;
    memory(&mut f, cfg)?;
    cpus(&mut f, cfg.cpus)?;
    psci(&mut f, cfg)?;
    timer(&mut f, cfg.cpus)?;
    clocks(&mut f)?;
    for dev in DEVICES {
        match dev.model {
            Model::GicDistributor => gic(&mut f, dev, cfg.cpus)?,
            // Part of the GIC's node.
            Model::GicCpuInterface => {}
            Model::Pl011 => uart(&mut f, dev)?,
            Model::Emmc2 => emmc2(&mut f, dev, cfg.sd_card)?,
        }
    }
    f.end_node(root)?;
    f.finish()
}

fn aliases(f: &mut FdtWriter) -> FdtWriterResult<()> {
    let n = f.begin_node("aliases")?;
    f.property_string("serial0", &format!("/serial@{:x}", UART0.base))?;
    f.end_node(n)
}

fn chosen(f: &mut FdtWriter, cfg: &FdtConfig) -> FdtWriterResult<()> {
    let n = f.begin_node("chosen")?;
    f.property_string("bootargs", &cfg.bootargs)?;
    f.property_string("stdout-path", "serial0:115200n8")?;
    if let Some((start, end)) = cfg.initrd {
        f.property_u64("linux,initrd-start", start)?;
        f.property_u64("linux,initrd-end", end)?;
    }
    f.end_node(n)
}

fn memory(f: &mut FdtWriter, cfg: &FdtConfig) -> FdtWriterResult<()> {
    let base = cfg.memory.first().map_or(0, |r| r.0);
    let n = f.begin_node(&format!("memory@{base:x}"))?;
    f.property_string("device_type", "memory")?;
    let cells: Vec<u64> = cfg.memory.iter().flat_map(|&(b, s)| [b, s]).collect();
    f.property_array_u64("reg", &cells)?;
    f.end_node(n)
}

/// The cores as on the Pi 4 (reg = MPIDR Aff0), brought up through PSCI rather than the
/// Pi's spin table, as with the Pi's own upstream DT and firmware PSCI stubs.
fn cpus(f: &mut FdtWriter, n: usize) -> FdtWriterResult<()> {
    let node = f.begin_node("cpus")?;
    f.property_u32("#address-cells", 1)?;
    f.property_u32("#size-cells", 0)?;
    for i in 0..n {
        let c = f.begin_node(&format!("cpu@{i}"))?;
        f.property_string("device_type", "cpu")?;
        f.property_string("compatible", "arm,cortex-a72")?;
        f.property_u32("reg", i as u32)?;
        f.property_string("enable-method", "psci")?;
        f.end_node(c)?;
    }
    f.end_node(node)
}

/// The PPI CPU mask field of an interrupt specifier: one bit per core (bits 15:8).
fn ppi_cpu_mask(cpus: usize) -> u32 {
    ((1u32 << cpus.clamp(1, 8)) - 1) << 8
}

fn psci(f: &mut FdtWriter, cfg: &FdtConfig) -> FdtWriterResult<()> {
    let n = f.begin_node("psci")?;
    f.property_string_list("compatible", vec!["arm,psci-1.0".into(), "arm,psci-0.2".into()])?;
    f.property_string("method", cfg.psci_method)?;
    f.end_node(n)
}

fn timer(f: &mut FdtWriter, cpus: usize) -> FdtWriterResult<()> {
    let n = f.begin_node("timer")?;
    f.property_string("compatible", "arm,armv8-timer")?;
    // Secure phys (PPI 13), non-secure phys (14), virtual (11), hypervisor (10).
    let flags = ppi_cpu_mask(cpus) | IRQ_TYPE_LEVEL_LOW;
    let cells: Vec<u32> = [13, 14, 11, 10].iter().flat_map(|&ppi| [GIC_PPI, ppi, flags]).collect();
    f.property_array_u32("interrupts", &cells)?;
    f.property_null("always-on")?;
    f.end_node(n)
}

fn gic(f: &mut FdtWriter, dist: &DeviceInfo, cpus: usize) -> FdtWriterResult<()> {
    let n = f.begin_node(&format!("interrupt-controller@{:x}", dist.base))?;
    // The GIC-400 binding's fallback too: software that knows the generic GICv2
    // programming model (kvm-unit-tests) looks for it.
    f.property_string_list("compatible", vec!["arm,gic-400".into(), "arm,cortex-a15-gic".into()])?;
    f.property_null("interrupt-controller")?;
    f.property_u32("#interrupt-cells", 3)?;
    f.property_u32("#address-cells", 0)?;
    let mut cells = reg(dist.base, dist.size);
    cells.extend(reg(GIC_CPU.base, GIC_CPU.size));
    cells.extend(reg(GIC_HYP.0, GIC_HYP.1));
    cells.extend(reg(GIC_VCPU.0, GIC_VCPU.1));
    f.property_array_u64("reg", &cells)?;
    // The maintenance interrupt (PPI 9).
    f.property_array_u32("interrupts", &[GIC_PPI, 9, ppi_cpu_mask(cpus) | IRQ_TYPE_LEVEL_HIGH])?;
    f.property_phandle(PHANDLE_GIC)?;
    f.end_node(n)
}

fn clocks(f: &mut FdtWriter) -> FdtWriterResult<()> {
    for (name, phandle, hz) in [
        ("clk-uart", PHANDLE_CLK_UART, 48_000_000),
        ("clk-apb", PHANDLE_CLK_APB, 100_000_000),
        ("clk-emmc2", PHANDLE_CLK_EMMC2, bramble_devices::sd::emmc2::BASE_CLOCK_HZ as u32),
    ] {
        let n = f.begin_node(name)?;
        f.property_string("compatible", "fixed-clock")?;
        f.property_u32("#clock-cells", 0)?;
        f.property_u32("clock-frequency", hz)?;
        f.property_phandle(phandle)?;
        f.end_node(n)?;
    }
    Ok(())
}

fn uart(f: &mut FdtWriter, dev: &DeviceInfo) -> FdtWriterResult<()> {
    let n = f.begin_node(&format!("serial@{:x}", dev.base))?;
    f.property_string_list("compatible", vec!["arm,pl011".into(), "arm,primecell".into()])?;
    f.property_array_u64("reg", &reg(dev.base, dev.size))?;
    if let Some(spi) = dev.spi {
        f.property_array_u32("interrupts", &[GIC_SPI, spi, IRQ_TYPE_LEVEL_HIGH])?;
    }
    f.property_array_u32("clocks", &[PHANDLE_CLK_UART, PHANDLE_CLK_APB])?;
    f.property_string_list("clock-names", vec!["uartclk".into(), "apb_pclk".into()])?;
    // The Pi's 0x200-byte window hides the PrimeCell ID registers at 0xfe0.
    f.property_u32("arm,primecell-periphid", 0x0024_1011)?;
    f.end_node(n)
}

/// The EMMC2 slot as Debian's `sdhci-iproc` binds it: a fixed clock instead of the
/// firmware-programmed CPRMAN one, no regulators (the card runs at 3.3 V), no 1.8 V. With
/// a card the slot is `non-removable` (the card stays for the run, and no card-detect
/// interrupt is modelled); without one the driver reads the empty slot once.
fn emmc2(f: &mut FdtWriter, dev: &DeviceInfo, card: bool) -> FdtWriterResult<()> {
    let n = f.begin_node(&format!("mmc@{:x}", dev.base))?;
    f.property_string("compatible", "brcm,bcm2711-emmc2")?;
    f.property_array_u64("reg", &reg(dev.base, dev.size))?;
    if let Some(spi) = dev.spi {
        f.property_array_u32("interrupts", &[GIC_SPI, spi, IRQ_TYPE_LEVEL_HIGH])?;
    }
    f.property_u32("clocks", PHANDLE_CLK_EMMC2)?;
    f.property_u32("bus-width", 4)?;
    f.property_null("no-1-8-v")?;
    f.property_null("cap-sd-highspeed")?;
    if card {
        f.property_null("non-removable")?;
    }
    f.end_node(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_valid_blob_with_every_node() {
        let cfg = FdtConfig {
            memory: vec![(0, 1 << 30)],
            bootargs: "console=ttyAMA0".into(),
            initrd: Some((0x400_0000, 0x410_0000)),
            psci_method: "hvc",
            cpus: 4,
            sd_card: true,
        };
        let dtb = build(&cfg).unwrap();
        assert_eq!(&dtb[..4], &[0xd0, 0x0d, 0xfe, 0xed], "FDT magic");
        let text = String::from_utf8_lossy(&dtb);
        for needle in [
            "arm,gic-400",
            "arm,armv8-timer",
            "arm,pl011",
            "arm,psci-0.2",
            "console=ttyAMA0",
            "linux,initrd-start",
            "brcm,bcm2711-emmc2",
            "non-removable",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
        let tree = crate::fdt_parse::parse(&dtb).unwrap();
        let cpus: Vec<_> = tree
            .root
            .children
            .iter()
            .find(|n| n.name == "cpus")
            .unwrap()
            .children
            .iter()
            .map(|c| c.name.clone())
            .collect();
        assert_eq!(cpus, ["cpu@0", "cpu@1", "cpu@2", "cpu@3"]);
    }

    #[test]
    fn ppi_masks_name_every_core() {
        assert_eq!(ppi_cpu_mask(1), 0x100);
        assert_eq!(ppi_cpu_mask(4), 0xf00);
    }
}

//! The distributor (GICv2 4.3): GICD_* registers.

use log::warn;

use super::{Gic400, NUM_IRQS, PRIORITY_MASK};

const GICD_CTLR: u64 = 0x000; // Distributor control, RW
const GICD_TYPER: u64 = 0x004; // Interrupt controller type, RO
const GICD_IIDR: u64 = 0x008; // Implementer identification, RO
const GICD_IGROUPR: u64 = 0x080; // Interrupt group, RW
const GICD_ISENABLER: u64 = 0x100; // Set-enable, RW
const GICD_ICENABLER: u64 = 0x180; // Clear-enable, RW
const GICD_ISPENDR: u64 = 0x200; // Set-pending, RW
const GICD_ICPENDR: u64 = 0x280; // Clear-pending, RW
const GICD_ISACTIVER: u64 = 0x300; // Set-active, RW
const GICD_ICACTIVER: u64 = 0x380; // Clear-active, RW
const GICD_IPRIORITYR: u64 = 0x400; // Priority, RW, byte-accessible
const GICD_ITARGETSR: u64 = 0x800; // Processor targets, RW (RO for 0-31), byte-accessible
const GICD_ICFGR: u64 = 0xc00; // Configuration, RW
const GICD_SGIR: u64 = 0xf00; // Software generated interrupt, WO
const GICD_CPENDSGIR: u64 = 0xf10; // SGI clear-pending, RW, byte-accessible
const GICD_SPENDSGIR: u64 = 0xf20; // SGI set-pending, RW, byte-accessible
const GICD_PIDR4: u64 = 0xfd0; // Peripheral/component ID, RO

/// GIC-400 GICD_IIDR (TRM 3.2.1): Arm, product 0x02.
const IIDR: u32 = 0x0200_143b;
/// GICD_PIDR4..7, PIDR0..3, CIDR0..3 (TRM 3.2.2).
const ID_REGS: [u32; 12] = [0x04, 0, 0, 0, 0x90, 0xb4, 0x2b, 0, 0x0d, 0xf0, 0x05, 0xb1];

/// Which per-interrupt bit register a range holds.
#[derive(Clone, Copy)]
enum Bits {
    Group,
    Enable,
    Pending,
    Active,
}

impl Gic400 {
    fn bits_range(offset: u64) -> Option<(Bits, bool, u32)> {
        let (kind, set, base) = match offset {
            0x080..=0x0ff => (Bits::Group, true, GICD_IGROUPR),
            0x100..=0x17f => (Bits::Enable, true, GICD_ISENABLER),
            0x180..=0x1ff => (Bits::Enable, false, GICD_ICENABLER),
            0x200..=0x27f => (Bits::Pending, true, GICD_ISPENDR),
            0x280..=0x2ff => (Bits::Pending, false, GICD_ICPENDR),
            0x300..=0x37f => (Bits::Active, true, GICD_ISACTIVER),
            0x380..=0x3ff => (Bits::Active, false, GICD_ICACTIVER),
            _ => return None,
        };
        Some((kind, set, ((offset - base) / 4 * 32) as u32))
    }

    fn bit(&self, cpu: usize, kind: Bits, intid: u32) -> bool {
        match kind {
            Bits::Pending => self.pending(cpu, intid),
            _ => self.state(cpu, intid).is_some_and(|st| match kind {
                Bits::Group => st.group1,
                Bits::Enable => st.enabled,
                _ => st.active,
            }),
        }
    }

    fn set_bit(&mut self, cpu: usize, kind: Bits, intid: u32, value: bool) {
        // SGI enables are fixed on the GIC-400; SGI pending state lives in the SGI registers.
        if intid < 16 && matches!(kind, Bits::Enable | Bits::Pending) {
            return;
        }
        if let Some(st) = self.state_mut(cpu, intid) {
            match kind {
                Bits::Group => st.group1 = value,
                Bits::Enable => st.enabled = value,
                Bits::Pending => st.latch = value,
                Bits::Active => st.active = value,
            }
        }
    }

    pub(super) fn dist_read(&mut self, cpu: usize, offset: u64, size: u8) -> u32 {
        let word = offset & !3;
        let v = match word {
            GICD_CTLR => self.ctlr,
            GICD_TYPER => (NUM_IRQS as u32 / 32 - 1) | ((self.cpus.len() as u32 - 1) << 5),
            GICD_IIDR => IIDR,
            0x080..=0x3ff => {
                let Some((kind, _, first)) = Self::bits_range(word) else { return 0 };
                (0..32).filter(|&b| self.bit(cpu, kind, first + b)).fold(0, |acc, b| acc | 1 << b)
            }
            0x400..=0xbff | GICD_CPENDSGIR..=0xf2f => {
                return self.byte_regs_read(cpu, offset, size);
            }
            0xc00..=0xcff => {
                let first = ((word - GICD_ICFGR) * 4) as u32;
                (0..16).fold(0, |acc, i| {
                    let edge = self.state(cpu, first + i).is_some_and(|st| st.edge);
                    acc | ((edge as u32) << (2 * i + 1))
                })
            }
            0xfd0..=0xffc => ID_REGS[((word - GICD_PIDR4) / 4) as usize],
            _ => {
                warn!(target: "guest_error", "gic400: read of unknown distributor register {offset:#x}");
                0
            }
        };
        extract(v, offset, size)
    }

    pub(super) fn dist_write(&mut self, cpu: usize, offset: u64, size: u8, value: u32) {
        let word = offset & !3;
        match word {
            GICD_CTLR => self.ctlr = value & 3,
            0x080..=0x3ff => {
                let Some((kind, set, first)) = Self::bits_range(word) else { return };
                let shift = 8 * (offset & 3) as u32;
                let lanes = if size >= 4 { u32::MAX } else { ((1u32 << (8 * size as u32)) - 1) << shift };
                let value = value << shift;
                for b in (0..32).filter(|b| lanes & (1 << b) != 0) {
                    let bit = value & (1 << b) != 0;
                    match kind {
                        // Group registers are plain read/write.
                        Bits::Group => self.set_bit(cpu, kind, first + b, bit),
                        // The others are write-1-to-set or write-1-to-clear.
                        _ if bit => self.set_bit(cpu, kind, first + b, set),
                        _ => {}
                    }
                }
            }
            0x400..=0xbff | GICD_CPENDSGIR..=0xf2f => self.byte_regs_write(cpu, offset, size, value),
            0xc00..=0xcff => {
                let first = ((word - GICD_ICFGR) * 4) as u32;
                for i in 0..16 {
                    let intid = first + i;
                    if intid >= 16 {
                        if let Some(st) = self.state_mut(cpu, intid) {
                            st.edge = value & (2 << (2 * i)) != 0;
                        }
                    }
                }
            }
            GICD_SGIR => self.send_sgi(cpu, value),
            _ => warn!(target: "guest_error", "gic400: write to unknown or read-only distributor register {offset:#x}"),
        }
    }

    /// Registers with one byte per interrupt or per SGI.
    fn byte_regs_read(&mut self, cpu: usize, offset: u64, size: u8) -> u32 {
        (0..size.min(4) as u64).fold(0, |acc, i| acc | (self.byte_read(cpu, offset + i) as u32) << (8 * i))
    }

    fn byte_regs_write(&mut self, cpu: usize, offset: u64, size: u8, value: u32) {
        for i in 0..size.min(4) as u64 {
            self.byte_write(cpu, offset + i, (value >> (8 * i)) as u8);
        }
    }

    fn byte_read(&self, cpu: usize, offset: u64) -> u8 {
        match offset {
            0x400..=0x7ff => self.state(cpu, (offset - GICD_IPRIORITYR) as u32).map_or(0, |st| st.priority),
            0x800..=0xbff => {
                let intid = (offset - GICD_ITARGETSR) as u32;
                if intid < 32 {
                    1 << cpu
                } else {
                    self.state(cpu, intid).map_or(0, |st| st.targets)
                }
            }
            _ => {
                let set = offset >= GICD_SPENDSGIR;
                let sgi = (offset - if set { GICD_SPENDSGIR } else { GICD_CPENDSGIR }) as usize;
                self.cpus[cpu].sgi_pending[sgi]
            }
        }
    }

    fn byte_write(&mut self, cpu: usize, offset: u64, v: u8) {
        let ncpu_mask = ((1u32 << self.cpus.len()) - 1) as u8;
        match offset {
            0x400..=0x7ff => {
                if let Some(st) = self.state_mut(cpu, (offset - GICD_IPRIORITYR) as u32) {
                    st.priority = v & PRIORITY_MASK;
                }
            }
            0x800..=0xbff => {
                let intid = (offset - GICD_ITARGETSR) as u32;
                if intid >= 32 {
                    if let Some(st) = self.state_mut(cpu, intid) {
                        st.targets = v & ncpu_mask;
                    }
                }
            }
            _ => {
                let set = offset >= GICD_SPENDSGIR;
                let sgi = (offset - if set { GICD_SPENDSGIR } else { GICD_CPENDSGIR }) as usize;
                let p = &mut self.cpus[cpu].sgi_pending[sgi];
                if set {
                    *p |= v & ncpu_mask;
                } else {
                    *p &= !v;
                }
            }
        }
    }

    /// GICD_SGIR: TargetListFilter [25:24], CPUTargetList [23:16], SGIINTID [3:0].
    fn send_sgi(&mut self, from: usize, value: u32) {
        let sgi = (value & 0xf) as usize;
        let all = (1u32 << self.cpus.len()) - 1;
        let targets = match (value >> 24) & 3 {
            0 => (value >> 16) & 0xff,
            1 => all & !(1 << from),
            2 => 1 << from,
            _ => 0,
        } & all;
        for (c, cpu) in self.cpus.iter_mut().enumerate() {
            if targets & (1 << c) != 0 {
                cpu.sgi_pending[sgi] |= 1 << from;
            }
        }
    }
}

/// The bytes of a 32-bit register an access of `size` at `offset` sees.
pub(super) fn extract(v: u32, offset: u64, size: u8) -> u32 {
    let shifted = v >> (8 * (offset & 3));
    match size {
        1 => shifted & 0xff,
        2 => shifted & 0xffff,
        _ => shifted,
    }
}

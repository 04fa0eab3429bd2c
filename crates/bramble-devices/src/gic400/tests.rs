//! The GIC driven only through its registers and input lines.

use std::cell::RefCell;
use std::rc::Rc;

use bramble_mem::{Access, IrqLine, IrqSignal, MmioDevice};

use super::*;

const CPU0: Access = Access { cpu: 0, now_ns: 0 };

struct Gic {
    g: Rc<RefCell<Gic400>>,
    d: Box<dyn MmioDevice>,
    c: Box<dyn MmioDevice>,
}

impl Gic {
    fn new() -> Self {
        let g = Rc::new(RefCell::new(Gic400::new(1)));
        Self { d: Gic400::distributor(&g), c: Gic400::cpu_interface(&g), g }
    }
    fn irq(&self) -> bool {
        self.g.borrow().outputs(0).0
    }
    /// Distributor and CPU interface on, everything unmasked.
    fn enable(&mut self) {
        self.d.write(CPU0, 0x000, 4, 1);
        self.c.write(CPU0, 0x04, 4, 0xff);
        self.c.write(CPU0, 0x00, 4, 1);
    }
}

#[test]
fn identifies_as_gic400_with_256_interrupts() {
    let mut gic = Gic::new();
    assert_eq!(gic.d.read(CPU0, 0x004, 4) & 0x1f, 7);
    assert_eq!(gic.d.read(CPU0, 0x008, 4), 0x0200_143b);
    assert_eq!(gic.d.read(CPU0, 0xfe8, 4), 0x2b);
    assert_eq!(gic.c.read(CPU0, 0xfc, 4), 0x0202_143b);
}

#[test]
fn level_spi_round_trip() {
    let mut gic = Gic::new();
    let line = IrqLine::new();
    gic.g.borrow_mut().connect(0, 153, line.clone());
    gic.enable();
    gic.d.write(CPU0, 0x100 + 4 * (153 / 32), 4, 1 << (153 % 32)); // enable
    gic.d.write(CPU0, 0x800 + 153, 1, 1); // target CPU 0
    gic.d.write(CPU0, 0x400 + 153, 1, 0xa0); // priority
    line.set_level(true);
    gic.g.borrow_mut().update();
    assert!(gic.irq());
    assert_eq!(gic.c.read(CPU0, 0x0c, 4), 153); // IAR
    assert!(!gic.irq(), "active: not signalled again");
    assert_eq!(gic.c.read(CPU0, 0x14, 4), 0xa0); // RPR
    line.set_level(false);
    gic.c.write(CPU0, 0x10, 4, 153); // EOIR
    gic.g.borrow_mut().update();
    assert!(!gic.irq());
    assert_eq!(gic.c.read(CPU0, 0x0c, 4), 1023);
    assert_eq!(gic.c.read(CPU0, 0x14, 4), 0xff);
}

#[test]
fn priority_mask_and_preemption() {
    let mut gic = Gic::new();
    gic.enable();
    for (intid, prio) in [(40u64, 0x80u64), (41, 0x40)] {
        gic.d.write(CPU0, 0x100 + 4, 4, 1 << (intid - 32));
        gic.d.write(CPU0, 0x800 + intid, 1, 1);
        gic.d.write(CPU0, 0x400 + intid, 1, prio);
    }
    gic.c.write(CPU0, 0x04, 4, 0x80); // PMR: only priorities < 0x80 pass
    gic.d.write(CPU0, 0x200 + 4, 4, 1 << 8); // pend 40 (priority 0x80)
    assert!(!gic.irq(), "masked by PMR");
    gic.c.write(CPU0, 0x04, 4, 0xf0);
    assert!(gic.irq());
    assert_eq!(gic.c.read(CPU0, 0x0c, 4), 40);
    gic.d.write(CPU0, 0x200 + 4, 4, 1 << 9); // pend 41 (0x40): preempts 0x80
    assert!(gic.irq());
    assert_eq!(gic.c.read(CPU0, 0x0c, 4), 41);
    gic.d.write(CPU0, 0x200 + 4, 4, 1 << 8); // 40 again: cannot preempt 0x40
    assert!(!gic.irq());
    gic.c.write(CPU0, 0x10, 4, 41);
    gic.c.write(CPU0, 0x10, 4, 40);
    assert!(gic.irq(), "40 pending again after both EOIs");
}

#[test]
fn sgi_carries_its_source_and_eoimode_splits_deactivation() {
    let mut gic = Gic::new();
    gic.enable();
    gic.c.write(CPU0, 0x00, 4, 1 | (1 << 9)); // EOImode = 1
    gic.d.write(CPU0, 0xf00, 4, (2 << 24) | 5); // SGI 5 to self
    assert!(gic.irq());
    assert_eq!(gic.d.read(CPU0, 0xf20 + 4, 4) & 0xff00, 0x0100, "SPENDSGIR shows source CPU 0");
    assert_eq!(gic.c.read(CPU0, 0x0c, 4), 5);
    gic.c.write(CPU0, 0x10, 4, 5); // priority drop only
    assert_eq!(gic.d.read(CPU0, 0x300, 4) & (1 << 5), 1 << 5, "still active until DIR");
    gic.c.write(CPU0, 0x1000, 4, 5);
    assert_eq!(gic.d.read(CPU0, 0x300, 4) & (1 << 5), 0);
}

#[test]
fn edge_ppi_latches_and_group0_goes_to_fiq_when_enabled() {
    let mut gic = Gic::new();
    gic.enable();
    gic.c.write(CPU0, 0x00, 4, 1 | 8); // EnableGrp0 + FIQEn
    gic.d.write(CPU0, 0xc00 + 4, 4, 2 << (2 * (30 - 16))); // INTID 30 edge
    gic.d.write(CPU0, 0x100, 4, 1 << 30);
    gic.g.borrow_mut().set_ppi_level(0, 30, true);
    gic.g.borrow_mut().set_ppi_level(0, 30, false);
    gic.g.borrow_mut().update();
    assert_eq!(gic.g.borrow().outputs(0), (false, true));
    assert_eq!(gic.c.read(CPU0, 0x0c, 4), 30);
}

#[test]
fn byte_access_and_read_only_targets() {
    let mut gic = Gic::new();
    gic.d.write(CPU0, 0x400 + 33, 1, 0xff);
    assert_eq!(gic.d.read(CPU0, 0x400 + 32, 4), 0xf800);
    assert_eq!(gic.d.read(CPU0, 0x800, 4), 0x0101_0101, "INTIDs 0-31 target the reader");
    gic.d.write(CPU0, 0x800, 4, 0);
    assert_eq!(gic.d.read(CPU0, 0x800, 1), 1);
    assert_eq!(gic.d.read(CPU0, 0x5000, 4), 0);
}

fn cpu(n: usize) -> Access {
    Access { cpu: n, now_ns: 0 }
}

/// A four-core GIC with distributor, every CPU interface and everything unmasked.
fn four_cores() -> Gic {
    let g = Rc::new(RefCell::new(Gic400::new(4)));
    let mut gic = Gic { d: Gic400::distributor(&g), c: Gic400::cpu_interface(&g), g };
    gic.d.write(CPU0, 0x000, 4, 1);
    for n in 0..4 {
        gic.c.write(cpu(n), 0x04, 4, 0xff);
        gic.c.write(cpu(n), 0x00, 4, 1);
    }
    gic
}

#[test]
fn sgi_target_list_filters_reach_the_right_cores() {
    let mut gic = four_cores();
    let irqs = |gic: &Gic| (0..4).map(|n| gic.g.borrow().outputs(n).0).collect::<Vec<_>>();
    // Filter 0: the list {1, 3}; the source is core 2.
    gic.d.write(cpu(2), 0xf00, 4, (0b1010 << 16) | 4);
    assert_eq!(irqs(&gic), [false, true, false, true]);
    assert_eq!(gic.c.read(cpu(3), 0x0c, 4), (2 << 10) | 4, "IAR: SGI 4 from core 2");
    assert_eq!(gic.c.read(cpu(1), 0x0c, 4), (2 << 10) | 4);
    gic.c.write(cpu(3), 0x10, 4, (2 << 10) | 4);
    gic.c.write(cpu(1), 0x10, 4, (2 << 10) | 4);
    // Filter 1: everyone but the sender.
    gic.d.write(cpu(0), 0xf00, 4, (1 << 24) | 9);
    assert_eq!(irqs(&gic), [false, true, true, true]);
    for n in 1..4 {
        assert_eq!(gic.c.read(cpu(n), 0x0c, 4), 9, "SGI 9 from core 0 on core {n}");
        gic.c.write(cpu(n), 0x10, 4, 9);
    }
    // Filter 2: the sender only; filter 3 is reserved and sends nothing.
    gic.d.write(cpu(3), 0xf00, 4, (2 << 24) | 1);
    gic.d.write(cpu(3), 0xf00, 4, (3 << 24) | (0xf << 16) | 2);
    assert_eq!(irqs(&gic), [false, false, false, true]);
    assert_eq!(gic.c.read(cpu(3), 0x0c, 4), (3 << 10) | 1);
    // A list naming cores the GIC does not have reaches only those it has.
    gic.d.write(cpu(0), 0xf00, 4, (0xf0 << 16) | 3);
    assert_eq!(gic.c.read(cpu(0), 0x18, 4), 1023, "nothing pending on core 0");
    assert_eq!(gic.g.borrow().sgis_acknowledged(3), 3);
}

#[test]
fn sgi_and_ppi_state_is_banked_per_core() {
    let mut gic = four_cores();
    gic.d.write(cpu(1), 0x400 + 27, 1, 0x40); // core 1's PPI 27 priority
    gic.d.write(cpu(1), 0x100, 4, 1 << 27); // core 1 enables its PPI 27
    assert_eq!(gic.d.read(cpu(1), 0x400 + 24, 4) >> 24, 0x40);
    assert_eq!(gic.d.read(cpu(2), 0x400 + 24, 4) >> 24, 0, "core 2's own priority");
    assert_eq!(gic.d.read(cpu(2), 0x100, 4) & (1 << 27), 0, "core 2's own enable");
    for n in 0..4 {
        assert_eq!(gic.d.read(cpu(n), 0x800, 4), 0x0101_0101 << n, "ITARGETSR0 reads core {n}'s bit");
    }
    // A level on core 1's PPI 27 interrupts core 1 only.
    gic.g.borrow_mut().set_ppi_level(1, 27, true);
    gic.g.borrow_mut().update();
    assert_eq!((0..4).map(|n| gic.g.borrow().outputs(n).0).collect::<Vec<_>>(), [false, true, false, false]);
    assert_eq!(gic.c.read(cpu(1), 0x0c, 4), 27);
    // Each CPU interface is its own: core 2 sees nothing active, core 1 runs at 0x40.
    assert_eq!(gic.c.read(cpu(2), 0x14, 4), 0xff);
    assert_eq!(gic.c.read(cpu(1), 0x14, 4), 0x40);
}

#[test]
fn spi_targets_pick_cores_and_are_masked_to_existing_ones() {
    let mut gic = four_cores();
    let line = IrqLine::new();
    gic.g.borrow_mut().connect(0, 100, line.clone());
    gic.d.write(CPU0, 0x100 + 4 * (100 / 32), 4, 1 << (100 % 32));
    gic.d.write(CPU0, 0x800 + 100, 1, 0xf4); // core 2, plus cores 4-7 that do not exist
    assert_eq!(gic.d.read(CPU0, 0x800 + 100, 1), 0x04);
    line.set_level(true);
    gic.g.borrow_mut().update();
    assert_eq!((0..4).map(|n| gic.g.borrow().outputs(n).0).collect::<Vec<_>>(), [false, false, true, false]);
    // An access from a core the GIC has no interface for is ignored, not a panic.
    assert_eq!(gic.c.read(cpu(7), 0x0c, 4), 0);
    gic.d.write(cpu(9), 0xf00, 4, (1 << 24) | 1);
    assert_eq!(gic.c.read(cpu(0), 0x18, 4), 1023);
}

#[test]
fn output_changes_raise_the_signal() {
    let mut gic = four_cores();
    let signal = IrqSignal::default();
    gic.g.borrow_mut().set_signal(signal.clone());
    gic.d.write(cpu(0), 0x004, 4, 0); // read-only register: nothing changes
    assert!(!signal.take());
    gic.d.write(cpu(0), 0xf00, 4, (0b10 << 16) | 3);
    assert!(signal.take(), "core 1's IRQ rose");
    gic.c.read(cpu(1), 0x0c, 4);
    assert!(signal.take(), "acknowledged: core 1's IRQ fell");
}

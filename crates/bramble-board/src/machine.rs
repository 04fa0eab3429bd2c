//! The machine: N cores, the bus and the devices wired from the memory map's table, the
//! device event queue, and the deterministic run loop.
//!
//! Scheduling: all cores run on one host thread and take turns in rounds. A round covers
//! the same stretch of virtual time for every core (`quantum` cycles, less if a device
//! event is due sooner); each core runs its share in turn, core 0 first, so the same
//! inputs give the same interleaving in every engine. What one core does to the others
//! (SGIs, TLBI ... IS, SEV, stores to another's exclusive reservation) reaches them
//! before they next run. A core in WFI or WFE with nothing to wake it costs no host time,
//! and when every core waits, virtual time jumps to the next event. docs/smp.md has the
//! details, and how a thread per core would fit.

use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;

use bramble_cpu::{Cpu, Features, StopReason};
use bramble_devices::{Emmc2, Gic400, Pl011, SdCard, SerialInput, SerialOutput};
use bramble_mem::{Access, Bus, BusError, EventQueue, EventTarget, IrqLine, MmioDevice, Ram, RamError};
use thiserror::Error;

use crate::disk::{self, DiskError, SdImage};
use crate::fdt::{self, FdtConfig};
use crate::fdt_parse;
use crate::loader::{load_kernel, place, LoadError, Loaded, LoadedKind};
use crate::memmap::{Model, DEVICES, MAX_CPUS, SPIN_TABLE};
use crate::psci;
use crate::semihosting::{self, Console, Outcome};

/// Instructions between host checks (console input, --timeout), and the round length of
/// a one-core machine (nothing to interleave with).
const SLICE: u64 = 1 << 20;
/// Cycles of virtual time per round on a multi-core machine (`--quantum`): short enough
/// that an IPI or a lock handed to another core is seen within about 11 us of guest time,
/// long enough that taking turns costs little.
pub const QUANTUM: u64 = 16_384;
/// The granule a reservation covers, as the cores report it.
const GRANULE: usize = 64;
/// How long an idle CPU with no timer armed sleeps before looking for input again.
const IDLE_POLL: std::time::Duration = std::time::Duration::from_millis(1);

/// What to build and run.
#[derive(Clone, Debug)]
pub struct Config {
    pub kernel: PathBuf,
    pub mem: u64,
    pub load_addr: Option<u64>,
    /// Exception level to start at; `None` picks EL1 for a Linux Image (the boot protocol)
    /// and EL3 for anything else (a bare-metal image is its own firmware).
    pub boot_el: Option<u8>,
    /// Kernel command line for a Linux Image (`/chosen/bootargs`).
    pub append: Option<String>,
    /// Initial ramdisk for a Linux Image.
    pub initrd: Option<PathBuf>,
    /// A device tree to boot a Linux Image with instead of the generated one; bramble
    /// fills in /chosen (bootargs with `append`, the initrd range).
    pub dtb: Option<PathBuf>,
    pub semihosting: bool,
    pub features: Features,
    /// Stop after this many instructions (`None`: no limit).
    pub max_insns: Option<u64>,
    /// The core clock in Hz: cycles per second of virtual time (`--cpu-mhz`).
    pub cpu_hz: u64,
    /// How virtual time relates to host time (`--clock`).
    pub clock: Clock,
    /// Run the block translator (`false`: the plain interpreter, `--no-translate`).
    pub translate: bool,
    /// Dispatches before a translated block is compiled to host code (x86-64 hosts;
    /// 0: never, `--no-jit`; the default is `bramble_cpu::JIT_THRESHOLD`).
    pub jit_threshold: u32,
    /// Console input read from this file and typed at deterministic points
    /// (`--serial-input`): a line at a time, whenever the guest waits for input.
    pub serial_input: Option<PathBuf>,
    /// Cores (1..=4, `--cpus`).
    pub cpus: usize,
    /// Cycles per round when several cores take turns (`--quantum`; 0: [`QUANTUM`]).
    pub quantum: u64,
    /// The SD card image in the EMMC2 slot (`--sd`), if any.
    pub sd: Option<SdImage>,
}

/// How virtual time relates to host time. The choice never changes what an instruction
/// does, only when timer interrupts arrive relative to the host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// Virtual time is retired cycles plus idle time, and idle WFI jumps straight to the
    /// next timer deadline: runs are reproducible and never wait for the host.
    #[default]
    Virtual,
    /// Virtual time never falls behind host time since the start (it jumps forward when
    /// the guest runs slower than the core clock), and WFI sleeps until the deadline: a
    /// guest's `sleep 1` takes a second, for interactive use.
    Host,
}

/// Which firmware calls the emulator serves as PSCI at a boot EL: none at EL3 (the image
/// is its own firmware and handles SMC), SMC at EL2, HVC below.
fn psci_conduit(boot_el: u8) -> (bool, bool) {
    match boot_el {
        3 => (false, false),
        2 => (false, true),
        _ => (true, false),
    }
}

/// A user's DTB with /chosen filled in: bootargs from --append (kept otherwise) and the
/// initrd range.
fn user_dtb(path: &std::path::Path, append: Option<&str>, initrd: Option<(u64, u64)>) -> Result<Vec<u8>, MachineError> {
    let bytes = crate::loader::read_file(path)?;
    let bad = |reason: String| MachineError::Dtb { path: path.into(), reason };
    let mut tree = fdt_parse::parse(&bytes).map_err(bad)?;
    let chosen = tree.root.child_mut("chosen");
    if let Some(args) = append {
        let mut v = args.as_bytes().to_vec();
        v.push(0);
        chosen.set("bootargs", v);
    }
    if let Some((start, end)) = initrd {
        chosen.set("linux,initrd-start", start.to_be_bytes().to_vec());
        chosen.set("linux,initrd-end", end.to_be_bytes().to_vec());
    }
    fdt_parse::write(&tree).map_err(bad)
}

/// Reads a `--serial-input` file, refusing what cannot be console input.
fn read_script(path: &std::path::Path) -> Result<Vec<u8>, MachineError> {
    let bad = |reason: String| MachineError::SerialInput { path: path.into(), reason };
    if path.is_dir() {
        return Err(bad("is a directory".into()));
    }
    std::fs::read(path).map_err(|e| bad(e.to_string()))
}

/// The command line a Linux Image gets without --append.
pub const DEFAULT_BOOTARGS: &str = "console=ttyAMA0,115200 earlycon=pl011,mmio32,0xfe201000";
const TWO_MIB: u64 = 2 << 20;

/// Errors building the machine.
#[derive(Debug, Error)]
pub enum MachineError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Ram(#[from] RamError),
    #[error("wiring the board: {0}")]
    Bus(#[from] BusError),
    #[error("building the device tree: {0}")]
    Fdt(String),
    #[error("{path}: not a usable device tree blob: {reason}")]
    Dtb { path: PathBuf, reason: String },
    #[error("{path}: cannot read the serial input: {reason}")]
    SerialInput { path: PathBuf, reason: String },
    #[error("{0} CPUs asked for; the board has 1 to {MAX_CPUS}")]
    Cpus(usize),
    #[error(transparent)]
    Disk(#[from] DiskError),
}

/// Why the machine stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The guest exited through semihosting with this code.
    Semihosting(i32),
    /// `max_insns` ran out.
    InsnLimit,
    /// The host-side `should_stop` check asked to stop (e.g. --timeout).
    Stopped,
    /// The guest powered off (PSCI SYSTEM_OFF).
    PowerOff,
    /// The guest asked for a reset (PSCI SYSTEM_RESET).
    Reset,
    /// A core can make no progress.
    Stuck { cpu: usize, pc: u64, esr: u64, unimp: Option<(u64, u32, &'static str)> },
}

/// A byte sink shared by the UART and semihosting so their output interleaves in order.
#[derive(Clone)]
pub struct SharedOut(pub Rc<RefCell<Box<dyn Write>>>);

impl SharedOut {
    pub fn new(w: Box<dyn Write>) -> Self {
        Self(Rc::new(RefCell::new(w)))
    }
}

impl std::fmt::Debug for SharedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedOut")
    }
}

impl SerialOutput for SharedOut {
    fn write_byte(&mut self, byte: u8) {
        // A closed host stdout must not stop the guest: output is dropped.
        let _ = self.0.borrow_mut().write_all(&[byte]);
    }
    fn flush(&mut self) {
        let _ = self.0.borrow_mut().flush();
    }
}

/// The console input the board pulls from.
pub type BoxedInput = Box<dyn SerialInput>;

struct InputAdapter(BoxedInput);
impl SerialInput for InputAdapter {
    fn try_read(&mut self) -> Option<u8> {
        self.0.try_read()
    }
}

type Uart = Pl011<SharedOut, InputAdapter>;

/// Lets the board keep a handle on a device the bus owns.
struct Shared<T>(Rc<RefCell<T>>);
impl<T: MmioDevice> MmioDevice for Shared<T> {
    fn read(&mut self, at: Access, offset: u64, size: u8) -> u64 {
        self.0.borrow_mut().read(at, offset, size)
    }
    fn write(&mut self, at: Access, offset: u64, size: u8, value: u64) {
        self.0.borrow_mut().write(at, offset, size, value)
    }
}

struct SemihostingConsole<'a> {
    out: &'a SharedOut,
    err: &'a SharedOut,
}

impl Console for SemihostingConsole<'_> {
    fn stdout(&mut self, bytes: &[u8]) {
        let _ = self.out.0.borrow_mut().write_all(bytes);
    }
    fn stderr(&mut self, bytes: &[u8]) {
        let _ = self.out.0.borrow_mut().flush();
        let _ = self.err.0.borrow_mut().write_all(bytes);
        let _ = self.err.0.borrow_mut().flush();
    }
}

/// A core's power and wait state, as the scheduler sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreState {
    /// Running instructions.
    Running,
    /// In WFI (or a PSCI CPU_SUSPEND), until an interrupt is asserted.
    Wfi,
    /// In WFE, until a wake-up event.
    Wfe,
    /// Powered off (PSCI CPU_OFF, or not yet CPU_ON'd).
    Off,
    /// Held by the firmware until its spin-table slot names an entry point (bare-metal
    /// images started at EL3).
    Parked,
}

/// One core and what the board keeps about it.
#[derive(Debug)]
pub struct Core {
    pub cpu: Cpu,
    pub state: CoreState,
    /// PSCI CPU_SUSPEND to a powerdown state: where the core resumes, (EL, entry, x0).
    resume: Option<(u8, u64, u64)>,
    /// The global monitor: the granule this core holds a reservation on and its bytes
    /// when the core last ran. Another core's store shows as a difference (IMPDEF: a
    /// store of the same bytes goes unseen, as with QEMU's compare-and-swap exclusives).
    reservation: Option<(u64, [u8; GRANULE])>,
    /// The timer outputs (PPI, level) last given to the GIC.
    timer_levels: [(u32, bool); 4],
}

impl Core {
    /// Cycles until the core wakes by itself (its timer, or the event stream while in
    /// WFE), and whether the event stream is what comes first.
    fn own_wake(&self) -> Option<(u64, bool)> {
        let t = self.cpu.cycles_to_timer_event();
        let e = if self.state == CoreState::Wfe { self.cpu.cycles_to_event_stream() } else { None };
        match (t, e) {
            (Some(t), Some(e)) => Some(if e <= t { (e, true) } else { (t, false) }),
            (Some(t), None) => Some((t, false)),
            (None, Some(e)) => Some((e, true)),
            (None, None) => None,
        }
    }

    /// Whether PSCI counts the core as on.
    fn is_on(&self) -> bool {
        matches!(self.state, CoreState::Running | CoreState::Wfi | CoreState::Wfe)
    }
}

/// Per-core figures for `--stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoreStats {
    pub insns: u64,
    pub cycles: u64,
    pub idle_cycles: u64,
    pub exceptions: u64,
    pub interrupts: u64,
    /// SGIs (inter-processor interrupts) the core acknowledged.
    pub ipis: u64,
}

/// The rpi4b machine.
pub struct Machine {
    pub cores: Vec<Core>,
    pub bus: Bus,
    pub loaded: Loaded,
    uart: Rc<RefCell<Uart>>,
    gic: Rc<RefCell<Gic400>>,
    emmc2: Rc<RefCell<Emmc2>>,
    events: EventQueue,
    /// Who each event target number calls.
    targets: Vec<Rc<RefCell<dyn EventTarget>>>,
    /// The shared translated-code cache, while no core holds it.
    code: Option<bramble_cpu::CodeCache>,
    out: SharedOut,
    err: SharedOut,
    max_insns: Option<u64>,
    clock: Clock,
    quantum: u64,
    /// Virtual time (cycles) at the start of the current round: every core is there or
    /// past it.
    now: u64,
    /// The highest virtual time any core read the counter at (see `Cpu::set_counter_floor`).
    counter_floor: u64,
    /// The boot exception level, at which spin-table releases start a core.
    boot_el: u8,
    /// Whether parked cores watch the spin table (off when the image covers it).
    spin_table: bool,
    /// `--serial-input`: the bytes and how many have been typed.
    script: Option<(Vec<u8>, usize)>,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cpus: Vec<_> = self.cores.iter().map(|c| (&c.cpu, c.state)).collect();
        f.debug_struct("Machine").field("cores", &cpus).field("bus", &self.bus).finish()
    }
}

/// What a core's turn in a round ended with.
enum Turn {
    /// The core reached the end of the round or waits; `ran` says whether it executed
    /// anything.
    Done {
        ran: bool,
    },
    Exit(Exit),
}

impl Machine {
    /// Builds the board, loads the kernel and resets the cores: core 0 at the image's
    /// entry, the others off (PSCI) or parked (spin table).
    pub fn new(cfg: &Config, out: SharedOut, err: SharedOut, input: BoxedInput) -> Result<Self, MachineError> {
        if !(1..=MAX_CPUS).contains(&cfg.cpus) {
            return Err(MachineError::Cpus(cfg.cpus));
        }
        let mut bus = Bus::new(Ram::new(cfg.mem)?);
        let signal = bus.irq_signal();
        let gic = Rc::new(RefCell::new(Gic400::new(cfg.cpus)));
        gic.borrow_mut().set_signal(signal.clone());
        let uart_irq = IrqLine::with_signal(signal.clone());
        let uart = Rc::new(RefCell::new(Pl011::new(out.clone(), InputAdapter(input), uart_irq.clone())));
        let card = match &cfg.sd {
            Some(img) => Some(SdCard::new(disk::open(img)?)),
            None => None,
        };
        let emmc2_irq = IrqLine::with_signal(signal.clone());
        let emmc2 = Rc::new(RefCell::new(Emmc2::new(card, emmc2_irq.clone())));
        let events = EventQueue::default();
        let mut targets: Vec<Rc<RefCell<dyn EventTarget>>> = Vec::new();
        for dev in DEVICES {
            let (model, line): (Box<dyn MmioDevice>, Option<&IrqLine>) = match dev.model {
                Model::GicDistributor => (Gic400::distributor(&gic), None),
                Model::GicCpuInterface => (Gic400::cpu_interface(&gic), None),
                Model::Pl011 => (Box::new(Shared(uart.clone())), Some(&uart_irq)),
                Model::Emmc2 => {
                    targets.push(emmc2.clone());
                    emmc2.borrow_mut().set_events(events.handle(targets.len() - 1));
                    (Box::new(Shared(emmc2.clone())), Some(&emmc2_irq))
                }
            };
            bus.add(dev.name, dev.base, dev.size, model)?;
            if let (Some(spi), Some(line)) = (dev.spi, line) {
                gic.borrow_mut().connect(0, 32 + spi, line.clone());
            }
        }
        let loaded = load_kernel(&cfg.kernel, &mut bus, cfg.load_addr)?;
        let is_linux = matches!(loaded.kind, LoadedKind::Image(_));
        let boot_el = cfg.boot_el.unwrap_or(if is_linux { 1 } else { 3 });
        let (hvc, smc) = psci_conduit(boot_el);
        let mut cores = Vec::with_capacity(cfg.cpus);
        for n in 0..cfg.cpus {
            let mut cpu = Cpu::new(cfg.features, boot_el);
            cpu.set_core_id(n as u8);
            cpu.set_cpu_hz(cfg.cpu_hz);
            cpu.set_translate(cfg.translate);
            cpu.set_jit_threshold(cfg.jit_threshold);
            cpu.set_semihosting(cfg.semihosting);
            cpu.set_firmware_calls(hvc, smc);
            cpu.set_stop_on_device_access(true);
            cpu.set_broadcasting(cfg.cpus > 1);
            let state = match n {
                0 => CoreState::Running,
                _ if boot_el == 3 => CoreState::Parked,
                _ => CoreState::Off,
            };
            cores.push(Core { cpu, state, resume: None, reservation: None, timer_levels: [(0, false); 4] });
        }
        // One translated-code cache for all: core 0's.
        let code = cores[0].cpu.detach_code_cache(&mut bus);
        for c in &mut cores[1..] {
            drop(c.cpu.detach_code_cache(&mut bus));
        }
        cores[0].cpu.set_pc(loaded.entry);
        // A Linux Image, and any image started below EL3 (as QEMU boots `-kernel` and the
        // Pi firmware kernel8.img: test suites such as kvm-unit-tests rely on it), is
        // entered by the arm64 boot protocol (booting.rst): x0 = DTB, x1..x3 = 0, MMU
        // off, IRQs masked; the DTB on its own 2 MiB-aligned slot after the image, the
        // initrd after.
        if is_linux || boot_el < 3 {
            let dtb_addr = loaded.end.next_multiple_of(TWO_MIB);
            let initrd = match &cfg.initrd {
                Some(path) => {
                    let bytes = crate::loader::read_file(path)?;
                    let start = dtb_addr + TWO_MIB;
                    place(path, "initrd", &mut bus, start, &bytes, bytes.len() as u64)?;
                    Some((start, start + bytes.len() as u64))
                }
                None => None,
            };
            let dtb = match &cfg.dtb {
                Some(path) => user_dtb(path, cfg.append.as_deref(), initrd)?,
                None => {
                    let fdt_cfg = FdtConfig {
                        memory: bus.ram.regions(),
                        bootargs: cfg.append.clone().unwrap_or_else(|| DEFAULT_BOOTARGS.to_string()),
                        initrd,
                        psci_method: if smc { "smc" } else { "hvc" },
                        cpus: cfg.cpus,
                        sd_card: cfg.sd.is_some(),
                    };
                    fdt::build(&fdt_cfg).map_err(|e| MachineError::Fdt(e.to_string()))?
                }
            };
            if dtb.len() as u64 > TWO_MIB {
                return Err(MachineError::Fdt(format!("the device tree is {} bytes; the limit is 2 MiB", dtb.len())));
            }
            place(&cfg.kernel, "device tree after the kernel", &mut bus, dtb_addr, &dtb, dtb.len() as u64)?;
            cores[0].cpu.set_xreg(0, dtb_addr);
        }
        // The Pi firmware's spin table: cores 1-3 wait for an entry point at 0xe0, 0xe8,
        // 0xf0, which must start zeroed. An image loaded over it is its own firmware, and
        // its other cores stay parked.
        let table_end = SPIN_TABLE + 8 * MAX_CPUS as u64;
        let spin_table = loaded.end <= SPIN_TABLE || loaded.start >= table_end;
        let script = match &cfg.serial_input {
            Some(path) => Some((read_script(path)?, 0)),
            None => None,
        };
        let quantum = match cfg.quantum {
            0 if cfg.cpus == 1 => SLICE,
            0 => QUANTUM,
            q => q,
        };
        Ok(Self {
            cores,
            bus,
            loaded,
            uart,
            gic,
            emmc2,
            events,
            targets,
            code,
            out,
            err,
            max_insns: cfg.max_insns,
            clock: cfg.clock,
            quantum,
            now: 0,
            counter_floor: 0,
            boot_el,
            spin_table,
            script,
        })
    }

    /// The device event queue, and a place in it for `target` (devices with timed
    /// behaviour register here; their events fire at round boundaries, which end no
    /// later than the next deadline).
    pub fn add_event_target(&mut self, target: Rc<RefCell<dyn EventTarget>>) -> bramble_mem::EventHandle {
        self.targets.push(target);
        self.events.handle(self.targets.len() - 1)
    }

    /// Makes every write to the SD card durable; bramble calls it on every exit path
    /// (the image is also synced when the machine is dropped).
    pub fn flush_disks(&mut self) -> std::io::Result<()> {
        match self.emmc2.borrow_mut().card_mut() {
            Some(card) => card.flush(),
            None => Ok(()),
        }
    }

    /// Core 0 (the boot core).
    pub fn cpu(&self) -> &Cpu {
        &self.cores[0].cpu
    }

    /// Instructions executed by all cores.
    pub fn insns(&self) -> u64 {
        self.cores.iter().map(|c| c.cpu.insns()).sum()
    }

    /// The core clock in Hz.
    pub fn cpu_hz(&self) -> u64 {
        self.cores[0].cpu.cpu_hz()
    }

    /// Per-core figures for `--stats`.
    pub fn core_stats(&self) -> Vec<CoreStats> {
        let gic = self.gic.borrow();
        self.cores
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let s = c.cpu.stats();
                CoreStats {
                    insns: c.cpu.insns(),
                    cycles: c.cpu.cycles(),
                    idle_cycles: s.idle_cycles,
                    exceptions: s.exceptions,
                    interrupts: s.interrupts,
                    ipis: gic.sgis_acknowledged(i),
                }
            })
            .collect()
    }

    /// Engine counters summed over the cores.
    pub fn stats(&self) -> bramble_cpu::Stats {
        let mut t = bramble_cpu::Stats::default();
        for c in &self.cores {
            t += c.cpu.stats();
        }
        t
    }

    /// Types the next line of `--serial-input` if the guest is waiting for input. Called
    /// at host checks, which fall on instruction counts, so the points are deterministic.
    fn type_script(&mut self) {
        let Some((bytes, pos)) = &mut self.script else { return };
        let mut uart = self.uart.borrow_mut();
        if *pos >= bytes.len() || !uart.wants_input() {
            return;
        }
        let rest = &bytes[*pos..];
        let line = rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |i| i + 1);
        *pos += uart.receive(&rest[..line]);
    }

    /// Delivers interrupt levels: each core's timer outputs to its PPIs, the GIC's
    /// outputs back to the cores. Skipped when no timer level moved and no source
    /// raised the bus's signal.
    fn sync_interrupts(&mut self) {
        let mut changed = self.bus.irq_signal().take();
        for core in &mut self.cores {
            let levels = core.cpu.timer_outputs();
            if levels != core.timer_levels {
                core.timer_levels = levels;
                changed = true;
            }
        }
        if !changed {
            return;
        }
        let mut gic = self.gic.borrow_mut();
        for (i, core) in self.cores.iter().enumerate() {
            for (intid, level) in core.timer_levels {
                gic.set_ppi_level(i, intid, level);
            }
        }
        gic.update();
        for (i, core) in self.cores.iter_mut().enumerate() {
            let (irq, fiq) = gic.outputs(i);
            core.cpu.set_interrupt_lines(irq, fiq);
        }
        // The GIC's own update raised the signal again: that change is delivered.
        self.bus.irq_signal().take();
    }

    /// Fires the device events due by the start of this round.
    fn fire_events(&mut self) {
        let now_ns = self.ns_at(self.now);
        while let Some((_, target, token)) = self.events.pop_due(now_ns) {
            if let Some(t) = self.targets.get(target) {
                t.borrow_mut().on_event(now_ns, token, &mut self.bus.ram);
            }
        }
    }

    fn ns_at(&self, cycles: u64) -> u64 {
        match cycles.checked_mul(1_000_000_000) {
            Some(p) => p / self.cpu_hz(),
            None => (cycles as u128 * 1_000_000_000 / self.cpu_hz() as u128) as u64,
        }
    }

    /// The first cycle at or after virtual time `ns`.
    fn cycles_at(&self, ns: u64) -> u64 {
        match ns.checked_mul(self.cpu_hz()) {
            Some(p) => p.div_ceil(1_000_000_000),
            None => (ns as u128 * self.cpu_hz() as u128).div_ceil(1_000_000_000).min(u64::MAX as u128) as u64,
        }
    }

    /// Starts parked cores whose spin-table slot names an entry point, as the Pi's
    /// armstub does (x0-x3 zero, at the boot EL).
    fn release_spin_table(&mut self) {
        if !self.spin_table {
            return;
        }
        for i in 1..self.cores.len() {
            if self.cores[i].state != CoreState::Parked {
                continue;
            }
            let entry = self.bus.ram.read(SPIN_TABLE + 8 * i as u64, 8).unwrap_or(0);
            if entry != 0 {
                log::debug!(target: "exc", "CPU {i} released from the spin table to {entry:#x}");
                self.power_on(i, self.now, self.boot_el, entry, 0);
            }
        }
    }

    /// Turns core `i` on at `entry`, its clock brought forward to `at`.
    fn power_on(&mut self, i: usize, at: u64, el: u8, entry: u64, context: u64) {
        let core = &mut self.cores[i];
        let behind = at.saturating_sub(core.cpu.cycles());
        core.cpu.skip_idle(behind);
        core.cpu.power_on(el, entry, context);
        core.state = CoreState::Running;
        core.reservation = None;
    }

    /// Core `i` was switched to: if another core wrote its reserved granule since it last
    /// ran, the reservation is gone (a WFE wake-up event).
    fn check_reservation(&mut self, i: usize) {
        let core = &mut self.cores[i];
        let Some((granule, bytes)) = &core.reservation else { return };
        if core.cpu.exclusive_granule() != Some(*granule) {
            core.reservation = None;
            return;
        }
        if read_granule(&self.bus, *granule).is_some_and(|now| &now != bytes) {
            core.cpu.lose_reservation();
            core.reservation = None;
        }
    }

    /// Core `i` is being switched away from: note its reservation's bytes.
    fn note_reservation(&mut self, i: usize) {
        let core = &mut self.cores[i];
        core.reservation = core.cpu.exclusive_granule().and_then(|g| read_granule(&self.bus, g).map(|b| (g, b)));
    }

    /// Hands core `i`'s broadcasts (TLBI ... IS, SEV) to every other core.
    fn deliver_broadcasts(&mut self, i: usize) {
        if !self.cores[i].cpu.has_broadcasts() {
            return;
        }
        let list = self.cores[i].cpu.take_broadcasts();
        for &b in &list {
            for (j, other) in self.cores.iter_mut().enumerate() {
                if j != i {
                    other.cpu.receive(b);
                }
            }
        }
        self.cores[i].cpu.recycle_broadcasts(list);
    }

    /// Host clock: keeps virtual time with the host time elapsed since `start`. A guest
    /// that has fallen behind (it runs slower than the core clock) jumps forward; one that
    /// is ahead waits, so a guest spinning on the counter sees host seconds.
    /// Returns whether the guest is ahead (the caller then runs nothing until it is not).
    fn follow_host_time(&mut self, start: std::time::Instant, start_cycles: u64) -> bool {
        let hz = self.cpu_hz() as u128;
        let host = (start.elapsed().as_nanos() * hz / 1_000_000_000) as u64;
        let target = start_cycles.saturating_add(host);
        if target > self.now {
            let jump = target - self.now;
            for core in &mut self.cores {
                core.cpu.skip_idle(jump);
            }
            self.now = target;
        } else if self.now - target > (hz / 1000) as u64 {
            // More than a millisecond ahead: wait, in short steps so input and --timeout
            // are still seen.
            let ahead = std::time::Duration::from_nanos(((self.now - target) as u128 * 1_000_000_000 / hz) as u64);
            std::thread::sleep(ahead.min(IDLE_POLL * 10));
            return true;
        }
        false
    }

    /// The earliest time a waiting core could wake by itself (a timer, the event stream)
    /// or a device event is due, if any.
    fn next_wake(&self) -> Option<u64> {
        let cores = self
            .cores
            .iter()
            .filter(|c| c.is_on())
            .filter_map(|c| c.own_wake().map(|(d, _)| c.cpu.cycles().saturating_add(d)));
        let event = self.events.next_deadline().map(|ns| self.cycles_at(ns));
        cores.chain(event).min()
    }

    /// Runs until the guest exits, the instruction limit is reached, a core is stuck, or
    /// `should_stop` (called about every million instructions, and while idle) says so.
    pub fn run(&mut self, should_stop: &mut dyn FnMut() -> bool) -> Exit {
        // Host-side checks (console input, --timeout, C-a x) happen every SLICE
        // instructions, counted over all cores.
        let mut next_check = self.insns() + SLICE;
        let host_start = std::time::Instant::now();
        self.now = self.cores.iter().map(|c| c.cpu.cycles()).min().unwrap_or(0);
        let start_cycles = self.now;
        let exit = 'run: loop {
            if self.clock == Clock::Host && self.follow_host_time(host_start, start_cycles) {
                self.uart.borrow_mut().poll();
                if should_stop() {
                    break Exit::Stopped;
                }
                continue;
            }
            if self.insns() >= next_check {
                next_check = self.insns() + SLICE;
                self.type_script();
                self.uart.borrow_mut().poll();
                if should_stop() {
                    break Exit::Stopped;
                }
            }
            if let Some(max) = self.max_insns {
                if self.insns() >= max {
                    break Exit::InsnLimit;
                }
            }
            self.fire_events();
            self.release_spin_table();
            self.sync_interrupts();
            let mut round_end = self.now.saturating_add(self.quantum);
            if let Some(ns) = self.events.next_deadline() {
                round_end = round_end.min(self.cycles_at(ns).max(self.now + 1));
            }
            if self.clock == Clock::Host {
                // A millisecond at a time, so a fast guest never gets far ahead of the host.
                round_end = round_end.min(self.now + (self.cpu_hz() / 1000).max(1));
            }
            let mut ran = false;
            for i in 0..self.cores.len() {
                match self.turn(i, round_end) {
                    Turn::Done { ran: r } => ran |= r,
                    Turn::Exit(e) => break 'run e,
                }
            }
            if ran {
                self.now = round_end;
                continue;
            }
            // Nobody ran: every core waits (or is off). Jump to the next wake-up, or wait
            // for host input if nothing in the machine will ever wake a core.
            match self.next_wake() {
                Some(at) if self.clock == Clock::Virtual => self.idle_until(at.max(round_end)),
                Some(at) => {
                    // Host clock: wait for the deadline in host time (in steps, so input
                    // still wakes the guest); follow_host_time moves time on.
                    let secs = at.saturating_sub(self.now) as f64 / self.cpu_hz() as f64;
                    std::thread::sleep(std::time::Duration::from_secs_f64(secs).min(IDLE_POLL));
                    self.idle_until(round_end);
                    self.uart.borrow_mut().poll();
                    if should_stop() {
                        break Exit::Stopped;
                    }
                }
                None => {
                    // Only input can wake a core: wait for it without spinning.
                    self.idle_until(round_end);
                    std::thread::sleep(IDLE_POLL);
                    self.uart.borrow_mut().poll();
                    if should_stop() {
                        break Exit::Stopped;
                    }
                }
            }
        };
        let _ = self.out.0.borrow_mut().flush();
        exit
    }

    /// Moves virtual time to `at` with every core idle (or off) meanwhile.
    fn idle_until(&mut self, at: u64) {
        for core in &mut self.cores {
            let behind = at.saturating_sub(core.cpu.cycles());
            if core.is_on() && behind > 0 {
                core.cpu.skip_idle(behind);
            }
        }
        self.now = self.now.max(at);
    }

    /// Core `i`'s turn in the round that ends at `round_end`.
    fn turn(&mut self, i: usize, round_end: u64) -> Turn {
        self.check_reservation(i);
        let mut ran = false;
        loop {
            let cycles = self.cores[i].cpu.cycles();
            if cycles >= round_end {
                return Turn::Done { ran };
            }
            let core = &mut self.cores[i];
            match core.state {
                CoreState::Off | CoreState::Parked => return Turn::Done { ran },
                CoreState::Running => {}
                CoreState::Wfi | CoreState::Wfe => {
                    let wakes = if core.state == CoreState::Wfi { core.cpu.wfi_wakes() } else { core.cpu.wfe_wakes() };
                    if wakes {
                        core.state = CoreState::Running;
                        if let Some((el, entry, context)) = core.resume.take() {
                            core.cpu.power_on(el, entry, context);
                        }
                    } else {
                        // Asleep until its own next event or the end of the round.
                        let wake = core.own_wake();
                        let until = wake.map_or(round_end, |(d, _)| cycles.saturating_add(d).min(round_end));
                        core.cpu.skip_idle(until - cycles);
                        if until >= round_end {
                            return Turn::Done { ran };
                        }
                        // The event stream wakes a WFE by itself; a timer through the GIC.
                        if wake.is_some_and(|(d, stream)| stream && cycles + d <= until) {
                            core.cpu.send_event();
                        }
                        self.sync_interrupts();
                        continue;
                    }
                }
            }
            let mut budget = round_end - cycles;
            if let Some(c) = self.cores[i].cpu.cycles_to_timer_event() {
                budget = budget.min(c.max(1));
            }
            if let Some(max) = self.max_insns {
                let done = self.insns();
                if done >= max {
                    return Turn::Exit(Exit::InsnLimit);
                }
                // Every instruction costs at least a cycle: the budget never passes max.
                budget = budget.min(max - done);
            }
            ran = true;
            let stop = self.run_core(i, budget);
            match stop {
                StopReason::Budget | StopReason::DeviceAccess | StopReason::TimerChanged => self.sync_interrupts(),
                StopReason::Wfi => {
                    self.cores[i].state = CoreState::Wfi;
                    self.sync_interrupts();
                }
                StopReason::Wfe => {
                    self.cores[i].state = CoreState::Wfe;
                    self.sync_interrupts();
                }
                StopReason::Semihosting => {
                    let mut console = SemihostingConsole { out: &self.out, err: &self.err };
                    if let Outcome::Exit(code) =
                        semihosting::handle(&mut self.cores[i].cpu, &mut self.bus, &mut console)
                    {
                        return Turn::Exit(Exit::Semihosting(code));
                    }
                }
                StopReason::FirmwareCall { .. } => {
                    if let Some(exit) = self.firmware_call(i) {
                        return Turn::Exit(exit);
                    }
                }
                StopReason::ExceptionLoop { pc, esr, unimp } => {
                    return Turn::Exit(Exit::Stuck { cpu: i, pc, esr, unimp })
                }
            }
        }
    }

    /// Runs core `i` for up to `budget` cycles with the shared code cache and the
    /// cluster's counter floor, then hands on what it did to the others.
    fn run_core(&mut self, i: usize, budget: u64) -> StopReason {
        let core = &mut self.cores[i];
        self.bus.set_requester(i);
        core.cpu.attach_code_cache(self.code.take());
        core.cpu.set_counter_floor(self.counter_floor);
        let stop = core.cpu.run(&mut self.bus, budget);
        self.code = core.cpu.detach_code_cache(&mut self.bus);
        self.counter_floor = self.counter_floor.max(core.cpu.counter_floor());
        self.note_reservation(i);
        self.deliver_broadcasts(i);
        stop
    }

    /// A PSCI call from core `i`.
    fn firmware_call(&mut self, i: usize) -> Option<Exit> {
        let on: Vec<bool> = self.cores.iter().map(Core::is_on).collect();
        let ram = self.bus.ram.regions();
        let cluster = psci::Cluster { on: &on, ram: &ram };
        match psci::handle(&mut self.cores[i].cpu, i, cluster) {
            psci::Outcome::Continue => {}
            psci::Outcome::PowerOff => return Some(Exit::PowerOff),
            psci::Outcome::Reset => return Some(Exit::Reset),
            psci::Outcome::CpuOn { target, el, entry, context } => {
                // The new core starts from the caller's present.
                let at = self.cores[i].cpu.cycles();
                self.power_on(target, at, el, entry, context);
            }
            psci::Outcome::CpuOff => {
                let core = &mut self.cores[i];
                core.state = CoreState::Off;
                core.cpu.lose_reservation();
            }
            psci::Outcome::Suspend { resume } => {
                let core = &mut self.cores[i];
                core.state = CoreState::Wfi;
                core.resume = resume;
            }
        }
        None
    }
}

/// The bytes of a reservation granule, if it is RAM.
fn read_granule(bus: &Bus, granule: u64) -> Option<[u8; GRANULE]> {
    bus.ram.slice(granule, GRANULE as u64)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// A machine running a raw image of `words` at 0x80000 (EL3) with `cpus` cores.
    fn machine(name: &str, words: &[u32], cpus: usize) -> Machine {
        let path = std::env::temp_dir().join(format!("bramble-machine-{}-{name}.bin", std::process::id()));
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        std::fs::write(&path, bytes).unwrap();
        let cfg = Config {
            kernel: path,
            mem: 64 << 20,
            load_addr: None,
            boot_el: None,
            append: None,
            initrd: None,
            dtb: None,
            semihosting: false,
            features: Features::CORTEX_A72,
            max_insns: None,
            cpu_hz: bramble_cpu::CPU_HZ,
            clock: Clock::Virtual,
            translate: true,
            jit_threshold: 0,
            serial_input: None,
            cpus,
            quantum: 0,
            sd: None,
        };
        let out = SharedOut::new(Box::new(std::io::sink()));
        Machine::new(&cfg, out.clone(), out, Box::new(std::collections::VecDeque::new())).unwrap()
    }

    /// Records when it was called.
    struct Recorder(Vec<(u64, u32)>);
    impl EventTarget for Recorder {
        fn on_event(&mut self, now_ns: u64, token: u32, _: &mut Ram) {
            self.0.push((now_ns, token));
        }
    }

    #[test]
    fn device_events_fire_at_their_deadline_in_order() {
        let mut m = machine("events", &[0x14000000 /* b . */], 4);
        let rec = Rc::new(RefCell::new(Recorder(Vec::new())));
        let handle = m.add_event_target(rec.clone());
        handle.schedule(50_000, 2); // 50 us
        handle.schedule(20_000, 1); // 20 us
        handle.schedule(20_000, 3);
        handle.schedule(90_000, 9);
        handle.cancel(9);
        m.max_insns = Some(300_000); // about 200 us of a spinning core
        assert_eq!(m.run(&mut || false), Exit::InsnLimit);
        let fired = rec.borrow().0.clone();
        assert_eq!(
            fired.iter().map(|&(_, t)| t).collect::<Vec<_>>(),
            [1, 3, 2],
            "deadline order, then scheduling order"
        );
        // Rounds end at a deadline, so an event fires at it (to the nanosecond the clock
        // resolves), not a quantum late.
        assert!(fired[0].0 >= 20_000 && fired[0].0 < 20_001, "{fired:?}");
        assert!(fired[2].0 >= 50_000 && fired[2].0 < 50_001, "{fired:?}");
        assert!(m.events.is_empty());
    }

    #[test]
    fn parked_cores_wait_for_the_spin_table_and_stay_in_step() {
        // Core 0 spins at 0x80000; the entry written into core 2's slot (0xe8) is the
        // `b .` at 0x8000c.
        let mut m = machine(
            "spin",
            &[
                0x14000000, // b .
                0xd503201f, // nop
                0xd503201f, // nop
                0x14000000, // b .
            ],
            4,
        );
        m.max_insns = Some(50_000);
        assert_eq!(m.run(&mut || false), Exit::InsnLimit);
        assert_eq!(m.cores[2].state, CoreState::Parked, "a zero slot holds the core");
        m.bus.ram.write(SPIN_TABLE + 16, 8, 0x8_000c);
        m.max_insns = Some(200_000);
        assert_eq!(m.run(&mut || false), Exit::InsnLimit);
        assert_eq!(m.cores[2].state, CoreState::Running);
        assert_eq!((m.cores[2].cpu.pc(), m.cores[2].cpu.el()), (0x8_000c, 3));
        assert_eq!([1, 3].map(|i| m.cores[i].state), [CoreState::Parked; 2]);
        // Running cores end every round together (within one instruction's cost).
        let (c0, c2) = (m.cores[0].cpu.cycles(), m.cores[2].cpu.cycles());
        assert!(c0.abs_diff(c2) <= QUANTUM, "{c0} vs {c2}");
    }
}

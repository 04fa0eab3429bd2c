//! The machine: CPU, bus and devices wired per the memory map, and the run loop.

use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;

use bramble_cpu::{Cpu, Features, StopReason};
use bramble_devices::{Gic400, Pl011, SerialInput, SerialOutput};
use bramble_mem::{Bus, BusError, IrqLine, MmioDevice, Ram, RamError};
use thiserror::Error;

use crate::fdt::{self, FdtConfig};
use crate::fdt_parse;
use crate::loader::{load_kernel, place, LoadError, Loaded, LoadedKind};
use crate::memmap::{GIC_CPU, GIC_DIST, UART0};
use crate::psci;
use crate::semihosting::{self, Console, Outcome};

/// Instructions per slice between device polls and host checks.
const SLICE: u64 = 1 << 20;
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
    /// The CPU can make no progress.
    Stuck { pc: u64, esr: u64, unimp: Option<(u64, u32, &'static str)> },
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
    fn read(&mut self, offset: u64, size: u8) -> u64 {
        self.0.borrow_mut().read(offset, size)
    }
    fn write(&mut self, offset: u64, size: u8, value: u64) {
        self.0.borrow_mut().write(offset, size, value)
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

/// The rpi4b machine.
pub struct Machine {
    pub cpu: Cpu,
    pub bus: Bus,
    pub loaded: Loaded,
    uart: Rc<RefCell<Uart>>,
    gic: Rc<RefCell<Gic400>>,
    out: SharedOut,
    err: SharedOut,
    max_insns: Option<u64>,
    clock: Clock,
    /// `--serial-input`: the bytes and how many have been typed.
    script: Option<(Vec<u8>, usize)>,
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine").field("cpu", &self.cpu).field("bus", &self.bus).finish()
    }
}

impl Machine {
    /// Builds the board, loads the kernel and resets the CPU to its entry.
    pub fn new(cfg: &Config, out: SharedOut, err: SharedOut, input: BoxedInput) -> Result<Self, MachineError> {
        let mut bus = Bus::new(Ram::new(cfg.mem)?);
        let gic = Rc::new(RefCell::new(Gic400::new(1)));
        bus.add(GIC_DIST.name, GIC_DIST.base, GIC_DIST.size, Gic400::distributor(&gic))?;
        bus.add(GIC_CPU.name, GIC_CPU.base, GIC_CPU.size, Gic400::cpu_interface(&gic))?;
        let uart_irq = IrqLine::new();
        let uart = Rc::new(RefCell::new(Pl011::new(out.clone(), InputAdapter(input), uart_irq.clone())));
        bus.add(UART0.name, UART0.base, UART0.size, Box::new(Shared(uart.clone())))?;
        if let Some(spi) = UART0.spi {
            gic.borrow_mut().connect(0, 32 + spi, uart_irq);
        }
        let loaded = load_kernel(&cfg.kernel, &mut bus, cfg.load_addr)?;
        let is_linux = matches!(loaded.kind, LoadedKind::Image(_));
        let boot_el = cfg.boot_el.unwrap_or(if is_linux { 1 } else { 3 });
        let mut cpu = Cpu::new(cfg.features, boot_el);
        cpu.set_cpu_hz(cfg.cpu_hz);
        cpu.set_translate(cfg.translate);
        cpu.set_jit_threshold(cfg.jit_threshold);
        cpu.set_semihosting(cfg.semihosting);
        let (hvc, smc) = psci_conduit(boot_el);
        cpu.set_firmware_calls(hvc, smc);
        cpu.set_stop_on_device_access(true);
        cpu.set_pc(loaded.entry);
        if is_linux {
            // arm64 boot protocol (booting.rst): x0 = DTB, x1..x3 = 0, MMU off, IRQs
            // masked; the DTB on its own 2 MiB-aligned slot after the image, the initrd after.
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
                    };
                    fdt::build(&fdt_cfg).map_err(|e| MachineError::Fdt(e.to_string()))?
                }
            };
            if dtb.len() as u64 > TWO_MIB {
                return Err(MachineError::Fdt(format!("the device tree is {} bytes; the limit is 2 MiB", dtb.len())));
            }
            place(&cfg.kernel, "device tree after the kernel", &mut bus, dtb_addr, &dtb, dtb.len() as u64)?;
            cpu.set_xreg(0, dtb_addr);
        }
        let script = match &cfg.serial_input {
            Some(path) => Some((read_script(path)?, 0)),
            None => None,
        };
        Ok(Self { cpu, bus, loaded, uart, gic, out, err, max_insns: cfg.max_insns, clock: cfg.clock, script })
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

    /// Feeds the CPU's timer outputs to the GIC and the GIC's outputs back to the CPU.
    fn sync_interrupts(&mut self) {
        let mut gic = self.gic.borrow_mut();
        for (intid, level) in self.cpu.timer_outputs() {
            gic.set_ppi_level(0, intid, level);
        }
        gic.update();
        let (irq, fiq) = gic.outputs(0);
        self.cpu.set_interrupt_lines(irq, fiq);
    }

    /// Host clock: keeps virtual time with the host time elapsed since `start`. A guest
    /// that has fallen behind (it runs slower than the core clock) jumps forward; one that
    /// is ahead waits, so a guest spinning on the counter sees host seconds.
    /// Returns whether the guest is ahead (the caller then runs nothing until it is not).
    fn follow_host_time(&mut self, start: std::time::Instant, start_cycles: u64) -> bool {
        let hz = self.cpu.cpu_hz() as u128;
        let host = (start.elapsed().as_nanos() * hz / 1_000_000_000) as u64;
        let target = start_cycles.saturating_add(host);
        let now = self.cpu.cycles();
        if target > now {
            self.cpu.skip_idle(target - now);
        } else if now - target > (hz / 1000) as u64 {
            // More than a millisecond ahead: wait, in short steps so input and --timeout
            // are still seen.
            let ahead = std::time::Duration::from_nanos(((now - target) as u128 * 1_000_000_000 / hz) as u64);
            std::thread::sleep(ahead.min(IDLE_POLL * 10));
            return true;
        }
        false
    }

    /// Runs until the guest exits, the instruction limit is reached, the CPU is stuck, or
    /// `should_stop` (called between slices of about a million instructions) says so.
    pub fn run(&mut self, should_stop: &mut dyn FnMut() -> bool) -> Exit {
        // Host-side checks (console input, --timeout, C-a x) happen every SLICE instructions
        // whatever ends the slices: a busy guest that keeps reprogramming its timer or
        // touching devices never runs a slice to its end.
        let mut next_check = self.cpu.insns() + SLICE;
        let host_start = std::time::Instant::now();
        let start_cycles = self.cpu.cycles();
        let exit = loop {
            if self.clock == Clock::Host && self.follow_host_time(host_start, start_cycles) {
                self.uart.borrow_mut().poll();
                if should_stop() {
                    break Exit::Stopped;
                }
                continue;
            }
            if self.cpu.insns() >= next_check {
                next_check = self.cpu.insns() + SLICE;
                self.type_script();
                self.uart.borrow_mut().poll();
                if should_stop() {
                    break Exit::Stopped;
                }
            }
            self.sync_interrupts();
            let mut budget = match self.max_insns {
                Some(max) if self.cpu.insns() >= max => break Exit::InsnLimit,
                Some(max) => (max - self.cpu.insns()).min(SLICE),
                None => SLICE,
            };
            // The budget is in cycles; every instruction costs at least one, so this never
            // passes max_insns. End the slice exactly when a timer fires.
            if let Some(cycles) = self.cpu.cycles_to_timer_event() {
                budget = budget.min(cycles.max(1));
            }
            if self.clock == Clock::Host {
                // A millisecond at a time, so a fast guest never gets far ahead of the host.
                budget = budget.min((self.cpu.cpu_hz() / 1000).max(1));
            }
            let stop = self.cpu.run(&mut self.bus, budget);
            match stop {
                StopReason::Budget => {
                    next_check = next_check.min(self.cpu.insns());
                }
                // Levels or deadlines changed: the loop re-syncs before running on.
                StopReason::DeviceAccess | StopReason::TimerChanged => {}
                StopReason::Wfi => {
                    self.sync_interrupts();
                    if self.cpu.interrupt_asserted() {
                        continue;
                    }
                    match self.cpu.cycles_to_timer_event() {
                        // Host clock: wait for the deadline in host time (in steps, so
                        // input still wakes the guest); follow_host_time moves time on.
                        Some(cycles) if self.clock == Clock::Host => {
                            let secs = cycles as f64 / self.cpu.cpu_hz() as f64;
                            std::thread::sleep(std::time::Duration::from_secs_f64(secs).min(IDLE_POLL));
                            self.uart.borrow_mut().poll();
                            if should_stop() {
                                break Exit::Stopped;
                            }
                        }
                        // Idle time passes at once: nothing can happen before the timer.
                        Some(cycles) => self.cpu.skip_idle(cycles),
                        None => {
                            // Only input can wake the CPU: wait for it without spinning.
                            std::thread::sleep(IDLE_POLL);
                            self.uart.borrow_mut().poll();
                            if should_stop() {
                                break Exit::Stopped;
                            }
                        }
                    }
                }
                StopReason::Semihosting => {
                    let mut console = SemihostingConsole { out: &self.out, err: &self.err };
                    if let Outcome::Exit(code) = semihosting::handle(&mut self.cpu, &mut self.bus, &mut console) {
                        break Exit::Semihosting(code);
                    }
                }
                StopReason::FirmwareCall { .. } => match psci::handle(&mut self.cpu) {
                    psci::Outcome::Continue => {}
                    psci::Outcome::PowerOff => break Exit::PowerOff,
                    psci::Outcome::Reset => break Exit::Reset,
                },
                StopReason::ExceptionLoop { pc, esr, unimp } => break Exit::Stuck { pc, esr, unimp },
            }
        };
        let _ = self.out.0.borrow_mut().flush();
        exit
    }
}

//! `bramble`: the command line. Parses arguments, installs the logger, connects the host
//! console to the board and turns the way the machine stopped into an exit code.
//!
//! Exit codes: 0 when the guest powers off (or resets, with `--no-reboot`) or exits with 0;
//! the guest's code for a semihosting exit;
//! 124 when `--timeout` or `--max-insns` runs out; 2 for a bad command line or input file;
//! 3 when the emulator stops on something it cannot continue from.

mod console;
mod size;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bramble_board::{BoxedInput, Clock, Config, Exit, Features, Machine, SdImage, SharedOut};
use clap::{Parser, Subcommand, ValueEnum};

/// A pure-software AArch64 emulator of a Raspberry Pi 4-class board.
#[derive(Debug, Parser)]
#[command(name = "bramble", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Boot a kernel or bare-metal image on the rpi4b board.
    Run(Box<RunArgs>),
    /// Write the device tree blob the board gives a Linux kernel.
    Dtb(DtbArgs),
}

#[derive(Debug, clap::Args)]
struct DtbArgs {
    /// Guest RAM the tree describes (as for `run --mem`).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = size::parse_mem)]
    mem: u64,

    /// Cores the tree lists (as for `run --cpus`).
    #[arg(long, visible_alias = "smp", value_name = "N", default_value_t = 4, value_parser = parse_cpus)]
    cpus: usize,

    /// Where to write the blob (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CpuModel {
    /// The Raspberry Pi 4's core: Armv8.0-A with CRC32.
    CortexA72,
    /// Every feature bramble implements (adds LSE atomics and LDAPR).
    Max,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ClockArg {
    Virtual,
    Host,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Image to boot: an ELF, a Linux arm64 Image, or a raw binary (see --load-addr).
    /// Without it, bramble boots the --sd card as the Pi firmware does: config.txt,
    /// cmdline.txt and the kernel, initramfs and device tree they name, from the card's
    /// FAT boot partition.
    #[arg(long, value_name = "FILE", required_unless_present = "sd")]
    kernel: Option<PathBuf>,

    /// Guest RAM, e.g. 512M, 1G, 4G (a bare number is MiB, as in QEMU) [default: 1G, or
    /// config.txt's total_mem when booting a card].
    #[arg(long, value_name = "SIZE", value_parser = size::parse_mem)]
    mem: Option<u64>,

    /// Enable Arm semihosting (HLT #0xF000): console output and exit codes.
    #[arg(long)]
    semihosting: bool,

    /// Stop after this many host seconds with exit code 124.
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    timeout: Option<f64>,

    /// Physical address for a raw binary (default 0x80000) or a 2 MiB-aligned base for an
    /// arm64 Image (default 0x200000). Ignored for ELF files, which carry their addresses.
    #[arg(long, value_name = "ADDR", value_parser = size::parse_addr)]
    load_addr: Option<u64>,

    /// Exception level the CPU starts at [default: EL1 for a Linux Image, as the arm64
    /// boot protocol allows; EL3 for other images, as on hardware].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=3))]
    boot_el: Option<u8>,

    /// Kernel command line for a Linux Image.
    #[arg(long, value_name = "CMDLINE")]
    append: Option<String>,

    /// Initial ramdisk for a Linux Image.
    #[arg(long, value_name = "FILE")]
    initrd: Option<PathBuf>,

    /// Boot a Linux Image with this device tree blob instead of the generated one
    /// (bramble fills in /chosen: bootargs from --append, the initrd range).
    #[arg(long, value_name = "FILE")]
    dtb: Option<PathBuf>,

    /// Cores (1-4; the Pi 4 has 4). `--smp` is accepted as in QEMU.
    #[arg(long, visible_alias = "smp", value_name = "N", default_value_t = 4, value_parser = parse_cpus)]
    cpus: usize,

    /// An SD card image for the EMMC2 slot (a raw image, a multiple of 512 bytes);
    /// `FILE,readonly` makes the card write-protected.
    #[arg(long, value_name = "FILE[,readonly]")]
    sd: Option<String>,

    /// Writes to the SD card go to a temporary overlay, discarded at exit: the image file
    /// is never modified (QEMU's -snapshot).
    #[arg(long)]
    snapshot: bool,

    /// Cycles each core runs in its turn when several take turns (0: the default).
    #[arg(long, value_name = "CYCLES", hide = true, default_value_t = 0)]
    quantum: u64,

    /// CPU model: which architecture features exist and are reported in ID registers.
    #[arg(long, value_enum, default_value = "cortex-a72")]
    cpu: CpuModel,

    /// Stop after this many guest instructions with exit code 124 (deterministic budget).
    #[arg(long, value_name = "N")]
    max_insns: Option<u64>,

    /// Core clock in MHz: how many cycles of the timing model make a second of guest time
    /// (the generic timer counts at 54 MHz against it).
    #[arg(long, value_name = "MHZ", default_value_t = 1500, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    cpu_mhz: u64,

    /// virtual: guest time is retired instructions and idle time skips ahead, so runs are
    /// reproducible (default). host: guest time keeps up with the host clock and WFI
    /// sleeps, for interactive use.
    #[arg(long, value_enum, default_value = "virtual")]
    clock: ClockArg,

    /// Exit (code 0) when the guest resets instead of restarting the board.
    #[arg(long)]
    no_reboot: bool,

    /// Print execution statistics to stderr at exit.
    #[arg(long)]
    stats: bool,

    /// Run the plain interpreter instead of the block translator (same results, slower).
    #[arg(long)]
    no_translate: bool,

    /// Run translated blocks through the block loop instead of compiling hot ones to host
    /// code (same results, slower; the JIT exists on x86-64 hosts only).
    #[arg(long)]
    no_jit: bool,

    /// Dispatches before a block is compiled (1: every block, before its first run).
    #[arg(long, value_name = "N", hide = true, default_value_t = bramble_board::JIT_THRESHOLD)]
    jit_threshold: u32,

    /// Type the console input from this file, a line at a time whenever the guest waits
    /// for input, instead of reading the terminal; with --clock virtual, runs with the
    /// same file are identical.
    #[arg(long, value_name = "FILE")]
    serial_input: Option<PathBuf>,
}

/// `--sd FILE[,readonly]`: the option words come after the last comma (`,ro` also works).
fn sd_image(spec: &str, snapshot: bool) -> SdImage {
    let (path, read_only) = match spec.rsplit_once(',') {
        Some((p, "readonly" | "ro")) => (p, true),
        _ => (spec, false),
    };
    SdImage { path: PathBuf::from(path), read_only, snapshot }
}

fn parse_cpus(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=bramble_board::MAX_CPUS).contains(&n) => Ok(n),
        _ => Err(format!("'{s}' is not a CPU count from 1 to {}", bramble_board::MAX_CPUS)),
    }
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t > 0.0 && t.is_finite() && t < 1e9 => Ok(t),
        _ => Err(format!("'{s}' is not a positive number of seconds")),
    }
}

const EXIT_USAGE: u8 = 2;
const EXIT_STUCK: u8 = 3;
const EXIT_TIMEOUT: u8 = 124;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            // A bad value is one line naming the option and the value; other usage errors
            // keep clap's usage text.
            if matches!(e.kind(), ErrorKind::ValueValidation | ErrorKind::InvalidValue) {
                let text = e.render().to_string();
                eprintln!(
                    "bramble: {}",
                    text.lines().next().unwrap_or("bad command line").trim_start_matches("error: ")
                );
            } else {
                let _ = e.print();
            }
            return if e.use_stderr() { ExitCode::from(EXIT_USAGE) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Run(args) => run(*args),
        Command::Dtb(args) => dtb(args),
    }
}

/// `--stats`: what the run cost, on stderr.
fn print_stats(m: &Machine, host: Duration) {
    let s = m.stats();
    let insns = m.insns();
    let cores = m.core_stats();
    let cycles = cores.iter().map(|c| c.cycles).max().unwrap_or(0);
    let hz = m.cpu_hz() as f64;
    let host_s = host.as_secs_f64();
    let pct = |part: u64, whole: u64| if whole == 0 { 100.0 } else { 100.0 * (1.0 - part as f64 / whole as f64) };
    eprintln!(
        "\r\nbramble: {insns} instructions, {cycles} cycles, {:.3} s virtual, {host_s:.3} s host, {:.1} MIPS, {} cores",
        cycles as f64 / hz,
        insns as f64 / host_s.max(1e-9) / 1e6,
        cores.len()
    );
    if s.block_lookups > 0 {
        eprintln!(
            "bramble: {} blocks translated, block cache {:.2}% hits ({} dispatches, {:.1} instructions each); {} code invalidations, {} flushes",
            s.blocks_translated,
            pct(s.blocks_translated, s.block_lookups),
            s.block_lookups,
            insns as f64 / s.block_lookups as f64,
            s.code_invalidations,
            s.block_flushes
        );
        if s.blocks_compiled > 0 {
            eprintln!(
                "bramble: JIT: {} blocks compiled to host code, code space refilled {} times",
                s.blocks_compiled, s.jit_flushes
            );
        }
    } else {
        eprintln!(
            "bramble: interpreter, decode cache {:.2}% hits ({} decodes)",
            pct(s.decode_misses, insns),
            s.decode_misses
        );
    }
    eprintln!(
        "bramble: TLB {:.2}% hits ({} walks in {} lookups behind the micro-TLBs); {} exceptions, {} interrupts, {} IPIs; {:.3} s idle (all cores)",
        pct(s.tlb_walks, s.tlb_lookups),
        s.tlb_walks,
        s.tlb_lookups,
        s.exceptions,
        s.interrupts,
        cores.iter().map(|c| c.ipis).sum::<u64>(),
        s.idle_cycles as f64 / hz
    );
    for (i, c) in cores.iter().enumerate() {
        eprintln!(
            "bramble: cpu{i}: {} insns, {} cycles, {:.3} s idle or off, {} exceptions, {} interrupts, {} IPIs",
            c.insns,
            c.cycles,
            c.idle_cycles as f64 / hz,
            c.exceptions,
            c.interrupts,
            c.ipis
        );
    }
}

fn dtb(args: DtbArgs) -> ExitCode {
    use std::io::Write;
    let blob = match bramble_board::fdt::default_for(args.mem, args.cpus) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("bramble: building the device tree: {e}");
            return ExitCode::from(EXIT_STUCK);
        }
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, &blob).map_err(|e| format!("{}: cannot write: {e}", path.display())),
        None => std::io::stdout().write_all(&blob).map_err(|e| format!("standard output: {e}")),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bramble: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The files a card's boot partition names, written to a private directory for the
/// loader; removed when this goes out of scope.
struct BootDir(PathBuf);

impl Drop for BootDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Pi firmware boot: fills in what --kernel, --initrd, --dtb, --append and --mem would
/// have said from the card's boot partition (command-line options win).
fn firmware_boot(args: &mut RunArgs, card: &std::path::Path) -> Result<BootDir, String> {
    let boot = bramble_board::firmware::read_boot_files(card).map_err(|e| e.to_string())?;
    let dir = BootDir(std::env::temp_dir().join(format!("bramble-boot-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).map_err(|e| format!("{}: {e}", dir.0.display()))?;
    let put = |name: &str, bytes: &[u8]| -> Result<PathBuf, String> {
        let p = dir.0.join(name);
        std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
        Ok(p)
    };
    let leaf = boot.kernel_name.rsplit('/').next().unwrap_or("kernel8.img").to_string();
    args.kernel = Some(put(&leaf, &boot.kernel)?);
    if let (None, Some(initrd)) = (&args.initrd, &boot.initrd) {
        args.initrd = Some(put("initramfs", initrd)?);
    }
    if let (None, Some(dtb)) = (&args.dtb, &boot.dtb) {
        args.dtb = Some(put("device-tree.dtb", dtb)?);
    }
    if args.append.is_none() {
        args.append = boot.cmdline.clone();
    }
    if args.mem.is_none() {
        args.mem = boot.mem;
    }
    log::info!("booting {} from the card's boot partition", boot.kernel_name);
    Ok(dir)
}

fn run(mut args: RunArgs) -> ExitCode {
    // No --kernel: the card's boot partition says what to boot.
    let _boot_dir = match (&args.kernel, args.sd.as_deref().map(|s| sd_image(s, false).path)) {
        (None, Some(card)) => match firmware_boot(&mut args, &card) {
            Ok(dir) => Some(dir),
            Err(e) => {
                eprintln!("bramble: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        _ => None,
    };
    let Some(kernel) = args.kernel.clone() else {
        eprintln!("bramble: --kernel FILE is needed (or --sd with a bootable card)");
        return ExitCode::from(EXIT_USAGE);
    };
    let cfg = Config {
        kernel,
        mem: args.mem.unwrap_or(1 << 30),
        load_addr: args.load_addr,
        boot_el: args.boot_el,
        append: args.append.clone(),
        initrd: args.initrd.clone(),
        dtb: args.dtb.clone(),
        semihosting: args.semihosting,
        features: match args.cpu {
            CpuModel::CortexA72 => Features::CORTEX_A72,
            CpuModel::Max => Features::MAX,
        },
        max_insns: args.max_insns,
        cpu_hz: args.cpu_mhz * 1_000_000,
        clock: match args.clock {
            ClockArg::Virtual => Clock::Virtual,
            ClockArg::Host => Clock::Host,
        },
        translate: !args.no_translate,
        jit_threshold: if args.no_jit { 0 } else { args.jit_threshold },
        serial_input: args.serial_input.clone(),
        cpus: args.cpus,
        quantum: args.quantum,
        sd: args.sd.as_deref().map(|spec| sd_image(spec, args.snapshot)),
    };
    let out = SharedOut::new(Box::new(std::io::stdout()));
    let err = SharedOut::new(Box::new(std::io::stderr()));
    // Scripted input replaces the terminal: stdin is not read at all, so nothing the host
    // types can make a run differ.
    let scripted = cfg.serial_input.is_some();
    // Restores the terminal when it goes out of scope, whichever way run() returns.
    let terminal = (!scripted).then(console::RawTerminal::enter);
    let escapes = terminal.as_ref().is_some_and(|t| t.is_active());
    let input = (!scripted).then(|| console::SharedInput::new(console::stdin_input(escapes)));
    let deadline = args.timeout.map(|t| Instant::now() + Duration::from_secs_f64(t));
    let quit = || console::QUIT_REQUESTED.load(std::sync::atomic::Ordering::SeqCst);
    let mut should_stop = || quit() || deadline.is_some_and(|d| Instant::now() >= d);
    let started = Instant::now();
    let exit = loop {
        let console_input: BoxedInput = match &input {
            Some(i) => Box::new(i.clone()),
            None => Box::new(std::collections::VecDeque::new()),
        };
        let mut machine = match Machine::new(&cfg, out.clone(), err.clone(), console_input) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("bramble: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        let exit = machine.run(&mut should_stop);
        if let Err(e) = machine.flush_disks() {
            eprintln!("bramble: syncing the SD card image failed: {e}");
        }
        if args.stats {
            print_stats(&machine, started.elapsed());
        }
        match exit {
            // A guest that resets at once would never reach a time-slice check.
            Exit::Reset if !args.no_reboot && should_stop() => break Exit::Stopped,
            Exit::Reset if !args.no_reboot => log::info!("guest reset: restarting the board"),
            exit => break exit,
        }
    };
    match exit {
        Exit::Semihosting(code) => ExitCode::from(code as u8),
        Exit::PowerOff => ExitCode::SUCCESS,
        Exit::Reset => {
            eprintln!("bramble: guest reset (--no-reboot)");
            ExitCode::SUCCESS
        }
        Exit::Stopped if quit() => {
            eprintln!("\r\nbramble: terminated by C-a x");
            ExitCode::SUCCESS
        }
        Exit::Stopped => {
            eprintln!("bramble: timed out after {} s (--timeout)", args.timeout.unwrap_or(0.0));
            ExitCode::from(EXIT_TIMEOUT)
        }
        Exit::InsnLimit => {
            eprintln!("bramble: instruction limit of {} reached (--max-insns)", args.max_insns.unwrap_or(0));
            ExitCode::from(EXIT_TIMEOUT)
        }
        Exit::Stuck { cpu, pc, esr, unimp } => {
            let cause = match unimp {
                Some((upc, word, what)) => format!("; last unimplemented: {what} at pc={upc:#x} insn={word:#010x}"),
                None => String::new(),
            };
            eprintln!("bramble: CPU {cpu} stuck taking exceptions at pc={pc:#x} (ESR={esr:#x}){cause}");
            ExitCode::from(EXIT_STUCK)
        }
    }
}

//! Runs differential-test cases on bramble's interpreter: the other half of
//! `scripts/difftest/difftest.py`, which runs the same cases on a reference CPU. The
//! protocol is specified in `scripts/difftest/README.md`.
//!
//! stdin, one case per line (hex numbers without 0x):
//!   id nwords w1..wn x0..x30 sp nzcv fpcr fpsr v0..v31 memseed
//! stdout, one line per case:
//!   id status x0..x30 sp nzcv pc fpcr fpsr v0..v31 memdiff
//! where status is `ok`, `exc:<EC>` (an exception was taken; the case stops there) or
//! `panic` (the interpreter panicked: only reported when built with panic = "unwind";
//! with the release profile's panic = "abort" the runner prints the case to stderr and
//! dies after flushing the results before it). nzcv is the 4-bit N:Z:C:V value, the
//! V registers are 128-bit, and memdiff is `-` or `off=bb,...` for every byte of the data
//! region that changed.
//!
//! Machine: code region 0x0..0x4000 filled with NOP and the case's words at 0x2000, data
//! region 0x8000..0x9000 filled from splitmix64(memseed), the rest of 0x0..0x10000 zero;
//! EL1 with SP_EL1, MMU off, CPACR_EL1.FPEN = 11 (SIMD&FP enabled at EL1 and EL0), the
//! exclusive monitor open.
//!
//! One CPU and one RAM serve all cases (a new `Cpu` per case costs more than the case:
//! its decode cache is 2 MiB). Per case the whole RAM is rewritten, every register of the
//! case line is set and a CLREX (at 0xf000, outside everything a case may touch) opens the
//! monitor; the decode cache is tagged with the instruction word, so new code needs no
//! invalidation. After a case that took an exception or panicked, or left EL1, the CPU
//! is replaced by a fresh one, so nothing an unexpected path changed leaks into the next.

use std::cell::RefCell;
use std::io::{self, BufRead, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use bramble_cpu::{Cpu, Features};
use bramble_mem::{Bus, Ram};

const CODE_END: u64 = 0x4000;
const ENTRY: u64 = 0x2000;
const DATA: u64 = 0x8000;
const DATA_LEN: usize = 0x1000;
const NOP: u64 = 0xd503_201f;
const CLREX: u64 = 0xd503_3f5f;
const CLREX_AT: u64 = 0xf000;
const RAM_LEN: u64 = 0x10000;
/// CPACR_EL1.FPEN (bits 21:20) = 11: no trapping of SIMD&FP at EL0 or EL1.
const CPACR_FPEN: u64 = 3 << 20;
/// Results are written to stdout in blocks of about this size.
const FLUSH_AT: usize = 1 << 16;

thread_local! {
    /// Result lines not yet written to stdout; the panic hook flushes it, so with
    /// panic = "abort" every case before the panicking one still reaches the harness.
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The case line being run, for the panic message.
    static CURRENT: RefCell<String> = const { RefCell::new(String::new()) };
}

fn flush_out() -> io::Result<()> {
    OUT.with(|o| -> io::Result<()> {
        let Ok(mut buf) = o.try_borrow_mut() else { return Ok(()) };
        let mut stdout = io::stdout().lock();
        stdout.write_all(&buf)?;
        stdout.flush()?;
        buf.clear();
        Ok(())
    })
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn data_bytes(seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(DATA_LEN);
    while out.len() < DATA_LEN {
        out.extend_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    out
}

/// The next field of a case line as a hex number of at most `bits` bits.
fn field<'a>(toks: &mut impl Iterator<Item = &'a str>, what: &str, bits: u32) -> Result<u128, String> {
    let t = toks.next().ok_or_else(|| format!("truncated case line: no {what}"))?;
    let v = u128::from_str_radix(t, 16).map_err(|e| format!("bad {what} {t:?}: {e}"))?;
    if bits < 128 && v >> bits != 0 {
        return Err(format!("{what} {t:?} does not fit {bits} bits"));
    }
    Ok(v)
}

/// One case, parsed.
struct Case {
    id: String,
    words: Vec<u32>,
    x: [u64; 31],
    sp: u64,
    nzcv: u32,
    fpcr: u32,
    fpsr: u32,
    v: [u128; 32],
    memseed: u64,
}

fn parse_case(line: &str) -> Result<Case, String> {
    let mut toks = line.split_ascii_whitespace();
    let id = toks.next().ok_or("empty line")?.to_string();
    let n = field(&mut toks, "nwords", 8)? as usize;
    if n > 0x400 {
        return Err(format!("nwords {n:#x} does not fit the code region"));
    }
    let mut words = Vec::with_capacity(n);
    for i in 0..n {
        words.push(field(&mut toks, &format!("word {i}"), 32)? as u32);
    }
    let mut x = [0u64; 31];
    for (i, r) in x.iter_mut().enumerate() {
        *r = field(&mut toks, &format!("x{i}"), 64)? as u64;
    }
    let sp = field(&mut toks, "sp", 64)? as u64;
    let nzcv = field(&mut toks, "nzcv", 4)? as u32;
    let fpcr = field(&mut toks, "fpcr", 32)? as u32;
    let fpsr = field(&mut toks, "fpsr", 32)? as u32;
    let mut v = [0u128; 32];
    for (i, r) in v.iter_mut().enumerate() {
        *r = field(&mut toks, &format!("v{i}"), 128)?;
    }
    let memseed = field(&mut toks, "memseed", 64)? as u64;
    if let Some(t) = toks.next() {
        return Err(format!("unexpected field {t:?} after memseed"));
    }
    Ok(Case { id, words, x, sp, nzcv, fpcr, fpsr, v, memseed })
}

/// The CPU and RAM reused from case to case.
struct Machine {
    cpu: Cpu,
    bus: Bus,
    /// The CPU must be replaced before the next case.
    tainted: bool,
}

impl Machine {
    fn new() -> Result<Self, String> {
        let bus = Bus::new(Ram::new(RAM_LEN).map_err(|e| e.to_string())?);
        Ok(Self { cpu: Cpu::new(Features::MAX, 1), bus, tainted: false })
    }

    /// Writes the whole RAM image of `case`; returns the initial data region.
    fn load_memory(&mut self, case: &Case) -> Vec<u8> {
        let ram = &mut self.bus.ram;
        let nops = NOP | (NOP << 32);
        for a in (0..CODE_END).step_by(8) {
            ram.write(a, 8, nops);
        }
        for a in (CODE_END..RAM_LEN).step_by(8) {
            ram.write(a, 8, 0);
        }
        ram.write(CLREX_AT, 4, CLREX);
        for (i, w) in case.words.iter().enumerate() {
            ram.write(ENTRY + 4 * i as u64, 4, u64::from(*w));
        }
        let init = data_bytes(case.memseed);
        for (i, chunk) in init.chunks_exact(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            ram.write(DATA + 8 * i as u64, 8, u64::from_le_bytes(b));
        }
        init
    }
}

fn run_case(m: &mut Machine, case: &Case) -> Result<String, String> {
    if m.tainted {
        m.cpu = Cpu::new(Features::MAX, 1);
        m.tainted = false;
    }
    let init = m.load_memory(case);
    let Machine { cpu, bus, tainted } = m;
    cpu.sys.cpacr_el1 = CPACR_FPEN;
    cpu.set_pc(CLREX_AT);
    if let Err(e) = cpu.step_no_exception(bus) {
        return Err(format!("CLREX before the case failed: {e:?}"));
    }
    for (i, v) in case.x.iter().enumerate() {
        cpu.set_xreg(i, *v);
    }
    cpu.set_sp(case.sp);
    cpu.set_nzcv(case.nzcv << 28);
    cpu.set_fpcr(case.fpcr);
    cpu.set_fpsr(case.fpsr);
    for (i, v) in case.v.iter().enumerate() {
        cpu.set_vreg(i, *v);
    }
    cpu.set_pc(ENTRY);
    let steps = panic::catch_unwind(AssertUnwindSafe(|| {
        for _ in 0..case.words.len() {
            if let Err(e) = cpu.step_no_exception(bus) {
                return format!("exc:{:x}", e.syndrome().ec);
            }
        }
        "ok".to_string()
    }));
    let status = steps.unwrap_or_else(|_| "panic".to_string());
    *tainted = status != "ok" || cpu.el() != 1;

    let mut line = format!("{} {status}", case.id);
    for i in 0..31 {
        line.push_str(&format!(" {:x}", cpu.xreg(i)));
    }
    line.push_str(&format!(" {:x} {:x} {:x} {:x} {:x}", cpu.sp(), cpu.nzcv() >> 28, cpu.pc(), cpu.fpcr(), cpu.fpsr()));
    for i in 0..32 {
        line.push_str(&format!(" {:x}", cpu.vreg(i)));
    }
    line.push(' ');
    let mut diffs = Vec::new();
    for (i, chunk) in init.chunks_exact(8).enumerate() {
        let now = bus.ram.read(DATA + 8 * i as u64, 8).unwrap_or(0).to_le_bytes();
        for (j, (n, b)) in now.iter().zip(chunk).enumerate() {
            if n != b {
                diffs.push(format!("{:x}={n:02x}", 8 * i + j));
            }
        }
    }
    if diffs.is_empty() {
        line.push('-');
    } else {
        line.push_str(&diffs.join(","));
    }
    line.push('\n');
    Ok(line)
}

/// Panics reported in full (message and backtrace); later ones get one line each.
const PANICS_SHOWN: usize = 5;

fn install_panic_hook() {
    static PANICS: AtomicUsize = AtomicUsize::new(0);
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let case = CURRENT.with(|c| c.try_borrow().map(|c| c.clone()).unwrap_or_default());
        eprintln!("difftest_runner: panic while running case: {}", case.trim_end());
        if PANICS.fetch_add(1, Ordering::Relaxed) < PANICS_SHOWN {
            default(info);
        } else {
            eprintln!("difftest_runner: {info}");
        }
        if cfg!(panic = "abort") {
            // The process ends after this hook: hand the harness every finished result.
            let _ = flush_out();
        }
    }));
}

fn main() {
    install_panic_hook();
    let mut machine = match Machine::new() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("difftest_runner: cannot create the machine: {e}");
            std::process::exit(2);
        }
    };
    let stdin = io::stdin();
    for (no, line) in stdin.lock().lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("difftest_runner: reading stdin: {e}");
                std::process::exit(2);
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let result = parse_case(&line).and_then(|case| {
            CURRENT.with(|c| {
                let mut c = c.borrow_mut();
                c.clear();
                c.push_str(&line);
            });
            run_case(&mut machine, &case)
        });
        match result {
            Ok(out) => {
                let full = OUT.with(|o| {
                    let mut o = o.borrow_mut();
                    o.extend_from_slice(out.as_bytes());
                    o.len() >= FLUSH_AT
                });
                if full {
                    if let Err(e) = flush_out() {
                        eprintln!("difftest_runner: writing stdout: {e}");
                        std::process::exit(2);
                    }
                }
            }
            Err(e) => {
                let _ = flush_out();
                eprintln!("difftest_runner: line {}: {e}", no + 1);
                std::process::exit(2);
            }
        }
    }
    if let Err(e) = flush_out() {
        eprintln!("difftest_runner: writing stdout: {e}");
        std::process::exit(2);
    }
}

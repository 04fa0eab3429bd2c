//! Runs differential-test cases on bramble's interpreter: the other half of
//! `scripts/difftest/difftest.py`, which runs the same cases on a reference CPU.
//!
//! stdin, one case per line (hex numbers without 0x):
//!   id nwords w1..wn x0..x30 sp nzcv memseed
//! stdout, one line per case:
//!   id status x0..x30 sp nzcv pc memdiff
//! where status is `ok` or `exc:<EC>`, nzcv is the 4-bit N:Z:C:V value, and memdiff is `-`
//! or `off=bb,...` for every byte of the data region that changed. Machine: code region
//! 0x0..0x4000 filled with NOP and the case's words at 0x2000, data region 0x8000..0x9000
//! filled from splitmix64(memseed), EL1 with SP_EL1, MMU off.

use std::io::{self, BufRead, BufWriter, Write};

use bramble_cpu::{Cpu, Features};
use bramble_mem::{Bus, Ram};

const CODE_END: u64 = 0x4000;
const ENTRY: u64 = 0x2000;
const DATA: u64 = 0x8000;
const DATA_LEN: usize = 0x1000;
const NOP: u64 = 0xd503_201f;

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

fn parse(tok: Option<&str>) -> Result<u64, String> {
    let t = tok.ok_or("truncated case line")?;
    u64::from_str_radix(t, 16).map_err(|e| format!("bad number {t:?}: {e}"))
}

fn run_case(line: &str, out: &mut impl Write) -> Result<(), String> {
    let mut toks = line.split_ascii_whitespace();
    let id = toks.next().ok_or("empty line")?.to_string();
    let n = parse(toks.next())? as usize;
    let words: Vec<u64> = (0..n).map(|_| parse(toks.next())).collect::<Result<_, _>>()?;
    let regs: Vec<u64> = (0..31).map(|_| parse(toks.next())).collect::<Result<_, _>>()?;
    let sp = parse(toks.next())?;
    let nzcv = parse(toks.next())?;
    let seed = parse(toks.next())?;

    let mut bus = Bus::new(Ram::new(0x10000).map_err(|e| e.to_string())?);
    for a in (0..CODE_END).step_by(4) {
        bus.ram.write(a, 4, NOP);
    }
    for (i, w) in words.iter().enumerate() {
        bus.ram.write(ENTRY + 4 * i as u64, 4, *w);
    }
    let init = data_bytes(seed);
    for (i, b) in init.iter().enumerate() {
        bus.ram.write(DATA + i as u64, 1, *b as u64);
    }
    let mut cpu = Cpu::new(Features::MAX, 1);
    for (i, v) in regs.iter().enumerate() {
        cpu.set_xreg(i, *v);
    }
    cpu.set_sp(sp);
    cpu.set_nzcv((nzcv as u32) << 28);
    cpu.set_pc(ENTRY);
    let mut status = "ok".to_string();
    for _ in 0..n {
        if let Err(e) = cpu.step_no_exception(&mut bus) {
            status = format!("exc:{:x}", e.syndrome().ec);
            break;
        }
    }
    let mut line = format!("{id} {status}");
    for i in 0..31 {
        line.push_str(&format!(" {:x}", cpu.xreg(i)));
    }
    line.push_str(&format!(" {:x} {:x} {:x} ", cpu.sp(), cpu.nzcv() >> 28, cpu.pc()));
    let mut diffs = Vec::new();
    for (i, b) in init.iter().enumerate() {
        let now = bus.ram.read(DATA + i as u64, 1).unwrap_or(0) as u8;
        if now != *b {
            diffs.push(format!("{i:x}={now:02x}"));
        }
    }
    if diffs.is_empty() {
        line.push('-');
    } else {
        line.push_str(&diffs.join(","));
    }
    writeln!(out, "{line}").map_err(|e| e.to_string())
}

fn main() {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
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
        if let Err(e) = run_case(&line, &mut out) {
            eprintln!("difftest_runner: line {}: {e}", no + 1);
            std::process::exit(2);
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("difftest_runner: writing stdout: {e}");
        std::process::exit(2);
    }
}

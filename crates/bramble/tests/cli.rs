//! The command line's handling of bad input: every case gives exit code 2 and one line
//! on stderr naming the file and the problem, never a panic.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bramble(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bramble"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("bramble binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bramble-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// A minimal ELF64 AArch64 executable: one PT_LOAD of `code` at `paddr`, entry `entry`.
fn elf(paddr: u64, entry: u64, code: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 64 + 56];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // ELFCLASS64
    b[5] = 1; // little-endian
    b[6] = 1; // EV_CURRENT
    b[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    b[18..20].copy_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[24..32].copy_from_slice(&entry.to_le_bytes());
    b[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    b[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    b[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    b[56..58].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
    let ph = 64;
    b[ph..ph + 4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    b[ph + 4..ph + 8].copy_from_slice(&5u32.to_le_bytes()); // R+X
    b[ph + 8..ph + 16].copy_from_slice(&120u64.to_le_bytes()); // p_offset
    b[ph + 16..ph + 24].copy_from_slice(&paddr.to_le_bytes()); // p_vaddr
    b[ph + 24..ph + 32].copy_from_slice(&paddr.to_le_bytes()); // p_paddr
    b[ph + 32..ph + 40].copy_from_slice(&(code.len() as u64).to_le_bytes());
    b[ph + 40..ph + 48].copy_from_slice(&(code.len() as u64).to_le_bytes());
    b.extend_from_slice(code);
    b
}

/// Code that exits through semihosting with `code`.
fn exit_code_program(code: u8) -> Vec<u8> {
    let words: [u32; 6] = [
        0x10000081, // adr x1, block (pc + 16)
        0x52800400, // mov w0, #0x20 (SYS_EXIT_EXTENDED)
        0xd45e0000, // hlt #0xf000
        0x14000000, // b .
        0x00020026, // block: ADP_Stopped_ApplicationExit
        0,
    ];
    let mut v: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    v.extend_from_slice(&(code as u64).to_le_bytes());
    v
}

fn assert_input_error(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line expected: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in {stderr:?}");
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn runs_a_semihosting_program_and_returns_its_exit_code() {
    let p = scratch("exit.elf");
    std::fs::write(&p, elf(0x80000, 0x80000, &exit_code_program(42))).unwrap();
    let out = bramble(&["run", "--semihosting", "--kernel", path_str(&p)]);
    assert_eq!(out.status.code(), Some(42), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn raw_binary_at_load_addr() {
    let p = scratch("exit.bin");
    std::fs::write(&p, exit_code_program(5)).unwrap();
    let out = bramble(&["run", "--semihosting", "--load-addr", "0x100000", "--kernel", path_str(&p)]);
    assert_eq!(out.status.code(), Some(5));
}

#[test]
fn missing_file() {
    let out = bramble(&["run", "--kernel", "/nonexistent/kernel.img"]);
    assert_input_error(&out, &["/nonexistent/kernel.img", "No such file"]);
}

#[test]
fn directory_instead_of_file() {
    let dir = std::env::temp_dir();
    let out = bramble(&["run", "--kernel", path_str(&dir)]);
    assert_input_error(&out, &[path_str(&dir), "directory"]);
}

#[test]
fn empty_file() {
    let p = scratch("empty.img");
    std::fs::write(&p, b"").unwrap();
    assert_input_error(&bramble(&["run", "--kernel", path_str(&p)]), &["empty.img", "empty"]);
}

#[test]
fn truncated_elf() {
    let p = scratch("trunc.elf");
    let full = elf(0x80000, 0x80000, &exit_code_program(0));
    std::fs::write(&p, &full[..90]).unwrap();
    assert_input_error(&bramble(&["run", "--kernel", path_str(&p)]), &["trunc.elf", "ELF"]);
    // Header intact, segment data cut off.
    std::fs::write(&p, &full[..full.len() - 8]).unwrap();
    assert_input_error(&bramble(&["run", "--kernel", path_str(&p)]), &["trunc.elf", "truncated"]);
}

#[test]
fn elf_for_another_machine() {
    let p = scratch("x86.elf");
    let mut b = elf(0x80000, 0x80000, &exit_code_program(0));
    b[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    std::fs::write(&p, b).unwrap();
    assert_input_error(&bramble(&["run", "--kernel", path_str(&p)]), &["x86.elf", "AArch64"]);
}

#[test]
fn entry_point_outside_ram() {
    let p = scratch("entry.elf");
    std::fs::write(&p, elf(0x80000, 0xdead_0000_0000, &exit_code_program(0))).unwrap();
    assert_input_error(&bramble(&["run", "--kernel", path_str(&p)]), &["entry.elf", "entry point"]);
}

#[test]
fn segment_outside_ram() {
    let p = scratch("seg.elf");
    std::fs::write(&p, elf(0xfe20_1000, 0xfe20_1000, &exit_code_program(0))).unwrap();
    assert_input_error(&bramble(&["run", "--kernel", path_str(&p), "--mem", "64M"]), &["seg.elf", "outside guest RAM"]);
}

#[test]
fn truncated_and_corrupt_image() {
    let p = scratch("Image");
    let mut b = vec![0u8; 64];
    b[0] = b'M';
    b[1] = b'Z';
    b[0x38..0x3c].copy_from_slice(&0x644d_5241u32.to_le_bytes());
    b[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    std::fs::write(&p, &b).unwrap();
    assert_input_error(&bramble(&["run", "--kernel", path_str(&p)]), &["Image", "truncated arm64 Image"]);
    b[24] = 1; // big-endian flag
    b[0x3c..0x40].copy_from_slice(&0x3cu32.to_le_bytes());
    std::fs::write(&p, &b).unwrap();
    assert_input_error(&bramble(&["run", "--kernel", path_str(&p)]), &["Image", "big-endian"]);
}

#[test]
fn raw_image_beyond_ram() {
    let p = scratch("raw.bin");
    std::fs::write(&p, [0u8; 16]).unwrap();
    let out = bramble(&["run", "--kernel", path_str(&p), "--load-addr", "0xffffffffffff0000"]);
    assert_input_error(&out, &["raw.bin", "outside guest RAM"]);
}

#[test]
fn absurd_memory_sizes() {
    let p = scratch("ok.bin");
    std::fs::write(&p, exit_code_program(0)).unwrap();
    for mem in ["0", "1K", "64T", "18446744073709551615G", "lots"] {
        let out = bramble(&["run", "--kernel", path_str(&p), "--mem", mem]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{mem}: {stderr}");
        assert!(stderr.contains(mem) && stderr.contains("--mem"), "{stderr}");
    }
}

#[test]
fn bad_command_line() {
    assert_eq!(bramble(&["run"]).status.code(), Some(2));
    assert_eq!(bramble(&["run", "--kernel", "x", "--boot-el", "4"]).status.code(), Some(2));
    assert_eq!(bramble(&["fly"]).status.code(), Some(2));
    assert_eq!(bramble(&["--help"]).status.code(), Some(0));
}

#[test]
fn instruction_budget_and_stuck_cpu() {
    let p = scratch("spin.bin");
    std::fs::write(&p, 0x14000000u32.to_le_bytes()).unwrap(); // b .
    let out = bramble(&["run", "--kernel", path_str(&p), "--max-insns", "100000"]);
    assert_eq!(out.status.code(), Some(124));
    let p = scratch("udf.bin");
    std::fs::write(&p, 0u32.to_le_bytes()).unwrap(); // udf #0, and no vectors
    let out = bramble(&["run", "--kernel", path_str(&p)]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pc="));
}

#[test]
fn timeout_in_host_seconds() {
    let p = scratch("spin2.bin");
    std::fs::write(&p, 0x14000000u32.to_le_bytes()).unwrap();
    let out = bramble(&["run", "--kernel", path_str(&p), "--timeout", "0.2"]);
    assert_eq!(out.status.code(), Some(124));
    assert!(String::from_utf8_lossy(&out.stderr).contains("timed out"));
}

#[test]
fn timeout_when_the_guest_never_runs_a_slice_to_its_end() {
    // Every timer write ends the CPU's slice early: the host checks must still happen.
    let p = scratch("timer_spin.bin");
    std::fs::write(&p, words(&[0xd51be340, 0x17ffffff])).unwrap(); // loop: msr cntv_cval_el0, x0; b loop
    let out = bramble(&["run", "--kernel", path_str(&p), "--timeout", "0.3"]);
    assert_eq!(out.status.code(), Some(124));
    assert!(String::from_utf8_lossy(&out.stderr).contains("timed out"));
}

/// Spins until the counter has moved one second (CNTFRQ ticks) on, then exits 0 through
/// semihosting SYS_EXIT (x1 points at the reason block).
const WAIT_ONE_SECOND: [u32; 14] = [
    0xd53be001, // mrs x1, cntfrq_el0
    0xd53be022, // mrs x2, cntpct_el0
    0x8b010042, // add x2, x2, x1
    0xd53be023, // loop: mrs x3, cntpct_el0
    0xeb02007f, // cmp x3, x2
    0x54ffffc3, // b.lo loop
    0xd2800300, // mov x0, #0x18 (SYS_EXIT)
    0x10000061, // adr x1, block
    0xd45e0000, // hlt #0xf000
    0x14000000, // b .
    0x00020026, // block: .quad 0x20026 (ADP_Stopped_ApplicationExit)
    0x00000000, 0x00000000, // .quad 0 (exit code)
    0x00000000,
];

#[test]
fn host_clock_follows_the_host_and_virtual_clock_is_reproducible() {
    let p = scratch("wait1s.bin");
    std::fs::write(&p, words(&WAIT_ONE_SECOND)).unwrap();
    // At 10 MHz a guest second is 10M instructions in virtual time; with the host clock it
    // is a host second, however fast the interpreter runs.
    let t = std::time::Instant::now();
    let out = bramble(&["run", "--semihosting", "--cpu-mhz", "10", "--clock", "host", "--kernel", path_str(&p)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(t.elapsed().as_secs_f64() >= 0.95, "a guest second took {:?} of host time", t.elapsed());
    let stats = |o: &Output| {
        let e = String::from_utf8_lossy(&o.stderr).to_string();
        e.lines().find(|l| l.contains("instructions,")).map(str::to_string).unwrap_or_default()
    };
    let args = ["run", "--semihosting", "--cpu-mhz", "10", "--stats", "--kernel", path_str(&p)];
    let (a, b) = (bramble(&args), bramble(&args));
    let (sa, sb) = (stats(&a), stats(&b));
    assert!(sa.contains("instructions,"), "{sa}");
    // Identical instruction and cycle counts (the host-time fields differ).
    assert_eq!(sa.split(" s virtual").next(), sb.split(" s virtual").next());
}

#[test]
fn cpu_counts_outside_the_board_are_refused() {
    for n in ["0", "9", "x", "1.5", "5"] {
        for flag in ["--cpus", "--smp"] {
            let out = bramble(&["run", flag, n, "--kernel", "/nonexistent"]);
            assert_input_error(&out, &[&format!("'{n}'"), "--cpus"]);
        }
        assert_input_error(&bramble(&["dtb", "--cpus", n]), &["--cpus"]);
    }
}

#[test]
fn dtb_lists_the_cores_asked_for() {
    for n in 1..=4 {
        let out = bramble(&["dtb", "--cpus", &n.to_string()]);
        assert_eq!(out.status.code(), Some(0));
        let blob = String::from_utf8_lossy(&out.stdout);
        assert_eq!(blob.matches("cpu@").count(), n, "cpu@ nodes for --cpus {n}");
    }
}

#[test]
fn cpu_mhz_is_checked() {
    let out = bramble(&["run", "--cpu-mhz", "0", "--kernel", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(2));
}

fn words(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn psci_version_over_hvc_at_el1() {
    // PSCI_VERSION through the HVC conduit, then exit with 40 + (version ^ 0x10000).
    let p = scratch("psci_version.bin");
    let code = words(&[
        0x52800000, // mov w0, #0
        0x72b08000, // movk w0, #0x8400, lsl #16     PSCI_VERSION
        0xd4000002, // hvc #0
        0xd2700002, // eor x2, x0, #0x10000
        0x9100a042, // add x2, x2, #40
        0x10000121, // adr x1, block
        0xf9000422, // str x2, [x1, #8]
        0x52800400, // mov w0, #0x20                 SYS_EXIT_EXTENDED
        0xd45e0000, // hlt #0xf000
        0x14000000, // b .
        0x14000000, // b .
        0x14000000, // b .
        0x14000000, // b .
        0xd503201f, // nop (pad to 8)
        0x00020026, // block: ADP_Stopped_ApplicationExit
        0,
    ]);
    std::fs::write(&p, code).unwrap();
    let out = bramble(&["run", "--semihosting", "--boot-el", "1", "--kernel", path_str(&p)]);
    assert_eq!(out.status.code(), Some(41), "PSCI 1.1: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn psci_system_off_and_reset() {
    let off = |fid_lo: u32| {
        words(&[
            0x52800000 | (fid_lo << 5), // mov w0, #fid_lo
            0x72b08000,                 // movk w0, #0x8400, lsl #16
            0xd4000002,                 // hvc #0
            0x14000000,                 // b .
        ])
    };
    let p = scratch("psci_off.bin");
    std::fs::write(&p, off(8)).unwrap();
    let out = bramble(&["run", "--boot-el", "1", "--kernel", path_str(&p), "--timeout", "10"]);
    assert_eq!(out.status.code(), Some(0), "SYSTEM_OFF: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&p, off(9)).unwrap();
    let out = bramble(&["run", "--boot-el", "1", "--no-reboot", "--kernel", path_str(&p), "--timeout", "10"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reset"));
    // Without --no-reboot the board restarts and resets again until the timeout.
    let out = bramble(&["run", "--boot-el", "1", "--kernel", path_str(&p), "--timeout", "0.3"]);
    assert_eq!(out.status.code(), Some(124));
}

#[test]
fn hvc_at_el3_boot_is_not_psci() {
    // Booted at EL3 the image is its own firmware: HVC is UNDEFINED (SCR_EL3.HCE = 0) and,
    // with no vectors, the CPU is stuck.
    let p = scratch("hvc_el3.bin");
    std::fs::write(&p, words(&[0x52800100, 0x72b08000, 0xd4000002, 0x14000000])).unwrap();
    let out = bramble(&["run", "--kernel", path_str(&p), "--timeout", "10"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn dtb_subcommand_writes_a_parseable_tree() {
    let p = scratch("board.dtb");
    let out = bramble(&["dtb", "--mem", "4G", "-o", path_str(&p)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let blob = std::fs::read(&p).unwrap();
    assert_eq!(&blob[..4], &[0xd0, 0x0d, 0xfe, 0xed]);
    assert_eq!(u32::from_be_bytes(blob[4..8].try_into().unwrap()) as usize, blob.len(), "totalsize");
    // dtc (device-tree-compiler, installed by scripts/setup.sh) must read it back cleanly,
    // and 4 GiB of RAM must be split around the peripheral window.
    if let Ok(dts) = Command::new("dtc").args(["-I", "dtb", "-O", "dts"]).arg(&p).output() {
        let text = String::from_utf8_lossy(&dts.stdout);
        assert!(dts.status.success() && dts.stderr.is_empty(), "{}", String::from_utf8_lossy(&dts.stderr));
        assert!(text.contains("reg = <0x00 0x00 0x00 0xfc000000 0x01 0x00 0x00 0x4000000>"), "{text}");
    }
    let bad = bramble(&["dtb", "-o", "/nonexistent/dir/x.dtb"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A minimal arm64 Image: the 64-byte header (magic, 4K pages) whose first word spins.
fn tiny_image() -> Vec<u8> {
    let mut b = vec![0u8; 4096];
    b[0..4].copy_from_slice(&0x14000000u32.to_le_bytes()); // b .
    b[16..24].copy_from_slice(&0x10000u64.to_le_bytes()); // image_size
    b[24..32].copy_from_slice(&0xau64.to_le_bytes()); // flags: LE, 4K, anywhere
    b[0x38..0x3c].copy_from_slice(&0x644d_5241u32.to_le_bytes());
    b
}

#[test]
fn user_dtb_is_checked_and_used() {
    let kernel = scratch("tiny-Image");
    std::fs::write(&kernel, tiny_image()).unwrap();
    let bad = scratch("bad.dtb");
    std::fs::write(&bad, b"this is not a device tree blob at all.....").unwrap();
    let out = bramble(&["run", "--kernel", path_str(&kernel), "--dtb", path_str(&bad)]);
    assert_input_error(&out, &["bad.dtb", "device tree"]);
    let good = scratch("good.dtb");
    assert_eq!(bramble(&["dtb", "-o", path_str(&good)]).status.code(), Some(0));
    let blob = std::fs::read(&good).unwrap();
    std::fs::write(&bad, &blob[..blob.len() / 2]).unwrap();
    let out = bramble(&["run", "--kernel", path_str(&kernel), "--dtb", path_str(&bad)]);
    assert_input_error(&out, &["bad.dtb", "truncated"]);
    let out = bramble(&["run", "--kernel", path_str(&kernel), "--dtb", path_str(&good), "--timeout", "0.2"]);
    assert_eq!(out.status.code(), Some(124), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Unmasks the PL011's receive interrupts, waits for a byte and exits (semihosting
/// SYS_EXIT) with it as the exit code.
const EXIT_WITH_RECEIVED_BYTE: [u32; 18] = [
    0xd2820001, // mov x1, #0x1000
    0xf2bfc401, // movk x1, #0xfe20, lsl #16   (UART0)
    0x52800a02, // mov w2, #0x50               (RXIM | RTIM)
    0xb9003822, // str w2, [x1, #0x38]         (UARTIMSC)
    0xb9401823, // loop: ldr w3, [x1, #0x18]   (UARTFR)
    0x3727ffe3, // tbnz w3, #4, loop           (RXFE)
    0xb9400024, // ldr w4, [x1]                (UARTDR)
    0x92401c84, // and x4, x4, #0xff
    0x100000c1, // adr x1, block
    0xf9000424, // str x4, [x1, #8]
    0xd2800300, // mov x0, #0x18               (SYS_EXIT)
    0xd45e0000, // hlt #0xf000
    0x14000000, // b .
    0xd503201f, // nop
    0x00020026, // block: .quad 0x20026 (ADP_Stopped_ApplicationExit)
    0x00000000, 0x00000000, // .quad exit code
    0x00000000,
];

#[test]
fn serial_input_is_typed_when_the_guest_waits_for_it() {
    let p = scratch("rx.bin");
    std::fs::write(&p, words(&EXIT_WITH_RECEIVED_BYTE)).unwrap();
    let input = scratch("rx-input.txt");
    std::fs::write(&input, b"A\n").unwrap();
    for engine in [&[][..], &["--jit-threshold", "1"][..], &["--no-jit"][..], &["--no-translate"][..]] {
        let mut args = vec!["run", "--semihosting", "--serial-input", path_str(&input), "--kernel", path_str(&p)];
        args.extend_from_slice(engine);
        let out = bramble(&args);
        assert_eq!(out.status.code(), Some(b'A' as i32), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn serial_input_must_be_a_readable_file() {
    let p = scratch("rx2.bin");
    std::fs::write(&p, words(&EXIT_WITH_RECEIVED_BYTE)).unwrap();
    let dir = std::env::temp_dir();
    let out = bramble(&["run", "--serial-input", path_str(&dir), "--kernel", path_str(&p)]);
    assert_input_error(&out, &[path_str(&dir), "directory"]);
    let out = bramble(&["run", "--serial-input", "/nonexistent/input.txt", "--kernel", path_str(&p)]);
    assert_input_error(&out, &["/nonexistent/input.txt", "No such file"]);
}

#[test]
fn stats_name_the_engine() {
    let p = scratch("stats.elf");
    std::fs::write(&p, elf(0x80000, 0x80000, &exit_code_program(0))).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--semihosting", "--stats", "--kernel", path_str(&p)];
        args.extend_from_slice(extra);
        String::from_utf8_lossy(&bramble(&args).stderr).to_string()
    };
    let translated = run(&[]);
    assert!(translated.contains("blocks translated, block cache"), "{translated}");
    assert!(translated.contains("instructions,") && translated.contains("MIPS"), "{translated}");
    let plain = run(&["--no-translate"]);
    assert!(plain.contains("interpreter, decode cache"), "{plain}");
    // Every block compiled: the JIT reports what it compiled (x86-64 hosts only).
    let compiled = run(&["--jit-threshold", "1"]);
    if cfg!(target_arch = "x86_64") {
        assert!(compiled.contains("JIT: ") && compiled.contains("blocks compiled to host code"), "{compiled}");
    }
    let blocks = run(&["--no-jit"]);
    assert!(blocks.contains("blocks translated") && !blocks.contains("JIT: "), "{blocks}");
}

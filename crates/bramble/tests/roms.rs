#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Runs every test ROM listed in test-roms/manifest.txt under every engine (the JIT with
//! every block compiled, the translator's block loop with --no-jit, and the plain
//! interpreter with --no-translate), with an instruction budget rather than a wall-clock
//! timeout, and checks its exit code, and that all engines print the same console output
//! and retire the same instructions and cycles as the default. The
//! ROMs are built with `make -C test-roms` (Debian's gcc-aarch64-linux-gnu); without the
//! cross compiler this test fails and says so, unless BRAMBLE_SKIP_ROMS=1.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Generous for every ROM; cpubound is the largest at a few hundred million.
const BUDGET: &str = "4000000000";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_test_rom_passes() {
    if std::env::var_os("BRAMBLE_SKIP_ROMS").is_some() {
        eprintln!("BRAMBLE_SKIP_ROMS set: test ROMs not run");
        return;
    }
    let roms = repo().join("test-roms");
    let make = Command::new("make").arg("-s").arg("-C").arg(&roms).status();
    match make {
        Ok(s) if s.success() => {}
        other => panic!(
            "building the test ROMs failed ({other:?}); install gcc-aarch64-linux-gnu (scripts/setup.sh) \
             or set BRAMBLE_SKIP_ROMS=1"
        ),
    }
    let manifest = std::fs::read_to_string(roms.join("manifest.txt")).expect("test-roms/manifest.txt");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in manifest.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let mut f = line.split_whitespace();
        let (Some(name), Some(expected)) = (f.next(), f.next()) else {
            panic!("bad manifest line: {line}");
        };
        let expected: i32 = expected.parse().expect("expected exit code is a number");
        let elf = roms.join("build").join(format!("{name}.elf"));
        let run = |engine: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_bramble"))
                .args(["run", "--semihosting", "--stats", "--max-insns", BUDGET, "--kernel"])
                .arg(&elf)
                .args(extra_args(name))
                .args(engine)
                .stdin(Stdio::null())
                .output()
                .expect("bramble runs")
        };
        let out = run(&[]);
        count += 1;
        let report = |what: &str, o: &std::process::Output| {
            format!(
                "{name} ({what}): exit {:?}, expected {expected}\n--- stdout\n{}--- stderr\n{}",
                o.status.code(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        };
        if out.status.code() != Some(expected) {
            failures.push(report("default engine", &out));
            continue;
        }
        let mut ok = true;
        for (what, flags) in [
            ("JIT, every block compiled", &["--jit-threshold", "1"][..]),
            ("block loop", &["--no-jit"][..]),
            ("interpreter", &["--no-translate"][..]),
        ] {
            let other = run(flags);
            if other.status.code() != Some(expected) {
                failures.push(report(what, &other));
            } else if out.stdout != other.stdout {
                failures.push(format!("{name}: the {what}'s console output differs"));
            } else if counts(&out.stderr) != counts(&other.stderr) || counts(&out.stderr).is_none() {
                failures.push(format!(
                    "{name}: the {what} retired different work: {:?} vs {:?}",
                    counts(&other.stderr),
                    counts(&out.stderr)
                ));
            } else {
                continue;
            }
            ok = false;
        }
        if ok {
            eprintln!("rom {name}: ok (exit {expected}, every engine, {:?})", counts(&out.stderr));
        }
    }
    assert!(count > 0, "no ROMs in the manifest");
    assert!(failures.is_empty(), "{} of {count} ROMs failed:\n{}", failures.len(), failures.join("\n"));
}

/// The (instructions, cycles) of a `--stats` report.
fn counts(stderr: &[u8]) -> Option<(u64, u64)> {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().find(|l| l.contains(" instructions, "))?;
    let mut words = line.trim_start_matches("bramble: ").split_whitespace();
    let insns = words.next()?.parse().ok()?;
    let cycles = words.nth(1)?.parse().ok()?;
    Some((insns, cycles))
}

/// ROMs that need a CPU model other than the default.
fn extra_args(name: &str) -> &'static [&'static str] {
    match name {
        "lse" => &["--cpu", "max"],
        // PSCI is served to an image started at EL2 (over SMC), not to one at EL3.
        "psci" => &["--boot-el", "2"],
        _ => &[],
    }
}

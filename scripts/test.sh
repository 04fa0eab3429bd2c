#!/usr/bin/env bash
# The whole test suite: unit and integration tests (including every test ROM under both
# engines and the translator/interpreter lockstep), clippy and rustfmt, boots of Debian's
# stock arm64 kernel (and the virtual clock's determinism across 10 of them), the differential
# test against Unicorn, and the decoder coverage sweep against capstone. Run
# scripts/setup.sh first on a fresh machine.
#   DIFFTEST_CASES=N DIFFTEST_FP_CASES=M DIFFTEST_SEED=S scripts/test.sh   to change the differential runs.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build test ROMs and prove their expected values under QEMU"
make -s -C test-roms
if command -v qemu-system-aarch64 >/dev/null; then
  make -s -C test-roms check-qemu
else
  echo "qemu-system-aarch64 not installed (BRAMBLE_WITH_QEMU=0): ROM expectations not re-proven"
fi

echo "== cargo fmt / clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test"
cargo test --workspace --quiet

echo "== boot Debian's stock arm64 kernel (fetched with apt-get download) to the root mount"
cargo build --release --quiet -p bramble
kernel=$(scripts/fetch-kernel.sh)
python3 scripts/boot_smoke.py "$kernel" --timeout 300

echo "== boot it with the busybox initramfs on 4 cores: the guest runs a script (pinned threads on every core, CPU hotplug) and powers off (QEMU -smp 4 timed alongside); then on 1 core"
python3 scripts/boot_test.py "$kernel" "$(scripts/build-initramfs.sh)" --timeout 600 --qemu --cpus 4
python3 scripts/boot_test.py "$kernel" "$(scripts/build-initramfs.sh)" --timeout 600 --cpus 1

echo "== the SD card: Debian's sdhci-iproc and ext4 modules on a card image built here (read, write, --snapshot, readonly, bad images, the lock), and a card from build-sd-card.sh booted to its own root"
python3 scripts/sd_test.py "$kernel" "$(scripts/build-sd-initramfs.sh)" --timeout 300

echo "== determinism: 10 four-core boots under --clock virtual give byte-identical output and counts (per core too); --no-jit and --no-translate agree"
python3 scripts/determinism_test.py "$kernel" "$(scripts/build-initramfs.sh)" --runs 10 --cpus 4

echo "== the whole-boot benchmark script, small sizes so it stays quick (benches/boot_bench.py; timings informational)"
python3 benches/boot_bench.py --mib 2 --forks 50 --timeout 600

echo "== differential test against Unicorn (self-test of the harness first: planted mismatches must be caught)"
cargo build --release --quiet -p bramble-cpu --example difftest_runner -p bramble-decode --example classify
python3 scripts/difftest/difftest.py --self-test
python3 scripts/difftest/capstone_sweep.py --self-test
python3 scripts/difftest/difftest.py --groups int --cases "${DIFFTEST_CASES:-200000}" --seed "${DIFFTEST_SEED:-1}" \
  --runner target/release/examples/difftest_runner
# Every FP and Advanced SIMD group, 10,000 cases each by default.
python3 scripts/difftest/difftest.py --groups fp --cases "${DIFFTEST_FP_CASES:-320000}" --seed "${DIFFTEST_SEED:-1}" \
  --runner target/release/examples/difftest_runner

echo "== softfloat against Unicorn: every scalar FP operation and format, random FPCR"
cargo build --release --quiet -p bramble-softfloat --example sf_eval
python3 scripts/difftest/softfloat_check.py --cases 200000 --sf-eval target/release/examples/sf_eval

echo "== decoder coverage against capstone"
python3 scripts/difftest/capstone_sweep.py --classifier target/release/examples/classify

echo "== the main job: crun containers inside Debian's kernel on the emulated Pi (namespaces, lifecycle, memory limit,"
echo "   user bundles, bad bundles refused), checked from the containers' own output; QEMU timed alongside"
BRAMBLE=target/release/bramble python3 scripts/container_test.py --timeout 900

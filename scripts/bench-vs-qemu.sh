#!/usr/bin/env bash
# Times the cpubound test ROM (about 0.15 billion guest instructions of integer work)
# under bramble's interpreter and under qemu-system-aarch64's TCG (virt board, EL3,
# semihosting) in one run, and prints the ratio. Needs qemu-system-aarch64
# (installed by scripts/setup.sh) and bc. Timings are informational, never a test.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
cargo build --release --quiet -p bramble
make -s -C test-roms build/cpubound.elf build-qemu/cpubound.elf
command -v qemu-system-aarch64 >/dev/null || { echo "qemu-system-aarch64 not installed" >&2; exit 1; }

best() { # best wall time of $runs runs of "$@", in seconds
  local b=
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N)
    "$@" < /dev/null > /dev/null 2>&1
    e=$(date +%s.%N)
    b=$(echo "$e - $s" | bc -l | awk -v b="$b" '{ if (b == "" || $1 < b) print $1; else print b }')
  done
  echo "$b"
}

b=$(best target/release/bramble run --semihosting --kernel test-roms/build/cpubound.elf)
q=$(best qemu-system-aarch64 -M virt,secure=on -cpu cortex-a72 -m 256M -nographic -monitor none -semihosting \
  -kernel test-roms/build-qemu/cpubound.elf)
echo "cpubound, best of $runs: bramble ${b} s, qemu-system-aarch64 (TCG) ${q} s, bramble/qemu = $(echo "$b / $q" | bc -l | cut -c1-5)"

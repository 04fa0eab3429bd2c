#!/usr/bin/env bash
# The main job, as far as bramble goes today: build the emulator and the test ROMs, then
# run the "hello" C program on the emulated rpi4b board. (The Debian-kernel and container
# demo replaces this once the board boots Linux.)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p bramble
make -s -C test-roms
target/release/bramble run --semihosting --kernel test-roms/build/hello.elf

#!/usr/bin/env bash
# The main job, as far as bramble goes today: build the emulator and the test ROMs, run the
# "hello" C program on the emulated rpi4b board, then boot Debian's stock arm64 kernel
# (fetched with apt-get download) on the same board, with its console on this terminal,
# until it asks for a root filesystem. The container demo replaces this once userland
# runs (it needs the FP/SIMD issue).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p bramble
make -s -C test-roms build/hello.elf
echo "== a bare-metal C program on the board"
target/release/bramble run --semihosting --kernel test-roms/build/hello.elf
echo "== Debian's arm64 kernel on the board (stops at the root mount: no userland yet)"
kernel=$(scripts/fetch-kernel.sh)
# Show the console, and stop the board when the kernel reports it has no root filesystem.
python3 - "$kernel" <<'PY'
import subprocess, sys, time
t0 = time.time()
p = subprocess.Popen(["target/release/bramble", "run", "--kernel", sys.argv[1], "--mem", "1G", "--timeout", "120"],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
for raw in p.stdout:
    sys.stdout.write(raw.decode(errors="replace"))
    if b"end Kernel panic" in raw:
        break
p.kill()
p.wait()
print(f"== the kernel reached the root mount after {time.time() - t0:.1f} s of host time")
PY

#!/usr/bin/env bash
# Builds a busybox initramfs from Debian's busybox-static (arm64, apt-get download) into the
# cache directory: an /init that mounts proc, sys and devtmpfs and starts a shell on the
# console, or, with `bramble.test` on the kernel command line, runs /bramble-test.sh (the
# boot test's guest script) and powers off; with `bramble.reboot`, reboots at once. Skips work already done. Prints the archive's
# path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${BRAMBLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bramble}
# The file name carries the layout version: bump it when /init changes.
out="$cache/initramfs-busybox-v5.cpio"
if [ -s "$out" ]; then echo "$out"; exit 0; fi
"$here/fetch-kernel.sh" >/dev/null  # enables the arm64 architecture if needed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q busybox-static:arm64 >&2) \
  || { echo "build-initramfs: download of busybox-static failed (offline?)" >&2; exit 1; }
dpkg-deb -x "$work"/busybox-static_*.deb "$work/pkg"
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root}
cp "$work/pkg/bin/busybox" "$root/bin/busybox"
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "bramble: busybox $(busybox | head -1 | cut -d' ' -f2) up, kernel $(uname -r)"
if grep -q bramble.reboot /proc/cmdline; then
  reboot -f
fi
if grep -q bramble.test /proc/cmdline; then
  sh /bramble-test.sh
  poweroff -f
fi
exec setsid cttyhack sh
INIT
chmod 755 "$root/init"
# The boot test's guest side: everything it prints is checked by scripts/boot_test.py.
cat > "$root/bramble-test.sh" <<'TEST'
echo "BRAMBLE-TEST: begin"
uname -a
cat /proc/cpuinfo
dmesg
mkdir -p /mnt/tmp
mount -t tmpfs tmpfs /mnt/tmp
dd if=/dev/zero of=/mnt/tmp/zero bs=65536 count=64 2>/dev/null
echo "BRAMBLE-TEST: sha256 $(sha256sum /mnt/tmp/zero | cut -d' ' -f1)"
grep -E 'tmpfs /mnt/tmp' /proc/mounts
# A line typed on the host console arrives through the UART's receive interrupt.
read -r line
echo "BRAMBLE-TEST: read '$line'"
cat /proc/interrupts
# Every core: one busy thread pinned to each, reporting the CPU it ran on (field 39 of
# /proc/self/stat, for the cat it runs, which inherits the affinity).
n=$(nproc)
echo "BRAMBLE-TEST: nproc $n"
i=0
while [ "$i" -lt "$n" ]; do
  taskset -c "$i" sh -c 'x=0; while [ $x -lt 3000 ]; do x=$((x+1)); done
    set -- $(cat /proc/self/stat); shift 38; echo "BRAMBLE-TEST: thread on cpu $1"' &
  i=$((i+1))
done
wait
# CPU hotplug: core 1 off (PSCI CPU_OFF) and on again (CPU_ON).
if [ -e /sys/devices/system/cpu/cpu1/online ]; then
  echo 0 > /sys/devices/system/cpu/cpu1/online
  echo "BRAMBLE-TEST: online after cpu1 off: $(cat /sys/devices/system/cpu/online)"
  echo 1 > /sys/devices/system/cpu/cpu1/online
  echo "BRAMBLE-TEST: online after cpu1 on: $(cat /sys/devices/system/cpu/online)"
  taskset -c 1 sh -c 'set -- $(cat /proc/self/stat); shift 38; echo "BRAMBLE-TEST: cpu1 runs again: cpu $1"'
fi
echo "BRAMBLE-TEST: end"
TEST
python3 "$here/mkcpio.py" "$root" "$out.tmp" && mv "$out.tmp" "$out"
echo "$out"

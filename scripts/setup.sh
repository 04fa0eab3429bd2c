#!/usr/bin/env bash
# Installs what building and testing bramble needs on a Debian or Ubuntu machine:
# the AArch64 cross compiler (test ROMs), QEMU (reference runs in benchmarks) and the
# Python reference CPU and disassembler for the differential tests. Idempotent.
set -euo pipefail

need_apt=()
command -v aarch64-linux-gnu-gcc >/dev/null || need_apt+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu)
command -v make >/dev/null || need_apt+=(make)
command -v dtc >/dev/null || need_apt+=(device-tree-compiler)
# QEMU proves the test ROMs' expected values on a reference CPU (make check-qemu) and is
# the reference in scripts/bench-vs-qemu.sh; BRAMBLE_WITH_QEMU=0 skips it.
if [ "${BRAMBLE_WITH_QEMU:-1}" = 1 ] && ! command -v qemu-system-aarch64 >/dev/null; then
  need_apt+=(qemu-system-arm)
fi
command -v bc >/dev/null || need_apt+=(bc)
# The SD card test and scripts/build-sd-card.sh build card images without loop devices:
# mke2fs -d, debugfs and e2fsck (e2fsprogs), mkfs.vfat for the boot partition (dosfstools)
# and mcopy to put files in it without mounting it (mtools).
command -v mke2fs >/dev/null && command -v debugfs >/dev/null || need_apt+=(e2fsprogs)
command -v mkfs.vfat >/dev/null || need_apt+=(dosfstools)
command -v mcopy >/dev/null || need_apt+=(mtools)
if [ ${#need_apt[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "setup: apt-get not found; install ${need_apt[*]} by hand" >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "setup: installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import unicorn, capstone' 2>/dev/null; then
  echo "setup: installing the unicorn and capstone Python packages"
  python3 -m pip install --quiet --disable-pip-version-check 'unicorn>=2.1,<3' 'capstone>=5,<6'
fi
echo "setup: done"

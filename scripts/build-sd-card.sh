#!/usr/bin/env bash
# Builds an SD card image that boots to a shell on its own root file system, without loop
# devices or root, into the cache directory (or at OUT):
#   - an MBR with a fixed disk signature (--disk-id, default 4272616d), so the root partition's
#     PARTUUID is known in advance: <disk-id>-02;
#   - p1, FAT32 LBA (type 0c) at 1 MiB, 64 MiB (mkfs.vfat, files put in with mtools' mcopy):
#     the Pi firmware's boot files, kernel8.img (Debian's arm64 Image, scripts/fetch-kernel.sh),
#     initramfs8 (scripts/build-sd-initramfs.sh: Debian's sdhci, sdhci-iproc and ext4 modules
#     and an /init that switch_roots to root=), bcm2711-bramble.dtb (`bramble dtb --cpus 4`),
#     config.txt and cmdline.txt (console=ttyAMA0 root=PARTUUID=<disk-id>-02 rootwait rw);
#   - p2, Linux (83) from 65 MiB to the end: ext4 labelled bramble-root, made by
#     `mke2fs -d` from a tree holding Debian's busybox-static (arm64, apt-get download) with
#     a symlink per applet, an /sbin/init script that mounts proc, sys, devtmpfs, devpts and
#     a tmpfs on /run, sets the hostname, prints `bramble card root: up` and keeps a shell on
#     the console (setsid cttyhack sh; `poweroff` remounts / read-only first, `poweroff -f`
#     does not), and /etc (hostname, passwd, group, fstab, profile).
# bramble does not run the Pi's firmware: it boots the kernel and initramfs given on its
# command line, so the FAT partition is what a Pi would read, and the same files come from
# the host cache to boot the card under bramble. Prints the image's path on stdout and the
# bramble command that boots it on stderr. Skips work already done: a card image already in
# the cache is kept as it is (it holds whatever its guests wrote; --force rebuilds it); one
# at an OUT given here is always rebuilt.
#   build-sd-card.sh [OUT.img] [--size MiB] [--disk-id HEX8] [--kernel IMAGE] [--initrd CPIO]
#                    [--bramble PATH] [--force]
#   --size       card size in MiB (default 256, at least 96)
#   --kernel     the Image to put on the card (default: scripts/fetch-kernel.sh's)
#   --initrd     the initramfs to put on the card (default: scripts/build-sd-initramfs.sh's)
#   --bramble    the binary that writes the DTB (default: $BRAMBLE, else target/release/bramble)
#   BRAMBLE_CACHE (default ~/.cache/bramble) holds the result.
# Needs e2fsprogs (mke2fs, e2fsck, debugfs), dosfstools (mkfs.vfat) and mtools (mcopy); scripts/setup.sh
# installs them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${BRAMBLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bramble}
die() { echo "build-sd-card: $*" >&2; exit 1; }

out="" size=256 disk_id=4272616d image="" initrd="" force=""
bramble=${BRAMBLE:-$here/../target/release/bramble}
while [ $# -gt 0 ]; do
  case "$1" in
  --size) size=${2:?--size needs a value in MiB}; shift 2 ;;
  --disk-id) disk_id=${2:?--disk-id needs 8 hex digits}; shift 2 ;;
  --kernel) image=${2:?--kernel needs a file}; shift 2 ;;
  --initrd) initrd=${2:?--initrd needs a file}; shift 2 ;;
  --bramble) bramble=${2:?--bramble needs a path}; shift 2 ;;
  --force) force=1; shift ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  -*) die "unknown option $1 (see --help)" ;;
  *) [ -z "$out" ] || die "one output image only (got $out and $1)"; out=$1; shift ;;
  esac
done
[[ $size =~ ^[0-9]+$ ]] && [ "$size" -ge 96 ] || die "--size $size: a whole number of MiB, at least 96"
[[ $disk_id =~ ^[0-9a-fA-F]{8}$ ]] || die "--disk-id $disk_id: 8 hex digits"
disk_id=$(tr A-F a-f <<< "$disk_id")
[ -z "$out" ] || [ -d "$(dirname "$out")" ] || die "no directory $(dirname "$out") for $out"

# The tools, from PATH or the sbin directories (not on a normal user's PATH).
tool() {
  command -v "$1" 2>/dev/null || { for d in /usr/sbin /sbin; do [ -x "$d/$1" ] && { echo "$d/$1"; return 0; }; done; return 1; }
}
mke2fs=$(tool mke2fs) || die "mke2fs not found (install e2fsprogs; scripts/setup.sh does)"
e2fsck=$(tool e2fsck) || die "e2fsck not found (install e2fsprogs; scripts/setup.sh does)"
debugfs=$(tool debugfs) || die "debugfs not found (install e2fsprogs; scripts/setup.sh does)"
mkfs_vfat=$(tool mkfs.vfat) || die "mkfs.vfat not found (install dosfstools; scripts/setup.sh does)"
mcopy=$(tool mcopy) || die "mcopy not found (install mtools; scripts/setup.sh does)"
[ -x "$bramble" ] || die "$bramble not found: build it (cargo build --release -p bramble) or pass --bramble"
bramble=$(cd "$(dirname "$bramble")" && pwd)/$(basename "$bramble")

if [ -z "$image" ]; then
  image=$("$here/fetch-kernel.sh") || die "scripts/fetch-kernel.sh failed"
fi
[ -s "$image" ] || die "kernel Image $image not found"
if [ -z "$initrd" ]; then
  initrd=$("$here/build-sd-initramfs.sh") || die "scripts/build-sd-initramfs.sh failed"
fi
[ -s "$initrd" ] || die "initramfs $initrd not found"
image=$(cd "$(dirname "$image")" && pwd)/$(basename "$image")
initrd=$(cd "$(dirname "$initrd")" && pwd)/$(basename "$initrd")

# The layout (MiB): p1 at 1, 64 long; p2 from 65 to the end.
p1_start=1 p1_size=64
p2_start=$((p1_start + p1_size))
p2_size=$((size - p2_start))
partuuid="$disk_id-02"
cmdline="console=ttyAMA0 root=PARTUUID=$partuuid rootwait rw"

# The file name carries the layout version (bump it when the layout or the root tree
# changes), the kernel it boots and the size.
kname=$(basename "$image")
if [ -z "$out" ]; then
  out="$cache/sd-card-v1-${kname#Image-}-${disk_id}-${size}M.img"
  mkdir -p "$cache"
  if [ -s "$out" ] && [ -z "$force" ]; then
    echo "build-sd-card: $out exists: kept as it is (--force rebuilds it)" >&2
    built=""
  else
    built=1
  fi
else
  built=1
fi
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

if [ -n "$built" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download -q busybox-static:arm64 >&2) \
    || die "download of busybox-static failed (offline?)"
  dpkg-deb -x "$work"/busybox-static_*.deb "$work/pkg"

  # The root tree.
  root="$work/root"
  mkdir -p "$root"/{bin,sbin,etc,dev,proc,sys,run,mnt,tmp,root,usr/bin,usr/sbin,var/log}
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  cp "$work/pkg/bin/busybox" "$root/bin/busybox"
  chmod 755 "$root/bin/busybox"
  # A symlink per applet, as `busybox --install -s` would make at run time (the card's root
  # may be mounted read-only): the names come from the binary's applet table, one string of
  # NUL-separated names in strcmp order, which busybox searches by bisection.
  applets=$(python3 - "$root/bin/busybox" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
best = []
for m in re.finditer(rb"(?:[A-Za-z0-9_.\[\]-]{1,40}\0){50,}", data):
    names = m.group().decode().split("\0")[:-1]
    if {"sh", "mount", "switch_root", "poweroff"} <= set(names) and names == sorted(names) and len(names) > len(best):
        best = names
print("\n".join(n for n in best if n != "busybox"))
PY
)
  [ -n "$applets" ] || die "no applet table found in busybox-static's /bin/busybox"
  while IFS= read -r applet; do
    ln -s busybox "$root/bin/$applet"
  done <<< "$applets"

  cat > "$root/sbin/init" <<'CARDINIT'
#!/bin/sh
# The card's init: PID 1 after the initramfs's switch_root (which may have moved /dev, /proc
# and /sys here already). Mounts what is missing, sets the hostname and keeps a shell on the
# console. `poweroff`, `reboot` and `halt` (busybox's signals to PID 1: USR2, TERM, USR1)
# remount / read-only first, so the file system is clean; `poweroff -f` stops at once.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
[ -e /proc/self ] || mount -t proc proc /proc
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys
awk '$2 == "/dev" { found = 1 } END { exit !found }' /proc/mounts || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs -o mode=755 tmpfs /run
hostname -F /etc/hostname
echo "bramble card root: up ($(awk '$2 == "/" { r = $1 " " $3 " " $4 } END { print r }' /proc/mounts)), kernel $(uname -r)"
down() {
  echo "bramble card root: $1: remounting / read-only"
  kill -TERM -1 2>/dev/null
  sleep 1
  sync
  mount -o remount,ro /
  "$1" -f
}
trap 'down poweroff' USR2
trap 'down reboot' TERM
trap 'down halt' USR1
while :; do
  # In the background so that a signal ends the wait (traps run between commands); cttyhack
  # takes the console's tty as its terminal.
  setsid cttyhack sh -l < /dev/console > /dev/console 2>&1 &
  wait $!
  echo "bramble card root: the shell exited; another one (poweroff ends the run)"
  sleep 1
done
CARDINIT
  chmod 755 "$root/sbin/init"
  echo bramble > "$root/etc/hostname"
  echo "root::0:0:root:/root:/bin/sh" > "$root/etc/passwd"
  echo "root:x:0:" > "$root/etc/group"
  cat > "$root/etc/fstab" <<'FSTAB'
LABEL=bramble-root  /         ext4    defaults  0 1
proc                /proc     proc    defaults  0 0
sysfs               /sys      sysfs   defaults  0 0
devpts              /dev/pts  devpts  defaults  0 0
FSTAB
  cat > "$root/etc/profile" <<'PROFILE'
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
# \u would need getpwuid, which a static glibc cannot serve without its NSS modules.
PS1='root@\h:\w# '
PROFILE

  # p2: ext4 in its own file, then copied into the card. The UUID and the directory hash seed
  # are fixed (from the disk id) so that only timestamps differ between builds.
  fs_uuid="$disk_id-0000-4000-8000-000000000002"
  truncate -s "${p2_size}M" "$work/p2.img"
  "$mke2fs" -q -F -t ext4 -L bramble-root -U "$fs_uuid" -E "root_owner=0:0,hash_seed=$fs_uuid" \
    -d "$root" "$work/p2.img" || die "mke2fs of the root partition failed"
  # mke2fs -d copies each file's owner: for a build by another user, make everything root's.
  if [ -n "$(find "$root" -mindepth 1 \( ! -uid 0 -o ! -gid 0 \) -print -quit)" ]; then
    (cd "$root" && find . -mindepth 1 | sed 's|^\.||') \
      | awk '{ printf "set_inode_field \"%s\" uid 0\nset_inode_field \"%s\" gid 0\n", $0, $0 }' > "$work/chown.cmds"
    "$debugfs" -w -f "$work/chown.cmds" "$work/p2.img" >/dev/null 2>&1 || die "debugfs could not make the files root's"
  fi
  "$e2fsck" -fn "$work/p2.img" >/dev/null 2>&1 || die "e2fsck -fn of the new root partition is not clean"

  # p1: FAT32 with the boot files.
  "$bramble" dtb --cpus 4 -o "$work/bcm2711-bramble.dtb" || die "$bramble dtb failed"
  cat > "$work/config.txt" <<'CONFIG'
# The Pi 4 firmware's settings for this card (bramble itself reads none of them).
arm_64bit=1
kernel=kernel8.img
initramfs initramfs8 followkernel
device_tree=bcm2711-bramble.dtb
enable_uart=1
CONFIG
  echo "$cmdline" > "$work/cmdline.txt"
  truncate -s "${p1_size}M" "$work/p1.img"
  "$mkfs_vfat" -F 32 -n BRAMBLEBOOT -i "$disk_id" "$work/p1.img" >/dev/null || die "mkfs.vfat of the boot partition failed"
  cp "$image" "$work/kernel8.img"
  cp "$initrd" "$work/initramfs8"
  for f in kernel8.img initramfs8 bcm2711-bramble.dtb config.txt cmdline.txt; do
    MTOOLS_SKIP_CHECK=1 "$mcopy" -i "$work/p1.img" "$work/$f" "::/$f" || die "mcopy of $f into the boot partition failed"
  done

  # The card: the MBR, then the partitions at their offsets (sparse: zero MiBs stay holes).
  rm -f "$out.tmp"
  truncate -s "${size}M" "$out.tmp"
  python3 - "$out.tmp" "$disk_id" "$p1_start" "$p1_size" "$p2_start" "$p2_size" <<'PY'
import struct, sys
path, disk_id = sys.argv[1], int(sys.argv[2], 16)
p1_start, p1_size, p2_start, p2_size = (int(a) * 2048 for a in sys.argv[3:7])  # MiB in sectors
def entry(ptype, start, count):
    # LBA only: the CHS fields hold fe ff ff, the 'beyond CHS' marker.
    return struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", ptype, b"\xfe\xff\xff", start, count)
table = entry(0x0C, p1_start, p1_size) + entry(0x83, p2_start, p2_size) + bytes(32)
with open(path, "r+b") as f:
    f.write(bytes(440) + struct.pack("<I", disk_id) + bytes(2) + table + b"\x55\xaa")
PY
  dd if="$work/p1.img" of="$out.tmp" bs=1M seek="$p1_start" conv=notrunc,sparse status=none
  dd if="$work/p2.img" of="$out.tmp" bs=1M seek="$p2_start" conv=notrunc,sparse status=none
  mv "$out.tmp" "$out"
fi

echo "build-sd-card: $out: ${size} MiB, p1 FAT32 (boot files) ${p1_start}+${p1_size} MiB, p2 ext4 bramble-root ${p2_start}+${p2_size} MiB, PARTUUID=$partuuid. Boot it with:" >&2
echo "  $bramble run --kernel $image --initrd $initrd --sd $out --append \"$cmdline\"" >&2
echo "$out"

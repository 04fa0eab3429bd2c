#!/usr/bin/env bash
# Builds the SD card initramfs into the cache directory: Debian's busybox-static (arm64) plus,
# from the stock kernel's package (the version scripts/fetch-kernel.sh resolves), the modules
# that drive the Pi 4's EMMC2 controller (sdhci, sdhci-pltfm, sdhci-iproc; mmc_core and
# mmc_block are built in) and mount ext4 (crc16, mbcache, crc32c_generic, jbd2, ext4), with
# whatever they depend on, loaded in dependency order. Its /init mounts proc, sys and devtmpfs,
# insmods the modules and then, by the kernel command line:
#   sdtest=rw    mounts p2 (ext4) on /mnt, prints the sha256 of /mnt/big.bin, times a raw
#                64 MiB read of /dev/mmcblk0, writes /mnt/written.txt and a 16 MiB /mnt/zero16
#                (fsync, timed), unmounts, reads both back from a fresh mount, powers off;
#   sdtest=ro    mounts p2 (read-only, as the card is write-protected), checks that writing a
#                file and writing the raw device both fail, powers off;
#   sdtest=root  switch_roots to the card as for root= below (root= defaults to
#                /dev/mmcblk0p2, and the mount to rw);
#   root=DEV     (no sdtest=) switch_roots to DEV, as the kernel would mount it:
#                  DEV is /dev/NAME, LABEL=label or UUID=uuid (busybox findfs: ext2/3/4, FAT
#                  ...), PARTUUID=SSSSSSSS-PP (an MBR disk's signature, the little-endian
#                  32-bit word at byte 440, and the partition number, in hex, as Linux prints
#                  it; read here with dd and od, as busybox has no blkid), or MAJOR:MINOR;
#                  ro (the default, as for the kernel) or rw; rootfstype= (default ext4) and
#                  rootflags=; init= (default /sbin/init, then /etc/init, /bin/init, /bin/sh;
#                  an init= the root lacks falls back to those, with a warning);
#                  rootwait polls for DEV for up to 60 s of guest time, rootwait=N for N s,
#                  and without either for 10 s (the kernel would not wait at all, but the
#                  card appears only after the modules load, asynchronously); rootdelay=N
#                  sleeps N s first. /dev, /proc and /sys move to the new root (or are
#                  unmounted if it has no such directory). If DEV does not appear or does not
#                  mount, the partitions found (with their PARTUUIDs) are listed and a shell
#                  starts on the console;
#   otherwise    waits up to 10 s for /dev/mmcblk0p2 and starts a shell on the console.
# Every result is a `SDTEST: ...` line (checked by scripts/sd_test.py); a failure prints
# `SDTEST: FAIL <what>` and, in the sdtest= modes, powers off. Skips work already done: the
# modules are cached in $cache/modules-<ver>/. Prints the archive's path.
#   BRAMBLE_CACHE (default ~/.cache/bramble) holds the result.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${BRAMBLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bramble}
# The kernel version the modules must match: the one fetch-kernel.sh resolves (and caches the
# Image of; it also enables the arm64 architecture if needed).
image=$("$here/fetch-kernel.sh") || { echo "build-sd-initramfs: scripts/fetch-kernel.sh failed" >&2; exit 1; }
ver=$(basename "$image")
ver=${ver#Image-}
# The file name carries the layout version (bump it when /init or the module list changes)
# and the kernel version the modules were taken from.
out="$cache/initramfs-sd-v4-$ver.cpio"
if [ -s "$out" ]; then echo "$out"; exit 0; fi

# The modules asked for, in the order they should load when dependencies allow. ext4 and
# jbd2 also carry `softdep=pre: crypto-crc32c` (checksummed metadata and journal), which
# modprobe would satisfy by alias: crc32c_generic provides it, so it is named here.
want=(sdhci sdhci-pltfm sdhci-iproc crc16 mbcache crc32c_generic jbd2 ext4)
modcache="$cache/modules-$ver"

# modinfo_field FILE FIELD: one field of a module's .modinfo (modinfo if installed, else the
# NUL-separated strings of the file itself).
modinfo_field() {
  if command -v modinfo >/dev/null; then
    modinfo -F "$2" "$1"
  else
    tr '\0' '\n' < "$1" | sed -n "s/^$2=//p"
  fi
}

# resolve DIR: prints the modules' paths relative to DIR (lib/modules/<ver>/kernel/...), every
# module after the ones it depends on. Fails, naming the module, if one is not under DIR.
resolve() (
  root=$1
  declare -A path=() state=()
  while IFS= read -r f; do
    n=$(basename "$f" .ko)
    path[${n//-/_}]=${f#"$root"/}
  done < <(find "$root" -name '*.ko')
  visit() {
    local key=${1//-/_} dep
    [ "${state[$key]:-}" = done ] && return 0
    [ "${state[$key]:-}" = active ] && { echo "build-sd-initramfs: module dependency cycle at $1" >&2; return 1; }
    [ -n "${path[$key]:-}" ] || { echo "build-sd-initramfs: module $1 not found under $root" >&2; return 1; }
    state[$key]=active
    local magic
    magic=$(modinfo_field "$root/${path[$key]}" vermagic)
    case "$magic" in
      "$ver "*) ;;
      *) echo "build-sd-initramfs: $1 is built for '$magic', not $ver" >&2; return 1 ;;
    esac
    for dep in $(modinfo_field "$root/${path[$key]}" depends | tr ',' ' '); do
      visit "$dep" || return 1
    done
    state[$key]=done
    echo "${path[$key]}"
  }
  for m in "${want[@]}"; do visit "$m" || return 1; done
)

mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! order=$(resolve "$modcache" 2>/dev/null); then
  echo "build-sd-initramfs: downloading linux-image-$ver for its modules (~60 MB)" >&2
  (cd "$work" && apt-get download -q "linux-image-$ver:arm64" >&2) \
    || { echo "build-sd-initramfs: download of linux-image-$ver failed (offline?)" >&2; exit 1; }
  dpkg-deb -x "$work"/linux-image-*.deb "$work/kernel"
  tree="$work/kernel/lib/modules/$ver"
  [ -d "$tree" ] || { echo "build-sd-initramfs: linux-image-$ver has no lib/modules/$ver" >&2; exit 1; }
  order=$(resolve "$tree")
  rm -rf "$modcache.tmp"
  while IFS= read -r rel; do
    mkdir -p "$modcache.tmp/$(dirname "$rel")"
    cp "$tree/$rel" "$modcache.tmp/$rel"
  done <<< "$order"
  rm -rf "$modcache" && mv "$modcache.tmp" "$modcache"
  rm -rf "$work/kernel" "$work"/linux-image-*.deb
  order=$(resolve "$modcache")
fi
# Soft dependencies are not followed (that needs modprobe's alias tables); check that each one
# named is provided by a module already in the list, so the list above stays honest.
while IFS= read -r rel; do
  for soft in $(modinfo_field "$modcache/$rel" softdep | sed 's/^pre://; s/post:.*//'); do
    provided=""
    while IFS= read -r other; do
      if [ "$(basename "$other" .ko | tr - _)" = "${soft//-/_}" ] \
        || modinfo_field "$modcache/$other" alias | grep -qx "$soft"; then provided=1; fi
    done <<< "$order"
    [ -n "$provided" ] || echo "build-sd-initramfs: warning: $rel wants $soft (softdep), which no listed module provides" >&2
  done
done <<< "$order"

(cd "$work" && apt-get download -q busybox-static:arm64 >&2) \
  || { echo "build-sd-initramfs: download of busybox-static failed (offline?)" >&2; exit 1; }
dpkg-deb -x "$work"/busybox-static_*.deb "$work/pkg"
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,mnt,newroot}
cp "$work/pkg/bin/busybox" "$root/bin/busybox"
mkdir -p "$root/lib/modules/$ver"
while IFS= read -r rel; do
  mkdir -p "$root/lib/modules/$ver/$(dirname "$rel")"
  cp "$modcache/$rel" "$root/lib/modules/$ver/$rel"
  # modules.dep as depmod writes it (a module, then what it needs), so that busybox modprobe
  # works in the shell too; /init itself insmods in the order of load-order.
  deps=""
  for dep in $(modinfo_field "$modcache/$rel" depends | tr ',' ' '); do
    deps="$deps $(grep -E "/${dep//[-_]/[-_]}\.ko$" <<< "$order")"
  done
  echo "$rel:$deps" >> "$root/lib/modules/$ver/modules.dep"
done <<< "$order"
echo "$order" > "$root/lib/modules/$ver/load-order"

cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
ver=$(uname -r)
# The command line: sdtest= for the test modes, and the words the kernel would use to mount
# the root itself (with an initramfs it leaves that to /init, which sees them only here).
mode="" root="" rootfstype=ext4 rootflags="" access="" init="" wait=10 delay=0
set -f
for word in $(cat /proc/cmdline); do
  case "$word" in
  --) break ;;
  sdtest=*) mode=${word#sdtest=} ;;
  root=*) root=${word#root=} ;;
  rootfstype=*) rootfstype=${word#rootfstype=} ;;
  rootflags=*) rootflags=${word#rootflags=} ;;
  rootwait) wait=60 ;;
  rootwait=*) wait=${word#rootwait=} ;;
  rootdelay=*) delay=${word#rootdelay=} ;;
  ro | rw) access=$word ;;
  init=*) init=${word#init=} ;;
  esac
done
set +f
what=${mode:-shell}
[ -z "$mode" ] && [ -n "$root" ] && what=switch_root
echo "SDTEST: begin mode=$what${root:+ root=$root} kernel $ver"

fail() {
  echo "SDTEST: FAIL $*"
  [ -z "$mode" ] && return 0
  sync
  poweroff -f
  exit 1
}
# Seconds since boot (guest time: under bramble's virtual clock, not the host's).
now() { cut -d' ' -f1 /proc/uptime; }
# since T0: seconds since T0, two decimals.
since() { awk -v a="$1" -v z="$(now)" 'BEGIN { printf "%.2f", z - a }'; }
# later_than T0 SECS: true once more than SECS seconds have passed since T0.
later_than() { awk -v a="$1" -v z="$(now)" -v s="$2" 'BEGIN { exit !(z - a > s) }'; }
# rate LABEL BYTES T0 T1
rate() {
  awk -v l="$1" -v b="$2" -v a="$3" -v z="$4" 'BEGIN {
    d = z - a; if (d <= 0) d = 0.01
    printf "SDTEST: %s %d bytes in %.2f s (%.1f MB/s)\n", l, b, d, b / d / 1e6 }'
}
# timed_dd LABEL BYTES dd-arguments...: runs dd and prints the rate (Debian's busybox dd
# prints no time of its own), or dd's messages if it fails.
timed_dd() {
  label=$1 bytes=$2
  shift 2
  echo "SDTEST: begin $label"
  t0=$(now)
  if ! dd "$@" > /tmp/dd.log 2>&1; then
    cat /tmp/dd.log
    return 1
  fi
  rate "$label" "$bytes" "$t0" "$(now)"
}
# card_line T0: the card's size, write protection and identity, and when it appeared (once).
card_line() {
  [ -z "${card_shown:-}" ] || return 0
  card_shown=1
  echo "SDTEST: card $(cat /sys/block/mmcblk0/size) sectors, ro $(cat /sys/block/mmcblk0/ro)," \
    "$(cat /sys/block/mmcblk0/device/type 2>/dev/null) $(cat /sys/block/mmcblk0/device/name 2>/dev/null)," \
    "ready after $(since "$1") s"
}

# partuuid_of NAME: the PARTUUID Linux gives partition NAME (mmcblk0p2) of an MBR disk: the
# disk signature (the little-endian word at byte 440) and the partition number, "%08x-%02x"
# (block/partitions/msdos.c). Nothing for a whole disk, a disk without the 55 aa mark, or a
# GPT's protective MBR (type ee), whose partitions get the GPT's own GUIDs instead.
partuuid_of() {
  local name=$1 disk
  [ -f "/sys/class/block/$name/partition" ] || return 1
  disk=$(basename "$(dirname "$(readlink -f "/sys/class/block/$name")")")
  # The sector as 512 hex bytes: byte i is argument i+1 (od -v: no '*' for repeated lines).
  set -- $(dd if="/dev/$disk" bs=512 count=1 2>/dev/null | od -An -v -tx1)
  [ "$#" = 512 ] && [ "${511}${512}" = 55aa ] && [ "${451}" != ee ] || return 1
  printf '%s-%02x\n' "${444}${443}${442}${441}" "$(cat "/sys/class/block/$name/partition")"
}
# resolve SPEC: the block device that root=SPEC names, if it is there now.
resolve() {
  local want p
  case "$1" in
  /dev/*) [ -b "$1" ] && echo "$1" ;;
  LABEL=* | UUID=*) findfs "$1" 2>/dev/null ;;
  PARTUUID=*)
    want=$(echo "${1#PARTUUID=}" | tr A-F a-f)
    for p in /sys/class/block/*; do
      if [ "$(partuuid_of "${p##*/}")" = "$want" ]; then echo "/dev/${p##*/}"; return 0; fi
    done
    return 1 ;;
  *:*)
    for p in /sys/class/block/*; do
      if [ "$(cat "$p/dev")" = "$1" ]; then echo "/dev/${p##*/}"; return 0; fi
    done
    return 1 ;;
  *) return 1 ;;
  esac
}
# list_parts: the block devices there are, as the kernel lists them when root= is wrong.
list_parts() {
  local p uuid
  echo "SDTEST: block devices:"
  for p in /sys/class/block/*; do
    uuid=$(partuuid_of "${p##*/}")
    echo "SDTEST:   /dev/${p##*/} $(($(cat "$p/size") / 2048)) MiB${uuid:+ PARTUUID=$uuid}"
  done
}
# boot_root SPEC: waits for the device root=SPEC names, mounts it on /newroot as the command
# line says, moves /dev, /proc and /sys there and switch_roots to its init. Returns (1) only
# if something failed, after saying what.
boot_root() {
  local spec=$1 dev="" t0 opts chosen candidate d
  [ "$delay" = 0 ] || sleep "$delay"
  t0=$(now)
  until dev=$(resolve "$spec") && [ -n "$dev" ]; do
    if later_than "$t0" "$wait"; then
      list_parts
      fail "root=$spec: no such device after $wait s"
      return 1
    fi
    sleep 0.1 2>/dev/null || sleep 1
  done
  [ -e /sys/block/mmcblk0 ] && card_line "$t0"
  echo "SDTEST: root=$spec is $dev, found after $(since "$t0") s"
  opts=${access:-ro}${rootflags:+,$rootflags}
  if ! mount -t "$rootfstype" -o "$opts" "$dev" /newroot; then
    list_parts
    fail "mount -t $rootfstype -o $opts $dev /newroot"
    return 1
  fi
  echo "SDTEST: root mounted: $(awk '$2 == "/newroot" { print $1, $3, $4 }' /proc/mounts)"
  chosen=""
  for candidate in $init /sbin/init /etc/init /bin/init /bin/sh; do
    if [ -x "/newroot$candidate" ] || [ -L "/newroot$candidate" ]; then chosen=$candidate; break; fi
    [ "$candidate" = "$init" ] && echo "SDTEST: warning: init=$init is not on the root; trying /sbin/init, /etc/init, /bin/init, /bin/sh"
  done
  if [ -z "$chosen" ]; then
    fail "no init on $dev (${init:+$init, }/sbin/init, /etc/init, /bin/init, /bin/sh)"
    umount /newroot
    return 1
  fi
  for d in dev proc sys; do
    if [ -d "/newroot/$d" ]; then mount --move "/$d" "/newroot/$d"; else umount "/$d"; fi
  done
  echo "SDTEST: switch_root to $chosen"
  exec switch_root /newroot "$chosen"
}

if [ ! -d "/lib/modules/$ver" ]; then
  fail "modules in this initramfs are for $(ls /lib/modules), the kernel is $ver"
else
  for m in $(cat "/lib/modules/$ver/load-order"); do
    insmod "/lib/modules/$ver/$m" || fail "insmod $m"
  done
  echo "SDTEST: modules loaded"
fi

# root= without sdtest=: boot the root it names, waiting for it as boot_root does.
if [ -z "$mode" ] && [ -n "$root" ]; then
  boot_root "$root"
  echo "SDTEST: shell"
  exec setsid cttyhack sh
fi

# The card: the controller probes and the card is identified asynchronously, so wait for the
# partition (bounded: 10 s of guest time).
t0=$(now)
while [ ! -b /dev/mmcblk0p2 ]; do
  if later_than "$t0" 10; then
    ls /dev/mmcblk* 2>/dev/null
    dmesg | grep -iE 'mmc|sdhci' | tail -20
    fail "no /dev/mmcblk0p2 after 10 s"
    break
  fi
  sleep 0.1 2>/dev/null || sleep 1
done
[ -b /dev/mmcblk0p2 ] && card_line "$t0"

mount_opts() { awk '$2 == "/mnt" { print $4 }' /proc/mounts; }
WRITTEN="bramble sd card write test: written by the guest"

case "$mode" in
rw)
  mount -t ext4 /dev/mmcblk0p2 /mnt || fail "mount /dev/mmcblk0p2"
  echo "SDTEST: mount $(mount_opts)"
  t0=$(now)
  sum=$(sha256sum /mnt/big.bin | cut -d' ' -f1) || fail "sha256sum /mnt/big.bin"
  echo "SDTEST: sha256 $sum"
  rate "sha256 of big.bin (file read + hash)" "$(stat -c %s /mnt/big.bin)" "$t0" "$(now)"
  timed_dd read 67108864 if=/dev/mmcblk0 of=/dev/null bs=1M count=64 || fail "dd read of /dev/mmcblk0"
  echo "$WRITTEN" > /mnt/written.txt || fail "write /mnt/written.txt"
  timed_dd write 16777216 if=/dev/zero of=/mnt/zero16 bs=1M count=16 conv=fsync || fail "dd write of /mnt/zero16"
  sync
  umount /mnt || fail "umount /mnt"
  # Read back from the card itself, not the page cache: a new mount after dropping caches.
  echo 3 > /proc/sys/vm/drop_caches
  mount -t ext4 -o ro /dev/mmcblk0p2 /mnt || fail "remount /dev/mmcblk0p2"
  echo "SDTEST: readback written.txt $(cat /mnt/written.txt)"
  echo "SDTEST: readback zero16 sha256 $(sha256sum /mnt/zero16 | cut -d' ' -f1)"
  umount /mnt || fail "umount /mnt after readback"
  echo "SDTEST: done"
  poweroff -f
  ;;
ro)
  # The card is write-protected, so the block device is read-only: a plain mount is refused
  # with EACCES/EROFS and busybox mount retries read-only; -o ro if even that fails.
  mount -t ext4 /dev/mmcblk0p2 /mnt || mount -t ext4 -o ro /dev/mmcblk0p2 /mnt || fail "mount /dev/mmcblk0p2"
  echo "SDTEST: mount $(mount_opts)"
  if echo "$WRITTEN" > /mnt/ro-test.txt 2>/dev/null; then
    fail "write to /mnt/ro-test.txt allowed"
  else
    echo "SDTEST: write refused"
  fi
  # Around the file system too: the raw device must refuse (partition 1, so a bug does not
  # hurt the file system; sd_test.py compares the image's checksum anyway).
  if dd if=/dev/zero of=/dev/mmcblk0p1 bs=512 count=1 conv=fsync 2>/dev/null; then
    fail "raw write to /dev/mmcblk0p1 allowed"
  else
    echo "SDTEST: raw write refused"
  fi
  echo "SDTEST: sha256 $(sha256sum /mnt/big.bin | cut -d' ' -f1)"
  umount /mnt || fail "umount /mnt"
  echo "SDTEST: done"
  poweroff -f
  ;;
root)
  # As root= does, with the card's p2 and a read-write mount as defaults.
  [ -n "$access" ] || access=rw
  boot_root "${root:-/dev/mmcblk0p2}"
  ;;
"") ;;
*) fail "unknown sdtest=$mode (rw, ro or root)" ;;
esac
echo "SDTEST: shell"
exec setsid cttyhack sh
INIT
chmod 755 "$root/init"
python3 "$here/mkcpio.py" "$root" "$out.tmp" && mv "$out.tmp" "$out"
echo "$out"

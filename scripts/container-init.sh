#!/bin/busybox sh
# /init of the container demo's guest image (scripts/build-container-image.py packs it).
#
# Stage 1 runs in the initramfs. pivot_root(2) cannot move the initramfs (it is the root of
# the mount tree), so crun's pivot_root into a container would fail there: copy everything
# into a tmpfs and switch_root into it (busybox deletes the initramfs' files as it goes).
# Stage 2 mounts proc, sysfs, devtmpfs and cgroup2 (memory and pids enabled for child
# cgroups) and then, by the kernel command line:
#   bramble.mode=demo   (default) runs the demo: `crun run` of a container that shows its
#                       namespaces and cgroup, the create/start/state/kill/delete lifecycle
#                       on a second one, a memory-limited one that is OOM-killed; poweroff.
#   bramble.mode=user   runs the user's bundle (/containers/user) with `crun run`; poweroff.
#   bramble.mode=shell  stops at a shell with crun and the bundles ready.
# Lines the host side checks: "DEMO-STEP name ok|FAIL", "DEMO-BEGIN/END name", "DEMO-RESULT".
bb=/bin/busybox
if [ "$1" != stage2 ]; then
  $bb mount -t tmpfs -o mode=0755 tmpfs /newroot || { echo "DEMO-STEP tmpfs-root FAIL (mount)"; $bb poweroff -f; }
  for e in /*; do
    case "$e" in /newroot|/proc|/sys|/dev) ;; *) $bb cp -a "$e" /newroot/ || echo "DEMO-STEP tmpfs-root FAIL (copying $e)";; esac
  done
  $bb mkdir -p /newroot/proc /newroot/sys /newroot/dev
  exec $bb switch_root /newroot /init stage2
fi

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
$bb mount -t proc proc /proc
$bb --install -s
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "+memory +pids" > /sys/fs/cgroup/cgroup.subtree_control
hostname bramble-pi
# The busybox root filesystem the demo's bundles share: link the applets next to busybox.
(cd /containers/demo/rootfs/bin && for a in $(busybox --list); do [ -e "$a" ] || ln -s busybox "$a"; done)

mode=demo
for w in $(cat /proc/cmdline); do case "$w" in bramble.mode=*) mode=${w#bramble.mode=};; esac; done
now() { cut -d' ' -f1 /proc/uptime; }
failed=0
result() { # NAME ok|FAIL [why]
  echo "DEMO-STEP $1 $2${3:+ ($3)}"
  [ "$2" = ok ] || failed=1
}
state() { crun state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }

echo "== bramble-demo: userland up at uptime $(now) s: $(uname -sr) $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPU(s)"
crun --version | sed 's/^/   /'
rootfs_type=$(awk '$2 == "/" { t = $3 } END { print t }' /proc/mounts)
echo "   / is a $rootfs_type (pivot_root works on it); cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "   enabled for child cgroups: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
why=
[ "$rootfs_type" = tmpfs ] || why="/ is $rootfs_type, not tmpfs"
crun --version >/dev/null 2>&1 || why="crun --version failed"
grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || why="memory controller not enabled"
[ -z "$why" ] && result setup ok || result setup FAIL "$why"

if [ "$mode" = shell ]; then
  cat <<EOF
== bramble-demo: shell. crun and the bundles are ready (cgroup2 at /sys/fs/cgroup, / is a tmpfs):
   crun run --bundle /containers/demo demo         namespaces and cgroup, from the inside
   crun run --bundle /containers/memtest memtest   16 MiB memory limit: a 64 MiB dd is OOM-killed
   crun create --bundle /containers/life life; crun start life; crun state life; crun kill life TERM; crun delete life
EOF
  [ -d /containers/user ] && echo "   crun run --bundle /containers/user user         your bundle"
  echo "   poweroff -f ends the run (or C-a x)"
  exec setsid cttyhack sh
fi

if [ "$mode" = user ]; then
  echo "== bramble-demo: crun run --bundle /containers/user user"
  echo "DEMO-BEGIN user uptime=$(now)"
  crun run --bundle /containers/user user
  rc=$?
  echo "DEMO-END user uptime=$(now) exit=$rc"
  [ $rc = 0 ] && result user ok || result user FAIL "crun run exited with $rc"
  [ $failed = 0 ] && echo "DEMO-RESULT pass" || echo "DEMO-RESULT fail"
  poweroff -f
fi

# What the containers' views are compared with.
echo "[host] hostname: $(hostname)"
echo "[host] pid of init: $$"
echo "[host] cgroup: $(cat /proc/self/cgroup)"
for ns in pid mnt uts ipc net cgroup; do echo "[host] ns $ns: $(readlink /proc/self/ns/$ns)"; done

echo "== bramble-demo: crun run --bundle /containers/demo demo (pid, mount, uts, ipc, network namespaces; cgroup /bramble/demo)"
echo "DEMO-BEGIN run uptime=$(now)"
{ crun run --bundle /containers/demo demo; echo $? > /tmp/rc; } 2>&1 | tee /tmp/demo.out
rc=$(cat /tmp/rc)
echo "DEMO-END run uptime=$(now) exit=$rc"
why=
[ "$rc" = 0 ] || why="crun run exited with $rc"
grep -qx '\[demo\] done' /tmp/demo.out || why="${why:+$why; }the container did not finish its script"
grep -qx '\[demo\] pid of this shell: 1' /tmp/demo.out || why="${why:+$why; }not PID 1"
grep -qx "\[demo\] hostname: $(hostname)" /tmp/demo.out && why="${why:+$why; }same hostname as the host"
grep -qx '\[demo\] cgroup: 0::/bramble/demo' /tmp/demo.out || why="${why:+$why; }not in cgroup /bramble/demo"
for ns in pid mnt uts ipc net; do
  grep -qx "\[demo\] ns $ns: $(readlink /proc/self/ns/$ns)" /tmp/demo.out && why="${why:+$why; }shares the $ns namespace"
done
grep -q '^\[demo\] root mount (mountinfo): /containers/demo/rootfs / ' /tmp/demo.out || why="${why:+$why; }its / is not the bundle's rootfs"
[ -z "$why" ] && result run ok || result run FAIL "$why"

echo "== bramble-demo: crun lifecycle on a second container: create, start, state, kill, delete"
echo "DEMO-BEGIN lifecycle uptime=$(now)"
why=
crun create --bundle /containers/life life || why="crun create failed"
s=$(state life); echo "   after create: $s"; [ "$s" = created ] || why="${why:+$why; }state after create: '$s'"
crun start life || why="${why:+$why; }crun start failed"
sleep 0.2
s=$(state life); echo "   after start: $s"; [ "$s" = running ] || why="${why:+$why; }state after start: '$s'"
crun state life | sed 's/^/   /'
crun list | sed 's/^/   /'
crun kill life TERM || why="${why:+$why; }crun kill failed"
i=0
while s=$(state life); [ "$s" != stopped ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
echo "   after kill: $s"; [ "$s" = stopped ] || why="${why:+$why; }state after kill: '$s'"
crun delete life || why="${why:+$why; }crun delete failed"
crun list | grep -qw life && why="${why:+$why; }still listed after delete"
[ -d /sys/fs/cgroup/bramble/life ] && why="${why:+$why; }its cgroup is still there after delete"
echo "   after delete: $(crun list | grep -cw life) containers named life"
echo "DEMO-END lifecycle uptime=$(now)"
[ -z "$why" ] && result lifecycle ok || result lifecycle FAIL "$why"

echo "== bramble-demo: crun run --bundle /containers/memtest memtest (memory limit 16 MiB)"
# The OOM report is long: keep the console to errors (the kill itself) while it runs.
loglevel=$(cut -f1 /proc/sys/kernel/printk)
dmesg -n 4
echo "DEMO-BEGIN memory uptime=$(now)"
{ crun run --bundle /containers/memtest memtest; echo $? > /tmp/rc; } 2>&1 | tee /tmp/mem.out
rc=$(cat /tmp/rc)
echo "DEMO-END memory uptime=$(now) exit=$rc"
dmesg -n "$loglevel"
dmesg | grep -i 'killed process' | tail -1 | sed 's/^/   kernel: /'
why=
grep -qx '\[memtest\] memory.max: 16777216' /tmp/mem.out || why="memory.max is not 16 MiB inside"
grep -qx '\[memtest\] a 4 MiB buffer: dd exit 0' /tmp/mem.out || why="${why:+$why; }the 4 MiB dd failed"
grep -qx '\[memtest\] a 64 MiB buffer: dd exit 137' /tmp/mem.out || why="${why:+$why; }the 64 MiB dd was not killed"
grep -qE '^\[memtest\] memory.events: oom_kill [1-9]' /tmp/mem.out || why="${why:+$why; }no oom_kill in memory.events"
[ "$rc" = 137 ] || why="${why:+$why; }crun run exited with $rc, not 137 (SIGKILL)"
[ -z "$why" ] && result memory-limit ok || result memory-limit FAIL "$why"

[ $failed = 0 ] && echo "DEMO-RESULT pass" || echo "DEMO-RESULT fail"
poweroff -f

#!/usr/bin/env bash
# The main job: run OCI containers with crun inside Debian's stock arm64 kernel on bramble's
# emulated Raspberry Pi 4. Fetches with apt-get download (cached under ~/.cache/bramble)
# Debian's kernel, busybox-static, crun and every shared library crun needs, builds an
# initramfs with OCI bundles (scripts/build-container-image.py), boots it and streams the
# console: one container shows its own PID, mount, UTS, IPC and network namespaces and its
# cgroup, a second goes through crun create/start/state/kill/delete, a third is OOM-killed
# at its 16 MiB memory limit. Prints a summary; exits 0 only if every step worked.
#
#   scripts/demo.sh                 the demo (non-interactive)
#   scripts/demo.sh --shell         the same image, stopped at a shell with crun and the bundles
#   scripts/demo.sh --bundle DIR    pack DIR (an OCI bundle, or an arm64 root filesystem) into
#                                   the image and run it with crun run (--cmd CMD: the command
#                                   for a plain root filesystem); with --shell, stop at a shell
#   --mem SIZE      guest RAM (default 1G); the image must fit in a quarter of it
#   --qemu          boot the same image on qemu-system-aarch64 -M virt -cpu cortex-a72 instead
#   --timeout SECS  stop the guest after this many host seconds (default 1800)
#   --json FILE     write the measurements as JSON (scripts/container_test.py reads them)
# BRAMBLE=PATH runs that emulator binary instead of building target/release/bramble.
# Exit codes: 0 every step worked; 1 a step failed, or a download or the build did;
# 2 a bad command line or bundle; 130 interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '/^#   scripts/,/^# 2 a bad/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
shell=0 qemu=0 bundle= cmd= mem=1G timeout=1800 json=
while [ $# -gt 0 ]; do
  case "$1" in
    --shell) shell=1 ;;
    --qemu) qemu=1 ;;
    --bundle) [ $# -ge 2 ] || usage; bundle=$2; shift ;;
    --cmd) [ $# -ge 2 ] || usage; cmd=$2; shift ;;
    --mem) [ $# -ge 2 ] || usage; mem=$2; shift ;;
    --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift ;;
    --json) [ $# -ge 2 ] || usage; json=$2; shift ;;
    -h|--help) usage ;;
    *) echo "demo: unknown option $1" >&2; usage ;;
  esac
  shift
done
if [ -n "$bundle" ] && [ ! -d "$bundle" ]; then
  echo "demo: --bundle $bundle: no such directory" >&2
  exit 2
fi
if [ -n "$cmd" ] && [ -z "$bundle" ]; then
  echo "demo: --cmd needs --bundle (a root filesystem to run it in)" >&2
  exit 2
fi
# Whatever happens below, give the terminal back as it was.
if [ -t 0 ]; then
  saved_tty=$(stty -g)
  trap 'stty "$saved_tty" 2>/dev/null || true' EXIT
fi

t0=$(date +%s.%N)
if [ $qemu = 1 ]; then
  command -v qemu-system-aarch64 >/dev/null || { echo "demo: qemu-system-aarch64 not installed (scripts/setup.sh)" >&2; exit 1; }
elif [ -z "${BRAMBLE:-}" ]; then
  echo "== building bramble (cargo build --release -p bramble)"
  cargo build --release --quiet -p bramble
fi
bramble=${BRAMBLE:-target/release/bramble}
echo "== Debian's arm64 kernel (apt-get download, cached in ${BRAMBLE_CACHE:-~/.cache/bramble})"
kernel=$(scripts/fetch-kernel.sh) || { echo "demo: could not fetch the kernel (see above)" >&2; exit 1; }
echo "   $kernel"
echo "== the guest image: busybox, crun and its libraries, OCI bundles"
image_args=(--mem "$mem")
[ -n "$bundle" ] && image_args+=(--bundle "$bundle")
[ -n "$cmd" ] && image_args+=(--cmd "$cmd")
rc=0
initrd=$(python3 scripts/build-container-image.py "${image_args[@]}") || rc=$?
if [ $rc != 0 ]; then
  [ $rc = 2 ] || echo "demo: building the guest image failed (see above)" >&2
  exit $rc
fi
echo "   $initrd ($(du -h "$initrd" | cut -f1))"
echo "== ready after $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc -l)") s of setup (build, downloads, image)"

mode=demo
[ -n "$bundle" ] && mode=user
if [ $shell = 1 ]; then
  append="console=ttyAMA0 bramble.mode=shell"
  echo "== booting to a shell: try 'crun run --bundle /containers/demo demo'; 'poweroff -f' or C-a x ends the run"
  rc=0
  if [ $qemu = 1 ]; then
    qemu-system-aarch64 -M virt -cpu cortex-a72 -m "$mem" -nographic -no-reboot \
      -kernel "$kernel" -initrd "$initrd" -append "$append" || rc=$?
  else
    # Host clock: sleep takes real seconds and an idle guest leaves the host CPU idle.
    "$bramble" run --kernel "$kernel" --initrd "$initrd" --mem "$mem" --clock host --append "$append" || rc=$?
  fi
  exit $rc
fi
run_args=(--kernel "$kernel" --initrd "$initrd" --mem "$mem" --mode "$mode" --timeout "$timeout")
[ $qemu = 1 ] && run_args+=(--emulator qemu) || run_args+=(--bramble "$bramble")
[ -n "$json" ] && run_args+=(--json "$json")
python3 scripts/demo_run.py "${run_args[@]}"

#!/usr/bin/env bash
# Fetches Debian's stock arm64 kernel (the package linux-image-arm64 depends on) with
# apt-get download, and extracts its Image into the cache directory, skipping work already
# done. apt verifies the package against the signed archive index. Prints the Image path.
#   BRAMBLE_CACHE (default ~/.cache/bramble) holds the result.
set -euo pipefail
cache=${BRAMBLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bramble}
mkdir -p "$cache"
command -v apt-get >/dev/null || { echo "fetch-kernel: apt-get not found: a Debian or Ubuntu host is needed" >&2; exit 1; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "fetch-kernel: enabling the arm64 foreign architecture" >&2
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq || { echo "fetch-kernel: apt-get update failed (offline?)" >&2; exit 1; }
fi
pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}' | sed 's/:arm64$//')
if [ -z "$pkg" ]; then
  $SUDO apt-get update -qq || { echo "fetch-kernel: apt-get update failed (offline?)" >&2; exit 1; }
  pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}' | sed 's/:arm64$//')
fi
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-arm64 for arm64" >&2; exit 1; }
ver=${pkg#linux-image-}
image="$cache/Image-$ver"
if [ ! -s "$image" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "fetch-kernel: downloading $pkg" >&2
  (cd "$work" && apt-get download -q "$pkg:arm64" >&2) || { echo "fetch-kernel: download of $pkg failed (offline?)" >&2; exit 1; }
  dpkg-deb -x "$work"/*.deb "$work/x"
  cp "$work/x/boot/vmlinuz-$ver" "$image.tmp" && mv "$image.tmp" "$image"
fi
echo "$image"

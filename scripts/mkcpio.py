#!/usr/bin/env python3
"""Writes a newc cpio archive (the initramfs format) from a directory tree, without the
cpio tool: files, directories and symlinks, owned by root, in sorted order.

    mkcpio.py DIR OUT.cpio
"""
import os
import stat
import sys


def entry(out, name, mode, data=b"", ino=[0]):
    ino[0] += 1
    fields = [ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
    hdr = b"070701" + b"".join(b"%08x" % f for f in fields)
    out.write(hdr + name.encode() + b"\0")
    out.write(b"\0" * (-(len(hdr) + len(name) + 1) % 4))
    out.write(data)
    out.write(b"\0" * (-len(data) % 4))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, dest = sys.argv[1], sys.argv[2]
    with open(dest, "wb") as out:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(dirnames) + sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    entry(out, rel, stat.S_IFLNK | 0o777, os.readlink(path).encode())
                elif stat.S_ISDIR(st.st_mode):
                    entry(out, rel, stat.S_IFDIR | 0o755)
                elif stat.S_ISREG(st.st_mode):
                    with open(path, "rb") as f:
                        entry(out, rel, stat.S_IFREG | (st.st_mode & 0o777), f.read())
        entry(out, "TRAILER!!!", 0)


if __name__ == "__main__":
    main()

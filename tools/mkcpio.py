#!/usr/bin/env python3
"""Write a newc ("070701") cpio archive, e.g. a Linux initramfs, without root.

Usage: mkcpio.py OUT.cpio ENTRY...

Entries (paths inside the archive are relative, a leading "/" is dropped;
MODE is octal permission bits):
  --dir PATH[:MODE]                  directory (default 755)
  --file DEST=SRC[:MODE]             regular file copied from SRC on the host
                                     (default: SRC's permission bits)
  --symlink DEST=TARGET              symbolic link
  --nod DEST:c|b:MAJOR:MINOR[:MODE]  character/block device node (default 600)

Arguments may also come from a file, one per line: mkcpio.py OUT @SPECFILE.

Every entry is owned by uid/gid 0 with mtime 0, and entries are written sorted
by path, so the same inputs give the same bytes. Missing parent directories are
added (mode 755) because the kernel's unpacker does not create them. Device
nodes are only described in the archive, so no mknod (and no root) is needed.
"""
import argparse
import os
import stat
import sys


def split_mode(spec, default):
    """'x:755' -> ('x', 0o755); no octal suffix -> (spec, default)."""
    head, sep, tail = spec.rpartition(":")
    if sep and tail and all(c in "01234567" for c in tail):
        return head, int(tail, 8)
    return spec, default


def split_eq(spec, what):
    dest, sep, rest = spec.partition("=")
    if not sep or not dest or not rest:
        sys.exit(f"mkcpio: bad {what} '{spec}': want DEST=...")
    return dest, rest


def parse(argv):
    entries = []  # (path, mode, data, rdevmajor, rdevminor)

    class Add(argparse.Action):
        def __call__(self, parser, ns, value, option=None):
            entries.append((self.dest, value))

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                fromfile_prefix_chars="@")
    p.add_argument("out")
    for kind in ("dir", "file", "symlink", "nod"):
        p.add_argument("--" + kind, action=Add, dest=kind, default=[])
    args = p.parse_args(argv)

    out = {}
    for kind, spec in entries:
        if kind == "dir":
            path, mode = split_mode(spec, 0o755)
            ent = (stat.S_IFDIR | mode, b"", 0, 0)
        elif kind == "file":
            dest, src = split_eq(spec, "--file")
            src, mode = split_mode(src, None)
            with open(src, "rb") as f:
                data = f.read()
            if mode is None:
                mode = stat.S_IMODE(os.stat(src).st_mode)
            path, ent = dest, (stat.S_IFREG | mode, data, 0, 0)
        elif kind == "symlink":
            path, target = split_eq(spec, "--symlink")
            ent = (stat.S_IFLNK | 0o777, target.encode(), 0, 0)
        else:
            spec, mode = split_mode(spec, 0o600)
            parts = spec.split(":")
            if len(parts) != 4 or parts[1] not in ("c", "b"):
                sys.exit(f"mkcpio: bad --nod '{spec}': want DEST:c|b:MAJOR:MINOR")
            path = parts[0]
            ftype = stat.S_IFCHR if parts[1] == "c" else stat.S_IFBLK
            ent = (ftype | mode, b"", int(parts[2]), int(parts[3]))
        path = os.path.normpath(path.lstrip("/"))
        if path in (".", "") or path.startswith(".."):
            sys.exit(f"mkcpio: bad path '{path}'")
        if path in out and out[path] != ent:
            sys.exit(f"mkcpio: '{path}' given twice")
        out[path] = ent
    # Parents first: the kernel creates nothing implicitly.
    for path in list(out):
        parent = os.path.dirname(path)
        while parent and parent not in out:
            out[parent] = (stat.S_IFDIR | 0o755, b"", 0, 0)
            parent = os.path.dirname(parent)
    return args.out, out


def pad4(n):
    return b"\0" * (-n % 4)


def record(ino, name, mode, data=b"", rmaj=0, rmin=0):
    """One newc record: header, NUL-terminated name and data, each padded to 4."""
    name = name.encode() + b"\0"
    nlink = 2 if stat.S_ISDIR(mode) else 1
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmaj, rmin,
              len(name), 0)
    hdr = b"070701" + b"".join(b"%08X" % v for v in fields)
    return hdr + name + pad4(len(hdr) + len(name)) + data + pad4(len(data))


def main(argv):
    outpath, entries = parse(argv)
    with open(outpath, "wb") as f:
        for ino, path in enumerate(sorted(entries), 1):
            mode, data, rmaj, rmin = entries[path]
            f.write(record(ino, path, mode, data, rmaj, rmin))
        # The trailer has nlink 1 like GNU cpio writes it.
        f.write(record(0, "TRAILER!!!", 0))


if __name__ == "__main__":
    main(sys.argv[1:])

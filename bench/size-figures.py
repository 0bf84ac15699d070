#!/usr/bin/env python3
"""Prints the size figures the code review tracks: files in src/ over 500 lines, and
functions over 80 lines (counted from the `fn` line to its closing brace at the same
indentation, so a rustfmt-formatted file is measured exactly).

    python3 bench/size-figures.py [--list]
"""
import os
import re
import sys

FILE_LIMIT = 500
FN_LIMIT = 80
FN_START = re.compile(r"^(\s*)(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def rust_files(root):
    for dirpath, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith(".rs"):
                yield os.path.join(dirpath, name)


def functions(lines):
    """(name, first line, length) of each fn with a body, nested ones included."""
    for i, line in enumerate(lines):
        m = FN_START.match(line)
        if not m:
            continue
        indent = m.group(1)
        for j in range(i, len(lines)):
            text = lines[j].rstrip()
            if j > i and text == indent + "}":
                yield m.group(7), i + 1, j - i + 1
                break
            if text.endswith(";") and "{" not in "".join(lines[i : j + 1]):
                break  # a declaration without a body (trait item)
            if j == i and text.endswith("}") and "{" in text:
                break  # one-line body


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    long_files, long_fns = [], []
    for path in rust_files(root):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        rel = os.path.relpath(path, os.path.join(root, ".."))
        count = len(lines) - (1 if lines and lines[-1] == "" else 0)
        if count > FILE_LIMIT:
            long_files.append((count, rel))
        for name, start, length in functions(lines):
            if length > FN_LIMIT:
                long_fns.append((length, f"{rel}:{start} {name}"))
    print(f"files over {FILE_LIMIT} lines in src/: {len(long_files)}")
    print(f"functions over {FN_LIMIT} lines in src/: {len(long_fns)}")
    if "--list" in sys.argv:
        for count, what in sorted(long_files, reverse=True):
            print(f"  file {count:5} {what}")
        for count, what in sorted(long_fns, reverse=True):
            print(f"  fn   {count:5} {what}")


if __name__ == "__main__":
    main()

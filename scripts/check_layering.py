#!/usr/bin/env python3
"""Checks that every room of engram includes only the rooms it may.

The rules are the table under "## Layering" in docs/architecture.md: each
row names a room (a folder, the longest prefix wins) and the rooms its files
may include ("-" for none but itself). Only the project's own includes are
checked (a path that starts with one of its top-level folders); LLVM, MLIR
and the other libraries are the build's business. Prints every include
that breaks the table, with the file and line, and exits 1 if there is one.

    check_layering.py [SOURCE_ROOT]
"""
import os
import re
import sys

SOURCES = (".cpp", ".h", ".c", ".cuh", ".inc.in", ".cpp.in")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_table(root):
    """The rows of the layering table: {room: [allowed rooms]}."""
    path = os.path.join(root, "docs", "architecture.md")
    rules, inside = {}, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                inside = line.strip() == "## Layering"
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not inside or not line.startswith("|") or len(cells) < 2:
                continue
            room = cells[0].strip("`")
            if not room.endswith("/"):
                continue  # the header and its rule
            allowed = re.findall(r"`([^`]+)`", cells[1])
            rules[room] = allowed
    if not rules:
        sys.exit(f"{path}: no '## Layering' table found")
    return rules


def room_of(path, rooms):
    """The longest room that is a prefix of `path`, or None."""
    best = None
    for room in rooms:
        if path.startswith(room) and (best is None or len(room) > len(best)):
            best = room
    return best


def project_folders(root):
    return {name + "/" for name in os.listdir(root)
            if os.path.isdir(os.path.join(root, name))
            and not name.startswith((".", "build"))}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
    rules = read_table(root)
    folders = project_folders(root)
    problems, checked = [], 0
    for room in sorted(rules):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, room)):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "__"))]
            for name in sorted(filenames):
                if not name.endswith(SOURCES):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), root)
                if room_of(path, rules) != room:
                    continue  # a more specific row owns it
                checked += 1
                with open(os.path.join(root, path), encoding="utf-8",
                          errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        match = INCLUDE.match(line)
                        if not match:
                            continue
                        target = match.group(1)
                        if not any(target.startswith(d) for d in folders):
                            continue
                        allowed = [room] + rules[room]
                        if not any(target.startswith(a) for a in allowed):
                            problems.append(
                                f"{path}:{number}: {room} includes {target}, "
                                f"which the layering table does not allow "
                                f"(allowed: {', '.join(rules[room]) or 'none'})")
    for problem in problems:
        print(problem)
    print(f"checked {checked} files in {len(rules)} rooms: "
          f"{len(problems)} forbidden include(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

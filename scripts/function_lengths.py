#!/usr/bin/env python3
"""Lists the longest functions of engram's own C++ (.cpp and .h).

A function is a brace block whose head ends in a parameter list (with
qualifiers) at namespace or class level; its length counts the lines from
its head to its closing brace. Lambdas and blocks inside a function count
towards that function. CUDA kernel headers (.cuh) and the C shim are left
out, as the style guide allows.

    function_lengths.py [SOURCE_ROOT] [--over N] [--max-over-60 K] [--max N]

Prints every function longer than --over (default 60) lines, longest first,
and exits 1 when more than --max-over-60 functions exceed 60 lines or any
exceeds --max lines (the limits are checked only when given).
"""
import argparse
import os
import re
import sys

ROOMS = ("spiking", "runtime", "dialects", "passes", "compiler", "backends",
         "tools", "test", "bench")
HEAD_FUNCTION = re.compile(
    r"\)\s*(const|override|final|noexcept|mutable|&|&&|\s)*"
    r"(->\s*[\w:<>,\s\*&]+)?\s*$")
HEAD_SCOPE = re.compile(r"\b(namespace|struct|class|union|enum)\b[^()]*$")


def strip(text):
    """Comments and literals blanked, newlines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + (m.group(1) if m else "") + '"', i)
            j = n if end < 0 else end + len(m.group(1) if m else "") + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """(name, first line, length) of every function in `path`."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = strip(f.read())
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)  # preprocessor lines
    found, stack, head_start = [], [], 0
    for i, c in enumerate(text):
        if c in ";{}":
            if c == "{":
                head = text[head_start:i]
                inside_function = any(kind == "function" for kind, _, _ in stack)
                if inside_function:
                    kind = "block"
                elif HEAD_SCOPE.search(head):
                    kind = "scope"
                elif HEAD_FUNCTION.search(head) and "(" in head:
                    kind = "function"
                else:
                    kind = "block"
                stack.append((kind, head, i))
            elif c == "}" and stack:
                kind, head, start = stack.pop()
                if kind == "function":
                    body = head.strip()
                    first = text.count("\n", 0, start - len(head) +
                                       (len(head) - len(head.lstrip()))) + 1
                    last = text.count("\n", 0, i) + 1
                    name = re.search(r"([~\w:]+)\s*\([^()]*", body)
                    found.append((name.group(1) if name else body[:40],
                                  first, last - first + 1))
            head_start = i + 1
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root", nargs="?", default=os.getcwd())
    parser.add_argument("--over", type=int, default=60)
    parser.add_argument("--max-over-60", type=int)
    parser.add_argument("--max", type=int)
    args = parser.parse_args()
    all_functions = []
    for room in ROOMS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(args.root, room)):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "__"))]
            for name in filenames:
                if not name.endswith((".cpp", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, args.root)
                for fname, line, length in functions(path):
                    all_functions.append((length, f"{rel}:{line}", fname))
    all_functions.sort(reverse=True)
    for length, where, name in all_functions:
        if length > args.over:
            print(f"{length:5d}  {where}  {name}")
    over60 = sum(1 for length, _, _ in all_functions if length > 60)
    over100 = sum(1 for length, _, _ in all_functions if length > 100)
    print(f"{len(all_functions)} functions: {over100} over 100 lines, "
          f"{over60} over 60")
    bad = (args.max_over_60 is not None and over60 > args.max_over_60) or \
          (args.max is not None and all_functions and
           all_functions[0][0] > args.max)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

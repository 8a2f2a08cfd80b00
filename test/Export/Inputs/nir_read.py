"""Reads NIR files with NIR's own Python reader (nir.read, its type check
on), for nir-read.test; NIR's source tree comes from ENGRAM_NIR_SRC:

    nir_read.py FILE.nir...

Prints each file's nodes by type (nested graphs' nodes under their name),
and 'read' when nir.read accepted it; exits 1 at the first it refuses.
"""
import collections
import sys

import nir


def count(graph, prefix, kinds):
    for name, node in sorted(graph.nodes.items()):
        kind = type(node).__name__
        kinds[kind] += 1
        if isinstance(node, nir.NIRGraph):
            count(node, prefix + name + ".", kinds)


def main():
    for path in sys.argv[1:]:
        try:
            graph = nir.read(path)
        except Exception as e:  # what nir.read raises is the message
            print(f"{path}: nir.read refused it: {type(e).__name__}: {e}")
            return 1
        kinds = collections.Counter()
        count(graph, "", kinds)
        listed = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        print(f"{path.rsplit('/', 1)[-1]}: {listed}; {len(graph.edges)} edges; read")
    return 0


if __name__ == "__main__":
    sys.exit(main())

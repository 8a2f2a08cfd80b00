"""hostile_names.py - names that try to become code, for hostile-names.test.

    hostile_names.py snn IN.mlir OUT.mlir     rename every population of an
                                              snn.network to a hostile name
    hostile_names.py engram IN.mlir OUT.mlir  give engram IR hostile
                                              locations and resource names
    hostile_names.py names FILE.npz|FILE.nir|FILE.pb COUNT
                                              check that the file names its
                                              populations with the first
                                              COUNT hostile names (NIR: under
                                              safe HDF5 keys, the names in
                                              metadata), and print OK

Every name closes a literal of some language (Python's triple quotes, C
comments and preprocessor lines, shell substitutions, JSON strings), or is a
path (/, .., .), or is not ASCII. The first one is what would run code if the
PyNN script embedded the network description as Python source.
"""
import json
import os
import re
import sys

NAMES = [
    "out'''+str(__import__('os').system('touch PWNED'))+r'''",
    'dq"""+__import__("os").system("touch PWNED")+"""',
    'q"uote\'single',
    "back\\slash\\",
    "line\nbreak",
    "a/b",
    "..",
    ".",
    "*/ int evil; /*",
    "#include </etc/passwd>",
    "$(touch PWNED)`touch PWNED`",
    "ニューロン",
    "{\"json\": [1]}\t",
    "x/../../y",
    "%(y3)s {0} \\x00",
]


def mlir_string(text):
    """An MLIR string literal of `text` (UTF-8), escaped."""
    out = []
    for byte in text.encode():
        c = chr(byte)
        if c in '"\\' or byte < 0x20 or byte == 0x7F:
            out.append("\\%02X" % byte)
        else:
            out.append(c)
    return '"' + bytes("".join(out), "latin-1").decode("utf-8", "surrogateescape") + '"'


def rename_snn(src, dst):
    text = open(src, encoding="utf-8").read()
    pattern = re.compile(r'(snn\.(?:input|graded|if|lif|lif_fixed) )"([^"]*)"')
    found = pattern.findall(text)
    if len(found) > len(NAMES):
        sys.exit(f"hostile_names.py: {len(found)} populations, {len(NAMES)} names")
    names = iter(NAMES)
    text = pattern.sub(lambda m: m.group(1) + mlir_string(next(names)), text)
    network = "snn.network @" + mlir_string(NAMES[1])
    text = re.sub(r"snn\.network @\w+", lambda m: network, text)
    open(dst, "w", encoding="utf-8").write(text)
    print(f"renamed {len(found)} populations")


def hostile_engram(src, dst):
    """Hostile file names in locations, and hostile resource keys."""
    text = open(src, encoding="utf-8").read()
    keys = sorted(set(re.findall(r"dense_resource<([\w.]+)>", text)))
    for i, key in enumerate(keys):
        hostile = mlir_string(NAMES[i % len(NAMES)] + f"#{i}")
        text = text.replace(f"dense_resource<{key}>", f"dense_resource<{hostile}>")
        text = re.sub(rf"^(\s*){re.escape(key)}:", lambda m: m.group(1) + hostile + ":",
                      text, flags=re.M)
    # A hostile file name in the location of every operation that has none.
    loc = "loc(" + mlir_string(NAMES[0] + "*/\n#include <x>") + ":1:1)"
    text = re.sub(r"^(\s+(?:%[\w:#, %]+ = )?\"?[a-z_]+\.[a-z_.]+.*[^{\s])$",
                  lambda m: m.group(1) + " " + loc, text, flags=re.M)
    open(dst, "w", encoding="utf-8").write(text)
    print(f"{len(keys)} hostile resource keys")


def names_in(path):
    if path.endswith(".npz"):
        import numpy as np
        with np.load(path) as npz:
            return set(npz.files), None
    if path.endswith(".nir"):
        import h5py
        found, keys = set(), set()
        with h5py.File(path, "r") as f:
            nodes = f["node"]["nodes"]
            for key in nodes:
                keys.add(key)
                node = nodes[key]
                if node["type"][()].decode() in ("Output", "Linear", "Affine", "Delay"):
                    continue
                meta = node.get("metadata")
                name = meta["engram_name"][()] if meta is not None and "engram_name" in meta else key
                found.add(name.decode() if isinstance(name, bytes) else name)
        return found, keys
    if path.endswith(".pb"):
        import engram_lava_pb2
        graph = engram_lava_pb2.Network()
        graph.ParseFromString(open(path, "rb").read())
        return {p.name for p in graph.processes if p.WhichOneof("kind") != "monitor"
                and not p.name.startswith("bias")}, None
    raise SystemExit(f"hostile_names.py: cannot read names from {path}")


def check_names(path, count):
    """The file names its populations with NAMES[:count] (and, for NIR,
    under HDF5 keys that are single path components)."""
    found, keys = names_in(path)
    missing = set(NAMES[:count]) - found
    if missing:
        sys.exit(f"{path}: missing the names {sorted(missing)}; found {sorted(found)}")
    for key in keys or ():
        if "/" in key or key in (".", ".."):
            sys.exit(f"{path}: unsafe HDF5 key {key!r}")
    print(f"OK: {count} hostile names")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    command = sys.argv[1]
    if command == "snn":
        rename_snn(sys.argv[2], sys.argv[3])
    elif command == "engram":
        hostile_engram(sys.argv[2], sys.argv[3])
    elif command == "names":
        check_names(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

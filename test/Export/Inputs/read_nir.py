"""Validates a .nir file against NIR's documented HDF5 layout with h5py (the
keys nir.read passes to each node's constructor, so that an unknown key
would break it; shapes that agree along every edge, as nir.read's type
check requires) and prints it as text for lit:

    read_nir.py FILE.nir
"""
import sys

import h5py
import numpy as np

# The datasets of each node type (NIR 1.0.x), besides `type` and the
# optional `metadata` group.
FIELDS = {
    "Input": {"shape"}, "Output": {"shape"},
    "Affine": {"weight", "bias"}, "Linear": {"weight"},
    "Scale": {"scale"}, "Delay": {"delay"}, "Threshold": {"threshold"},
    "IF": {"r", "v_threshold", "v_reset"},
    "LIF": {"tau", "r", "v_leak", "v_threshold", "v_reset"},
    "CubaLIF": {"tau_syn", "tau_mem", "r", "v_leak", "v_threshold",
                "v_reset", "w_in"},
    "I": {"r"}, "LI": {"tau", "r", "v_leak"},
    "CubaLI": {"tau_syn", "tau_mem", "r", "v_leak", "w_in"},
    "Conv1d": {"input_shape", "weight", "stride", "padding", "dilation", "groups", "bias"},
    "Conv2d": {"input_shape", "weight", "stride", "padding", "dilation", "groups", "bias"},
    "SumPool2d": {"kernel_size", "stride", "padding"},
    "AvgPool2d": {"kernel_size", "stride", "padding"},
    "Flatten": {"start_dim", "end_dim", "input_type"},
}
# Linear nodes whose output size follows from their input's.
SHAPED = {"Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Flatten"}
OPTIONAL = {"v_reset", "w_in"}


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def main():
    problems = []
    with h5py.File(sys.argv[1], "r") as f:
        print(f"version {text(f['version'][()])}")
        graph = f["node"]
        print(f"graph {text(graph['type'][()])}")
        sizes_in, sizes_out = {}, {}
        for name, node in graph["nodes"].items():
            kind = text(node["type"][()])
            keys = set(node.keys()) - {"type", "metadata"}
            if kind not in FIELDS:
                problems.append(f"{name}: unknown type {kind}")
                continue
            if keys - FIELDS[kind]:
                problems.append(f"{name}: unknown keys {sorted(keys - FIELDS[kind])}")
            if FIELDS[kind] - OPTIONAL - keys:
                problems.append(f"{name}: missing {sorted(FIELDS[kind] - OPTIONAL - keys)}")
            if kind in ("Affine", "Linear"):
                w = node["weight"]
                sizes_in[name], sizes_out[name] = w.shape[1], w.shape[0]
            elif kind in ("Input", "Output"):
                n = int(np.prod(node["shape"][()]))
                sizes_in[name] = sizes_out[name] = n
            elif kind in SHAPED:
                pass  # sizes along the edges checked by nir.read (nir-read.test)
            else:
                first = node[sorted(keys)[0]].shape
                for k in keys:
                    if node[k].shape != first:
                        problems.append(f"{name}: {k} has shape {node[k].shape}")
                sizes_in[name] = sizes_out[name] = int(np.prod(first))
            meta = sorted(node["metadata"].keys()) if "metadata" in node else []
            print(f"node {name} {kind} {sorted(keys)} in={sizes_in.get(name)} "
                  f"out={sizes_out.get(name)} metadata={len(meta)}")
        edges = graph["edges"][()]
        print(f"edges {len(edges)} dtype={edges.dtype}")
        for a, b in edges:
            a, b = text(a), text(b)
            kinds = {n: text(graph["nodes"][n]["type"][()]) for n in graph["nodes"]}
            if kinds.get(a) in SHAPED or kinds.get(b) in SHAPED:
                continue
            if a not in sizes_out or b not in sizes_in:
                problems.append(f"edge {a} -> {b}: unknown node")
            elif sizes_out[a] != sizes_in[b]:
                problems.append(f"edge {a} -> {b}: {sizes_out[a]} != {sizes_in[b]}")
    for p in problems:
        print(f"problem: {p}")
    print("valid" if not problems else "INVALID")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

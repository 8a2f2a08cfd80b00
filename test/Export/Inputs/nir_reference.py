"""NIR's equations in numpy: the reference the NIR tests hold engram's
import to. It reads a NIR file with h5py (nested NIRGraph nodes included),
steps every node of the graph on an input sequence and compares engram's
recorded events with the reference's, node by node:

    nir_reference.py check FILE.nir X.npy RECORD.npz [--dt DT]
        [--integration zoh|euler] [--tolerance T]

Discrete time as NIR's reference simulators run it: every node reads its
predecessors' outputs of the same timestep (no latency per edge); an edge
that closes a cycle (found depth first from the Input nodes, not through a
Delay) reads the previous timestep's output, as a recurrent layer reads its
last output. Neurons integrate their input held over each step: exactly
(zero-order hold: a leak of exp(-dt/tau)) or by forward Euler. A spiking
neuron spikes when v > v_threshold and then sets v to v_reset.
"""
import argparse
import sys

import h5py
import numpy as np


def read_graph(group, prefix=""):
    """(nodes, edges) of a NIRGraph group; nested graphs flattened with
    'outer.inner' names, edges to a subgraph going to its Input nodes and
    edges from it leaving from its Output nodes."""
    nodes, edges = {}, []
    inner_inputs, inner_outputs = {}, {}
    for name, g in group["nodes"].items():
        kind = g["type"][()]
        kind = kind.decode() if isinstance(kind, bytes) else kind
        full = prefix + name
        if kind == "NIRGraph":
            sub_nodes, sub_edges = read_graph(g, full + ".")
            nodes.update(sub_nodes)
            edges += sub_edges
            inner_inputs[full] = [n for n, (k, _) in sub_nodes.items()
                                  if k == "NestedInput" and n.count(".") == full.count(".") + 1]
            inner_outputs[full] = [n for n, (k, _) in sub_nodes.items()
                                   if k == "NestedOutput" and n.count(".") == full.count(".") + 1]
            continue
        params = {k: np.asarray(v[()]) for k, v in g.items()
                  if isinstance(v, h5py.Dataset) and k != "type"}
        if prefix and kind in ("Input", "Output"):
            kind = "Nested" + kind  # passes values through
        nodes[full] = (kind, params)
    for a, b in group["edges"][()]:
        a = prefix + (a.decode() if isinstance(a, bytes) else a)
        b = prefix + (b.decode() if isinstance(b, bytes) else b)
        if a not in nodes and a in inner_outputs:
            froms = inner_outputs[a]
        else:
            froms = [a]
        if b not in nodes and b in inner_inputs:
            tos = inner_inputs[b]
        else:
            tos = [b]
        if a not in nodes and a not in inner_outputs:
            # 'sub.out' written as a dotted name of an inner node.
            froms = [a]
        edges += [(f, t) for f in froms for t in tos]
    return nodes, edges


def order(nodes, edges, dt):
    """Evaluation order and the set of back edges."""
    succ = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)

    def delays(n):
        kind, p = nodes[n]
        return kind == "Delay" and np.max(p["delay"]) / dt >= 0.5

    back, mark = set(), {}

    def visit(root):
        stack = [(root, iter(succ[root]))]
        mark[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                mark[node] = 2
                stack.pop()
                continue
            if delays(node):
                continue
            if mark.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in mark:
                mark[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))

    for first in (True, False):
        for n in sorted(nodes):
            if n not in mark and (nodes[n][0] == "Input") == first:
                visit(n)
    # Kahn over the edges that matter within a step.
    waiting = {n: 0 for n in nodes}
    live = [(a, b) for a, b in edges if (a, b) not in back and not delays(a)]
    for a, b in live:
        waiting[b] += 1
    ready = sorted(n for n in nodes if waiting[n] == 0)
    result = []
    while ready:
        n = ready.pop(0)
        result.append(n)
        for a, b in live:
            if a == n:
                waiting[b] -= 1
                if waiting[b] == 0:
                    ready.append(b)
                    ready.sort()
    assert len(result) == len(nodes), "cycle without a back edge"
    return result, back


def ints(p, key, n, default):
    v = np.asarray(p.get(key, default)).reshape(-1).astype(int)
    return list(v) * n if v.size == 1 else list(v)


def convolve(x, w, stride, pad_l, pad_r, dilation, groups):
    """PyTorch's convolution of x (C, *spatial) with w (Co, C/groups, *k)."""
    dims = x.ndim - 1
    xp = np.pad(x, [(0, 0)] + list(zip(pad_l, pad_r)))
    k = w.shape[2:]
    size = [(xp.shape[1 + d] - dilation[d] * (k[d] - 1) - 1) // stride[d] + 1
            for d in range(dims)]
    co, cg = w.shape[0], w.shape[1]
    y = np.zeros([co] + size)
    for tap in np.ndindex(*k):
        window = tuple(slice(tap[d] * dilation[d],
                             tap[d] * dilation[d] + stride[d] * (size[d] - 1) + 1,
                             stride[d]) for d in range(dims))
        patch = xp[(slice(None),) + window]
        per = co // groups
        for g in range(groups):
            wg = w[(slice(g * per, (g + 1) * per), slice(None)) + tap]
            y[g * per:(g + 1) * per] += np.tensordot(wg, patch[g * cg:(g + 1) * cg], axes=(1, 0))
    return y


def conv_node(kind, p, a):
    w = np.asarray(p["weight"], dtype=np.float64)
    dims = w.ndim - 2
    groups = int(np.asarray(p.get("groups", 1)).reshape(-1)[0])
    spatial = [int(v) for v in np.asarray(p["input_shape"]).reshape(-1)[-dims:]]
    x = a.reshape([w.shape[1] * groups] + spatial)
    k = w.shape[2:]
    stride, dilation = ints(p, "stride", dims, 1), ints(p, "dilation", dims, 1)
    pad = p.get("padding", 0)
    if isinstance(pad, (str, bytes)) or (isinstance(pad, np.ndarray) and pad.dtype.kind in "OSU"):
        mode = pad.decode() if isinstance(pad, bytes) else str(pad)
        total = [dilation[d] * (k[d] - 1) for d in range(dims)]
        pad_l = [t // 2 if mode == "same" else 0 for t in total]
        pad_r = [t - l if mode == "same" else 0 for t, l in zip(total, pad_l)]
    else:
        pad_l = pad_r = ints(p, "padding", dims, 0)
    y = convolve(x, w, stride, pad_l, pad_r, dilation, groups)
    if "bias" in p:
        y += np.asarray(p["bias"]).reshape([-1] + [1] * dims)
    return y


def pool_node(kind, p, a):
    k = ints(p, "kernel_size", 2, 1)
    stride = [s or kk for s, kk in zip(ints(p, "stride", 2, 0), k)]
    pad = ints(p, "padding", 2, 0)
    c = a.shape[0]
    w = np.ones([c, 1] + k)
    if kind == "AvgPool2d":
        w /= k[0] * k[1]
    return convolve(a, w, stride, pad, pad, [1, 1], c)


def decay(tau, dt, integration):
    """The share of the state a step replaces: 1 - exp(-dt/tau) or dt/tau."""
    tau = np.asarray(tau, dtype=np.float64)
    return -np.expm1(-dt / tau) if integration == "zoh" else dt / tau


class Reference:
    def __init__(self, path, dt, integration):
        with h5py.File(path, "r") as f:
            self.nodes, self.edges = read_graph(f["node"])
        self.dt, self.integration = dt, integration
        self.order, self.back = order(self.nodes, self.edges, dt)
        self.pred = {n: [a for a, b in self.edges if b == n] for n in self.nodes}
        self.delays = {}
        for n, (kind, p) in self.nodes.items():
            if kind == "Delay" and round(float(np.max(p["delay"])) / dt) >= 1:
                self.delays[n] = int(round(float(np.max(p["delay"])) / dt))

    def run(self, x):
        """Outputs of every node, name -> B x S x n, for x (B x S x D)."""
        B, S = x.shape[:2]
        out = {}
        for b in range(B):
            state, last, history = {}, {}, {}
            for t in range(S):
                # A Delay's output is its input of `steps` timesteps ago.
                now = {n: self.delayed(n, history) for n in self.delays}
                for n in self.order:
                    kind, p = self.nodes[n]
                    if n in self.delays:
                        continue
                    if kind == "Input":
                        shape = np.asarray(p["shape"]).reshape(-1).astype(int)
                        y = x[b, t].astype(np.float64).reshape(shape)
                    else:
                        y = self.step(n, kind, p, self.input(n, now, last),
                                      state)
                    now[n] = y
                for n in self.delays:
                    history.setdefault(n, []).append(self.input(n, now, last))
                for n, y in now.items():
                    out.setdefault(n, np.zeros((B, S, y.size)))[b, t] = y.reshape(-1)
                last = now
        return out

    def delayed(self, n, history):
        steps = self.delays[n]
        h = history.get(n, [])
        size = np.size(self.nodes[n][1]["delay"])
        return h[-steps] if len(h) >= steps else np.zeros(size)

    def input(self, n, now, last):
        total = None
        for a in self.pred[n]:
            v = last.get(a) if (a, n) in self.back else now.get(a)
            if v is None:  # a back edge's source at t = 0
                continue
            total = v.copy() if total is None else total + v
        return total

    def step(self, n, kind, p, a, state):
        dt, integ = self.dt, self.integration
        if kind in ("Output", "Delay", "NestedInput", "NestedOutput"):
            return a
        if kind == "Flatten":
            return a.reshape(-1)
        if kind == "Affine":
            return p["weight"] @ a.reshape(-1) + p["bias"]
        if kind == "Linear":
            return p["weight"] @ a.reshape(-1)
        if kind in ("Conv1d", "Conv2d"):
            return conv_node(kind, p, a)
        if kind in ("SumPool2d", "AvgPool2d"):
            return pool_node(kind, p, a)
        if kind == "Scale":
            return p["scale"] * a
        if kind == "Threshold":
            return (a > p["threshold"]).astype(np.float64)
        v = state.setdefault(n + "/v", np.zeros(a.shape))
        if kind in ("CubaLIF", "CubaLI"):
            i = state.setdefault(n + "/i", np.zeros(a.shape))
            k = decay(p["tau_syn"], dt, integ)
            i = i + k * (p.get("w_in", 1.0) * a - i)
            state[n + "/i"] = i
            a = i
        if kind in ("IF", "I"):
            v = v + dt * p.get("r", 1.0) * a
        else:
            k = decay(p["tau"] if kind in ("LIF", "LI") else p["tau_mem"], dt, integ)
            v = v + k * (p.get("v_leak", 0.0) + p.get("r", 1.0) * a - v)
        if kind in ("LI", "I", "CubaLI"):
            state[n + "/v"] = v
            return v.copy()
        z = (v > p["v_threshold"]).astype(np.float64)
        reset = np.broadcast_to(p.get("v_reset", 0.0), v.shape)
        v = np.where(z > 0, reset, v)
        state[n + "/v"] = v
        return z


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["check"])
    ap.add_argument("nir")
    ap.add_argument("x")
    ap.add_argument("record")
    ap.add_argument("--dt", type=float, default=1.0)
    ap.add_argument("--integration", default="zoh")
    ap.add_argument("--tolerance", type=float, default=1e-9)
    args = ap.parse_args()
    ref = Reference(args.nir, args.dt, args.integration)
    want = ref.run(np.load(args.x))
    got = np.load(args.record)
    bad = 0
    for name in sorted(got.files):
        if name not in want:
            continue
        w, g = want[name], got[name]
        kind = ref.nodes[name][0]
        if kind in ("LIF", "CubaLIF", "IF", "Threshold"):
            diff = int(np.abs(g - w).sum())
            print(f"{name} ({kind}): {int(w.sum())} spikes, {diff} differ")
            bad += diff > 0 or w.sum() < 5
        else:
            err = float(np.max(np.abs(g - w)) / max(1e-12, np.max(np.abs(w))))
            print(f"{name} ({kind}): max relative error {err:.2g}")
            bad += not err <= args.tolerance
    print("PASS" if bad == 0 else "FAIL")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""A NIR graph as other tools write it (h5py, NIR's documented layout, no
engram metadata), and the spike trains its equations give under forward
Euler with engram's conventions (every edge into a neuron takes one
timestep; v > threshold spikes and resets to 0), for nir.test:

    nir_foreign.py write FILE.nir X.npy
    nir_foreign.py check FILE.nir X.npy RECORD.npz

The graph: in(4) -> fc1 Affine -> lif1 LIF -> fc2 Linear -> d Delay(2) ->
cuba CubaLIF -> fc3 Linear -> if1 IF -> output, and lif1 -> fc4 Linear ->
th Threshold. Weights are multiples of 2^-10 and dt/tau are powers of two,
so that engram's 16-bit weights hold them exactly.
"""
import sys

import h5py
import numpy as np

DT = 1.0


def params():
    r = np.random.default_rng(7)

    def w(rows, cols, scale):
        return np.round(r.uniform(-scale, scale, (rows, cols)) * 1024) / 1024

    return {
        "fc1": (w(6, 4, 1.5), np.round(r.uniform(0, 0.3, 6) * 1024) / 1024),
        "lif1": dict(tau=np.full(6, 4.0), r=np.array([1, 2, 1, 2, 1, 2.0]),
                     v_leak=np.full(6, 0.25),
                     v_threshold=np.array([1, 1.5, 1, 0.5, 1, 2.0]),
                     v_reset=np.zeros(6)),
        "fc2": w(5, 6, 2.0),
        "d": dict(delay=np.full(5, 2.0)),
        "cuba": dict(tau_syn=np.full(5, 2.0), tau_mem=np.full(5, 8.0),
                     r=np.full(5, 1.0), v_leak=np.zeros(5),
                     v_threshold=np.full(5, 0.5), v_reset=np.zeros(5),
                     w_in=np.full(5, 2.0)),
        "fc3": np.abs(w(3, 5, 1.5)),
        "if1": dict(r=np.full(3, 1.0), v_threshold=np.full(3, 0.3),
                    v_reset=np.zeros(3)),
        "fc4": w(3, 6, 1.0),
        "th": dict(threshold=np.full(3, 0.25)),
    }


def write(path):
    p = params()
    s = h5py.string_dtype()
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0.7", dtype=s)
        g = f.create_group("node")
        g.create_dataset("type", data="NIRGraph", dtype=s)
        nodes = g.create_group("nodes")

        def node(name, kind, **data):
            n = nodes.create_group(name)
            n.create_dataset("type", data=kind, dtype=s)
            for k, v in data.items():
                n.create_dataset(k, data=v)

        node("in", "Input", shape=np.array([4]))
        node("fc1", "Affine", weight=p["fc1"][0], bias=p["fc1"][1])
        node("lif1", "LIF", **p["lif1"])
        node("fc2", "Linear", weight=p["fc2"])
        node("d", "Delay", **p["d"])
        node("cuba", "CubaLIF", **p["cuba"])
        node("fc3", "Linear", weight=p["fc3"])
        node("if1", "IF", **p["if1"])
        node("fc4", "Linear", weight=p["fc4"])
        node("th", "Threshold", **p["th"])
        node("output", "Output", shape=np.array([3]))
        edges = [("in", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "d"),
                 ("d", "cuba"), ("cuba", "fc3"), ("fc3", "if1"),
                 ("if1", "output"), ("lif1", "fc4"), ("fc4", "th")]
        g.create_dataset("edges", data=edges, dtype=s)


def simulate(x):
    """Spike trains (B x S x n) of every neuron node for inputs x (B x S x 4)."""
    p = params()
    B, S, _ = x.shape
    out = {k: np.zeros((B, S, n)) for k, n in
           [("lif1", 6), ("cuba", 5), ("if1", 3), ("th", 3)]}
    for b in range(B):
        v1 = np.zeros(6); I = np.zeros(5); vc = np.zeros(5); vi = np.zeros(3)
        prev = {"in": np.zeros(4), "lif1": np.zeros(6), "cuba": np.zeros(5)}
        lif1_hist = [np.zeros(6)] * 3  # for the delay of 2 (+1) timesteps
        for t in range(S):
            L = p["lif1"]
            a1 = p["fc1"][0] @ prev["in"] + p["fc1"][1]
            v1 = v1 + DT / L["tau"] * (L["v_leak"] - v1 + L["r"] * a1)
            s1 = (v1 > L["v_threshold"]).astype(float)
            v1[s1 > 0] = 0
            C = p["cuba"]
            a2 = p["fc2"] @ lif1_hist[-3]
            I = I + DT / C["tau_syn"] * (-I + C["w_in"] * a2)
            vc = vc + DT / C["tau_mem"] * (C["v_leak"] - vc + C["r"] * I)
            sc = (vc > C["v_threshold"]).astype(float)
            vc[sc > 0] = 0
            F = p["if1"]
            vi = vi + DT * F["r"] * (p["fc3"] @ prev["cuba"])
            si = (vi > F["v_threshold"]).astype(float)
            vi[si > 0] = 0
            st = ((p["fc4"] @ prev["lif1"]) > p["th"]["threshold"]).astype(float)
            out["lif1"][b, t], out["cuba"][b, t] = s1, sc
            out["if1"][b, t], out["th"][b, t] = si, st
            lif1_hist = lif1_hist[1:] + [s1]
            prev = {"in": x[b, t], "lif1": s1, "cuba": sc}
    return out


def check(path, xpath, record):
    x = np.load(xpath).astype(np.float64)
    want = simulate(x)
    got = np.load(record)
    bad = 0
    for name, spikes in want.items():
        g = got[name]
        diff = int(np.abs(g - spikes).sum())
        print(f"{name}: {int(spikes.sum())} spikes, {diff} differ")
        bad += diff
    silent = [n for n, w in want.items() if w.sum() < 5]
    ok = bad == 0 and not silent
    print("PASS" if ok else f"FAIL (silent: {silent})")
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
        r = np.random.default_rng(3)
        np.save(sys.argv[3], r.uniform(0, 1, (3, 40, 4)).astype(np.float32))
    else:
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4]))

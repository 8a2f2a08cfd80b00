"""NIR graphs written by NIR's own Python package (nir.write, the writer
every tool's exporter calls), for nir-read.test; NIR's source tree comes
from ENGRAM_NIR_SRC:

    nir_api.py DIR

writes DIR/lif.nir (Affine, LIF, a v_reset), DIR/rnn.nir (a recurrent
CubaLIF layer as a nested graph, as snnTorch writes RSynaptic), DIR/cnn.nir
(Conv2d, IF, SumPool2d, Flatten, Affine and an LI readout, as Sinabs and
Norse write them) and DIR/x-*.npy inputs for each.
"""
import os
import sys

import nir
import numpy as np

# A source tree, not an installed package, has no version for nir.write to
# record; engram does not read it.
if not hasattr(nir, "version"):
    nir.version = "0+source"


def lif(r):
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([6])),
            "fc1": nir.Affine(weight=r.uniform(-0.5, 1.0, (8, 6)), bias=r.uniform(0, 0.2, 8)),
            "lif1": nir.LIF(tau=np.full(8, 3e-3), r=np.full(8, 10.0), v_leak=np.zeros(8),
                            v_threshold=np.full(8, 1.0), v_reset=np.full(8, -0.1)),
            "fc2": nir.Linear(weight=r.uniform(-0.5, 1.0, (3, 8))),
            "lif2": nir.LIF(tau=np.full(3, 2e-3), r=np.full(3, 20.0), v_leak=np.zeros(3),
                            v_threshold=np.full(3, 1.0), v_reset=np.zeros(3)),
            "output": nir.Output(output_type=np.array([3])),
        },
        edges=[("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"),
               ("lif2", "output")])


def rnn(r):
    n = 5
    layer = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([n])),
            "lif": nir.CubaLIF(tau_syn=np.full(n, 2e-3), tau_mem=np.full(n, 4e-3),
                               r=np.full(n, 15.0), v_leak=np.zeros(n),
                               v_threshold=np.full(n, 1.0), v_reset=np.zeros(n),
                               w_in=np.full(n, 1.0)),
            "w_rec": nir.Linear(weight=r.uniform(-0.6, 0.3, (n, n))),
            "output": nir.Output(output_type=np.array([n])),
        },
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([4])),
            "fc": nir.Affine(weight=r.uniform(-0.3, 1.0, (n, 4)), bias=r.uniform(0, 0.1, n)),
            "rsynaptic": layer,
            "out": nir.Linear(weight=r.uniform(-1, 1, (2, n))),
            "li": nir.LI(tau=np.full(2, 5e-3), r=np.full(2, 1.0), v_leak=np.zeros(2)),
            "output": nir.Output(output_type=np.array([2])),
        },
        edges=[("input", "fc"), ("fc", "rsynaptic"), ("rsynaptic", "out"),
               ("out", "li"), ("li", "output")])


def cnn(r):
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([2, 10, 10])),
            "0": nir.Conv2d(input_shape=(10, 10), weight=r.uniform(-0.2, 0.5, (4, 2, 3, 3)),
                            stride=1, padding=1, dilation=1, groups=1, bias=np.zeros(4)),
            "1": nir.IF(r=np.ones((4, 10, 10)), v_threshold=np.full((4, 10, 10), 1.0),
                        v_reset=np.zeros((4, 10, 10))),
            "2": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                               padding=np.array([0, 0])),
            "3": nir.Flatten(input_type={"input": np.array([4, 5, 5])}, start_dim=0, end_dim=-1),
            "4": nir.Affine(weight=r.uniform(-0.1, 0.2, (3, 100)), bias=np.zeros(3)),
            "5": nir.LI(tau=np.full(3, 2.0), r=np.full(3, 1.0), v_leak=np.zeros(3)),
            "output": nir.Output(output_type=np.array([3])),
        },
        edges=[("input", "0"), ("0", "1"), ("1", "2"), ("2", "3"), ("3", "4"), ("4", "5"),
               ("5", "output")])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    r = np.random.default_rng(17)
    for name, build, width in [("lif", lif, 6), ("rnn", rnn, 4), ("cnn", cnn, 200)]:
        nir.write(os.path.join(out, f"{name}.nir"), build(r))
        x = np.random.default_rng(len(name)).uniform(0, 1, (2, 50, width))
        np.save(os.path.join(out, f"x-{name}.npy"), x.astype(np.float32))


if __name__ == "__main__":
    main()

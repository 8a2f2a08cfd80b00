"""NIR graphs as other tools write them (h5py, NIR's layout, no engram
metadata), for nir-tools.test; nir_reference.py computes what NIR's
equations make of them:

    nir_tools.py GRAPH FILE.nir X.npy

GRAPH:
  zoo   every neuron and connection node NIR has outside convolution:
        Input, Affine, Linear, Scale, Delay, Threshold, I, LI, CubaLI, IF,
        LIF, CubaLIF, Output; scalar parameters (sizes from the weights), a
        v_reset, a recurrent edge, an Affine bias into a CubaLIF (a constant
        synaptic current) and an IF whose input scales its weights by
        dt = 1e-4 below what engram's exponents hold without rescaling.
  cnn   Conv2d, SumPool2d, AvgPool2d, Flatten and a nested NIRGraph
        (convolution's groups, stride, padding and dilation included).
"""
import sys

import h5py
import numpy as np

STR = h5py.string_dtype()


class Writer:
    """Writes NIR's HDF5 layout: version, node/{type, nodes, edges}."""

    def __init__(self, path):
        self.f = h5py.File(path, "w")
        self.f.create_dataset("version", data="1.0.7", dtype=STR)
        self.graph = self.f.create_group("node")
        self.graph.create_dataset("type", data="NIRGraph", dtype=STR)
        self.nodes = self.graph.create_group("nodes")
        self.edges = []

    def node(self, name, kind, group=None, **params):
        g = (group or self.nodes).create_group(name)
        g.create_dataset("type", data=kind, dtype=STR)
        for key, value in params.items():
            g.create_dataset(key, data=np.asarray(value))
        return g

    def close(self):
        self.graph.create_dataset("edges", data=self.edges, dtype=STR)
        self.f.close()


def zoo(path):
    r = np.random.default_rng(11)
    w = Writer(path)
    n = w.node
    n("in", "Input", shape=np.array([64]))
    n("fc1", "Affine", weight=r.uniform(-0.05, 0.1, (5, 64)), bias=r.uniform(0, 0.4, 5))
    # Scalars: sizes come from the weights around the node.
    n("cuba", "CubaLIF", tau_syn=np.float64(4e-4), tau_mem=np.float64(8e-4),
      r=np.float64(2.0), v_leak=np.float64(0.1), v_threshold=np.float64(1.0),
      v_reset=np.float64(-0.2), w_in=np.float64(1.5))
    n("rec", "Linear", weight=r.uniform(-0.8, 0.4, (5, 5)))
    n("fc2", "Linear", weight=r.uniform(-1, 2, (4, 5)))
    n("lif", "LIF", tau=np.full(4, 3e-4), r=np.full(4, 4.0),
      v_leak=np.zeros(4), v_threshold=np.array([0.5, 1.0, 0.75, 1.25]),
      v_reset=np.zeros(4))
    n("fc0", "Linear", weight=r.uniform(-0.1, 0.1, (3, 64)))
    n("sc", "Scale", scale=np.array([1.5, -0.5, 2.0]))
    n("fc3", "Linear", weight=r.uniform(-1, 1, (2, 3)))
    # 1e-4 * w: below what 16-bit mantissas with exponent -24 can hold.
    n("fc10", "Linear", weight=r.uniform(0, 19, (3, 64)))
    n("if2", "IF", r=np.full(3, 1.0), v_threshold=np.full(3, 1.0),
      v_reset=np.zeros(3))
    n("li", "LI", tau=np.full(2, 5e-4), r=np.full(2, 1.0), v_leak=np.full(2, 0.05))
    n("fc4", "Affine", weight=r.uniform(-1, 1, (2, 4)), bias=np.array([0.1, -0.1]))
    n("cli", "CubaLI", tau_syn=np.full(2, 2e-4), tau_mem=np.full(2, 6e-4),
      r=np.full(2, 1.0), v_leak=np.zeros(2), w_in=np.full(2, 1.0))
    n("fc5", "Linear", weight=r.uniform(-1e-3, 3e-3, (3, 5)))
    n("if1", "IF", r=np.full(3, 1.0), v_threshold=np.full(3, 1e-6),
      v_reset=np.zeros(3))
    n("d", "Delay", delay=np.full(3, 3e-4))
    n("fc6", "Linear", weight=r.uniform(0, 1, (2, 3)))
    n("th", "Threshold", threshold=np.array([0.2, 0.4]))
    n("fc7", "Linear", weight=np.eye(2))
    n("fc8", "Linear", weight=r.uniform(-1, 1, (2, 2)))
    n("i", "I", r=np.full(2, 1e4))
    n("fc9", "Linear", weight=r.uniform(-1, 1, (2, 2)))
    n("output", "Output", shape=np.array([2]))
    w.edges = [("in", "fc1"), ("fc1", "cuba"), ("cuba", "rec"), ("rec", "cuba"),
               ("cuba", "fc2"), ("fc2", "lif"), ("in", "fc0"), ("fc0", "sc"),
               ("sc", "fc3"), ("in", "fc10"), ("fc10", "if2"),
               ("fc3", "li"), ("lif", "fc4"), ("fc4", "cli"), ("cuba", "fc5"),
               ("fc5", "if1"), ("if1", "d"), ("d", "fc6"), ("fc6", "th"),
               ("li", "fc7"), ("fc7", "i"), ("cli", "fc8"), ("fc8", "i"),
               ("th", "fc9"), ("fc9", "i"), ("i", "output")]
    w.close()
    return 64


def cnn(path):
    """Conv2d (stride, padding, groups), IF neurons with per-neuron
    (c, h, w) parameters, SumPool2d, a Conv1d over the pooled rows, an
    AvgPool2d, Flatten and an Affine into LIF neurons, in a nested graph."""
    r = np.random.default_rng(13)
    w = Writer(path)
    n = w.node
    n("input", "Input", shape=np.array([2, 8, 8]))
    n("conv", "Conv2d", input_shape=np.array([8, 8]),
      weight=r.uniform(-0.3, 0.6, (4, 1, 3, 3)), bias=r.uniform(0, 0.1, 4),
      stride=np.array([1, 1]), padding=np.array([1, 1]),
      dilation=np.array([1, 1]), groups=np.int64(2))
    n("if1", "IF", r=np.ones((4, 8, 8)), v_threshold=np.full((4, 8, 8), 0.8),
      v_reset=np.zeros((4, 8, 8)))
    n("pool", "SumPool2d", kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
      padding=np.array([0, 0]))
    n("conv2", "Conv2d", input_shape=np.array([4, 4]),
      weight=r.uniform(-0.2, 0.5, (3, 4, 2, 2)), bias=np.zeros(3),
      stride=np.array([2, 1]), padding=np.array([0, 1]),
      dilation=np.array([1, 2]), groups=np.int64(1))
    n("if2", "IF", r=np.float64(1.0), v_threshold=np.float64(0.5),
      v_reset=np.float64(0.0))
    n("avg", "AvgPool2d", kernel_size=np.array([2, 2]), stride=np.array([1, 1]),
      padding=np.array([0, 0]))
    n("flat", "Flatten", start_dim=np.int64(0), end_dim=np.int64(-1))
    # A nested graph, as tools write a layer of their own.
    sub = n("block", "NIRGraph")
    nodes = sub.create_group("nodes")
    n("input", "Input", group=nodes, shape=np.array([3 * 1 * 3]))
    n("fc", "Affine", group=nodes, weight=r.uniform(-0.4, 0.3, (4, 9)),
      bias=r.uniform(0, 0.2, 4))
    n("lif", "LIF", group=nodes, tau=np.full(4, 2.0), r=np.full(4, 1.0),
      v_leak=np.zeros(4), v_threshold=np.full(4, 0.3), v_reset=np.zeros(4))
    n("output", "Output", group=nodes, shape=np.array([4]))
    sub.create_dataset("edges", data=[("input", "fc"), ("fc", "lif"),
                                      ("lif", "output")], dtype=STR)
    n("output", "Output", shape=np.array([4]))
    w.edges = [("input", "conv"), ("conv", "if1"), ("if1", "pool"),
               ("pool", "conv2"), ("conv2", "if2"), ("if2", "avg"),
               ("avg", "flat"), ("flat", "block"), ("block", "output")]
    w.close()
    return 2 * 8 * 8


GRAPHS = {"zoo": zoo, "cnn": cnn}


def main():
    graph, path, xpath = sys.argv[1:4]
    width = GRAPHS[graph](path)
    r = np.random.default_rng(5)
    np.save(xpath, r.uniform(0, 1, (2, 80, width)).astype(np.float32))


if __name__ == "__main__":
    main()

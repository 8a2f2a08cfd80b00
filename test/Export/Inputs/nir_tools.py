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
  conv1d  Conv1d over a (c, l) input, Flatten, an LI readout.
  snntorch, norse, sinabs, rockpool
        the layouts those tools' exporters write (the versions read are
        in docs/nir.md): node names, parameter formulas, dtypes and shapes.
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


F32 = np.float32


def snntorch(path):
    """snnTorch 0.9.4's export_to_nir (dt = 1e-4): nn.Linear -> Affine
    (float32), RLeaky -> LIF and its recurrent Affine flattened into nodes
    '1.lif' and '1.w_rec' (float64, tau = dt/(1 - beta), r = tau/dt,
    v_reset written as zeros), Synaptic -> CubaLIF (w_in = tau_syn/dt)."""
    r = np.random.default_rng(19)
    dt = 1e-4
    w = Writer(path)
    n = w.node
    beta = np.full(10, 0.9)
    alpha, beta2 = np.full(4, 0.8), np.full(4, 0.85)
    n("input", "Input", shape=np.array([8]))
    n("0", "Affine", weight=r.uniform(-0.2, 0.6, (10, 8)).astype(F32),
      bias=r.uniform(0, 0.05, 10).astype(F32))
    n("1.lif", "LIF", tau=dt / (1 - beta), r=(dt / (1 - beta)) / dt,
      v_leak=np.zeros(10), v_threshold=np.ones(10), v_reset=np.zeros(10))
    n("1.w_rec", "Affine", weight=r.uniform(-0.3, 0.2, (10, 10)).astype(F32),
      bias=r.uniform(-0.02, 0.02, 10).astype(F32))
    n("2", "Affine", weight=r.uniform(-0.3, 0.4, (4, 10)).astype(F32),
      bias=np.zeros(4, F32))
    tau_syn, tau_mem = dt / (1 - alpha), dt / (1 - beta2)
    n("3", "CubaLIF", tau_syn=tau_syn.astype(F32), tau_mem=tau_mem.astype(F32),
      r=(tau_mem / dt).astype(F32), v_leak=np.zeros(4, F32),
      v_threshold=np.ones(4, F32), w_in=(tau_syn / dt).astype(F32),
      v_reset=np.zeros(4, F32))
    n("output", "Output", shape=np.array([4]))
    w.edges = [("input", "0"), ("0", "1.lif"), ("1.lif", "1.w_rec"),
               ("1.w_rec", "1.lif"), ("1.lif", "2"), ("2", "3"), ("3", "output")]
    w.close()
    return 8


def norse(path):
    """Norse 1.1's to_nir (torch.fx names 'input_tensor', '_0', ...): LIFCell
    -> CubaLIF and LIBoxCell -> LI with Norse's default 0-d parameters
    (tau_mem = 1/100, tau_syn = 1/200, r = w_in = 1, float32), nn.Linear ->
    Affine or Linear. Norse steps with dt = 1e-3."""
    r = np.random.default_rng(23)
    w = Writer(path)
    n = w.node
    s = lambda x: np.asarray(x, F32)  # noqa: E731 (0-d, as Norse writes them)
    n("input_tensor", "Input", shape=np.array([8]))
    n("_0", "Affine", weight=r.uniform(-1, 4, (16, 8)).astype(F32),
      bias=r.uniform(0, 0.5, 16).astype(F32))
    n("_1", "CubaLIF", tau_syn=s(1 / 200), tau_mem=s(1 / 100), r=s(1), w_in=s(1),
      v_leak=s(0), v_threshold=s(1), v_reset=s(0))
    n("_2", "Linear", weight=r.uniform(-1, 1, (4, 16)).astype(F32))
    n("_3", "LI", tau=s(1 / 100), r=s(1), v_leak=s(0))
    n("output", "Output", shape=np.array([4]))
    w.edges = [("input_tensor", "_0"), ("_0", "_1"), ("_1", "_2"), ("_2", "_3"),
               ("_3", "output")]
    w.close()
    return 8


def sinabs(path):
    """Sinabs 3.1's to_nir after infer_types, like its scnn_mnist.nir: Conv2d
    (stride, padding, int64 pairs, input_shape (h, w)), IAF -> IF with
    (c, h, w) parameters, SumPool2d, Flatten (start_dim 0, input_type),
    nn.Linear -> Affine; tau in timesteps (dt = 1)."""
    r = np.random.default_rng(29)
    w = Writer(path)
    n = w.node
    pair = lambda a, b: np.array([a, b], np.int64)  # noqa: E731
    n("input", "Input", shape=np.array([2, 12, 12]))
    n("0", "Conv2d", weight=r.uniform(-0.4, 0.5, (4, 2, 3, 3)).astype(F32),
      stride=pair(2, 2), padding=pair(1, 1), dilation=pair(1, 1),
      groups=np.int64(1), bias=np.zeros(4, F32), input_shape=pair(12, 12))
    n("1", "IF", r=np.ones((4, 6, 6), F32), v_threshold=np.ones((4, 6, 6), F32),
      v_reset=np.zeros((4, 6, 6), F32))
    n("2", "SumPool2d", kernel_size=pair(2, 2), stride=pair(2, 2), padding=pair(0, 0))
    n("3", "Flatten", start_dim=np.int64(0), end_dim=np.int64(-1),
      input_type=np.array([4, 3, 3]))
    n("4", "Affine", weight=r.uniform(-0.3, 0.3, (10, 36)).astype(F32),
      bias=np.zeros(10, F32))
    n("5", "IF", r=np.ones(10, F32), v_threshold=np.ones(10, F32),
      v_reset=np.zeros(10, F32))
    n("output", "Output", shape=np.array([10]))
    w.edges = [("input", "0"), ("0", "1"), ("1", "2"), ("2", "3"), ("3", "4"),
               ("4", "5"), ("5", "output")]
    w.close()
    return 2 * 12 * 12


def rockpool(path):
    """Rockpool 3.0's to_nir (names '0_LinearTorch', ...): LinearTorch ->
    Linear(W.T), LIFTorch -> CubaLIF with r = tau_mem*exp(-dt/tau_mem)/dt
    and NIR's default w_in and v_reset, ExpSynTorch -> LI; Input and Output
    shapes with their batch and time dimensions ([1, n], [1, 1, n]);
    float32, dt = 1e-3."""
    r = np.random.default_rng(31)
    dt = 1e-3
    w = Writer(path)
    n = w.node
    tau_mem, tau_syn, tau = np.full(6, 0.02), np.full(6, 0.01), np.full(3, 0.01)
    n("input", "Input", shape=np.array([1, 5]))
    n("0_LinearTorch", "Linear", weight=r.uniform(-0.5, 3, (5, 6)).astype(F32).T)
    n("1_LIFTorch", "CubaLIF", tau_syn=tau_syn.astype(F32), tau_mem=tau_mem.astype(F32),
      r=(tau_mem * np.exp(-dt / tau_mem) / dt).astype(F32), v_leak=np.zeros(6, F32),
      v_threshold=np.ones(6, F32), w_in=np.ones(6, F32), v_reset=np.zeros(6, F32))
    n("2_LinearTorch", "Linear", weight=r.uniform(-1, 1, (6, 3)).astype(F32).T)
    n("3_ExpSynTorch", "LI", tau=tau.astype(F32), v_leak=np.zeros(3, F32),
      r=(tau * np.exp(-dt / tau) / dt).astype(F32))
    n("output", "Output", shape=np.array([1, 1, 3]))
    w.edges = [("input", "0_LinearTorch"), ("0_LinearTorch", "1_LIFTorch"),
               ("1_LIFTorch", "2_LinearTorch"), ("2_LinearTorch", "3_ExpSynTorch"),
               ("3_ExpSynTorch", "output")]
    w.close()
    return 5


def conv1d(path):
    """Conv1d (stride, padding, dilation) over a (c, l) input into LIF
    neurons with (c, l) parameters, then Flatten and Linear into an LI."""
    r = np.random.default_rng(37)
    w = Writer(path)
    n = w.node
    n("input", "Input", shape=np.array([2, 16]))
    n("conv", "Conv1d", input_shape=np.int64(16),
      weight=r.uniform(-0.3, 0.8, (3, 2, 3)), stride=np.int64(2),
      padding=np.int64(2), dilation=np.int64(2), groups=np.int64(1),
      bias=r.uniform(0, 0.1, 3))
    n("lif", "LIF", tau=np.full((3, 8), 2.0), r=np.ones((3, 8)),
      v_leak=np.zeros((3, 8)), v_threshold=np.full((3, 8), 0.6),
      v_reset=np.zeros((3, 8)))
    n("flat", "Flatten", start_dim=np.int64(0), end_dim=np.int64(-1),
      input_type=np.array([3, 8]))
    n("fc", "Linear", weight=r.uniform(-0.5, 1, (2, 24)))
    n("li", "LI", tau=np.full(2, 3.0), r=np.ones(2), v_leak=np.zeros(2))
    n("output", "Output", shape=np.array([2]))
    w.edges = [("input", "conv"), ("conv", "lif"), ("lif", "flat"), ("flat", "fc"),
               ("fc", "li"), ("li", "output")]
    w.close()
    return 32


GRAPHS = {"zoo": zoo, "cnn": cnn, "conv1d": conv1d, "snntorch": snntorch, "norse": norse,
          "sinabs": sinabs, "rockpool": rockpool}


def main():
    graph, path, xpath = sys.argv[1:4]
    width = GRAPHS[graph](path)
    r = np.random.default_rng(5)
    np.save(xpath, r.uniform(0, 1, (2, 80, width)).astype(np.float32))


if __name__ == "__main__":
    main()

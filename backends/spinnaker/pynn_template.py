#!/usr/bin/env python3
"""A spiking network compiled by engram (engramc --target=spinnaker), as a
PyNN script. It uses the PyNN API only, so it runs on SpiNNaker through
sPyNNaker, on NEST and on Brian2:

    python3 net_pynn.py --simulator brian2|spiNNaker|nest --input x.npy --output y.npy
                        [--labels labels.npy] [--counts counts.npz] [--batch B]

x.npy holds B x S x D inputs (sequences of S steps); y.npy receives the
B x C decoded outputs, as engram-run computes them from the same network.
The arrays (weights, biases, gains, the readout) are in the .npz next to
this script.

Mapping (docs/spinnaker.md): one engram timestep lasts H ms and is simulated
in SUBSTEPS PyNN steps. Integrate-and-fire populations become IF_curr_exp
cells (cm 1 nF, threshold vth mV, reset to 0) whose exponential synaptic
currents (TAU_SYN engram timesteps) deliver each spike's charge W mV over a
fraction of a timestep, so that resetting to 0 loses little of what engram's
reset by subtraction keeps; a slow leak (TAU_M timesteps) towards V_REST*vth
stands in for engram's clamp of v to [0, vth], which no standard cell has.
Biases are i_offset currents. Excitatory and inhibitory weights are separate
projections (FromListConnector), inhibitory ones negative, as PyNN's
current-based cells want. Delays place a spike's charge 1 + delay engram
timesteps after it, as engram does. The rate-coded input is engram's own
deterministic encoder, replayed by SpikeSourceArray. B sequences run at once
as B copies of the network.
"""
import argparse
import importlib
import json
import logging
import os
import sys
import tempfile
import warnings
import zipfile

import numpy as np

# The network's description (JSON) and arrays are data in the .npz beside
# this script, whose name is written here in hex: nothing taken from the
# network becomes Python source.
ARRAYS = bytes.fromhex("__ENGRAM_ARRAYS_HEX__").decode("utf-8", "surrogateescape")
NETWORK = None  # the description, set by load_network()

H = 1.0          # ms per engram timestep
SUBSTEPS = 16    # PyNN steps per engram timestep
TAU_SYN = 0.25   # synaptic current time constant, engram timesteps
TAU_M = 24.0     # leak time constant of IF populations, engram timesteps
V_REST = 0.5     # leak target of IF populations, fraction of vth
CM = 1.0         # nF


def fail(message):
    sys.exit(f"{os.path.basename(sys.argv[0])}: error: {message}")


def load_network():
    """Reads the .npz: sets NETWORK and returns the arrays."""
    global NETWORK
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), ARRAYS)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        NETWORK = json.loads(arrays.pop("network").tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
        fail(f"cannot read the network from {path}: {e}")
    if NETWORK.get("format") != "engram-pynn-2":
        fail(f"{path}: format {NETWORK.get('format')!r}, this script reads "
             "'engram-pynn-2'")
    return arrays


def save_npz(file, arrays):
    """np.savez, but any string is a valid member name."""
    with zipfile.ZipFile(file, "w") as z:
        for name, value in arrays.items():
            with z.open(name + ".npy", "w") as member:
                np.lib.format.write_array(member, np.asanyarray(value),
                                          allow_pickle=False)


def spike_times(x, source, arrays, dt):
    """engram's encoders for one sequence x (S x D): a list of spike times
    (ms) per source neuron. A spike in engram timestep k is at k*H + dt."""
    T = NETWORK["timesteps"]
    n, offset = source["size"], source["input_offset"]
    gain = arrays["gain/" + source["name"]]
    acc = np.full(n, 0.5)
    times = [[] for _ in range(n)]
    for s in range(x.shape[0]):
        value = gain * x[s, offset:offset + n]
        for k in range(T):
            if source["encoding"] == "rate":
                acc += np.clip(value, 0, 1)
                fired = acc >= 1
                acc -= fired
            else:  # spike: one spike at the start of the step
                fired = (value != 0) if k == 0 else np.zeros(n, bool)
            t = (s * T + k) * H + dt
            for i in np.nonzero(fired)[0]:
                times[i].append(t)
    return times


class Network:
    """B copies of the network in one PyNN network. All neurons are one
    IF_curr_exp population (one cell group for the simulator to set up);
    each engram population is a view of it, whose copy b holds neurons
    b*n .. b*n + n - 1 of the view."""

    def __init__(self, sim, name, batch, arrays, codegen="numpy"):
        self.sim, self.batch, self.arrays = sim, batch, arrays
        self.dt = dt = H / SUBSTEPS
        sim.setup(timestep=dt, min_delay=dt)
        if name == "brian2":
            import brian2
            logging.getLogger("brian2").setLevel(logging.ERROR)
            # pyNN.brian2 0.10 runs SpikeSourceArray on brian2's default
            # clock, not the network's: align them.
            brian2.defaultclock.dt = dt * brian2.ms
            brian2.prefs.codegen.target = codegen
        # brian2 applies a delay of D steps from step n + D + 1; NEST and
        # SpiNNaker count the delivery step, one step more.
        delay_extra = 0 if name == "brian2" else 1
        tau_syn = TAU_SYN * H
        neurons = [p for p in NETWORK["populations"] if p["kind"] != "input"]
        columns = {k: [] for k in ("v_thresh", "tau_m", "v_rest", "i_offset")}
        ranges, start = {}, 0
        for p in neurons:
            n = p["size"] * batch
            bias = arrays.get("bias/" + p["name"], np.zeros(p["size"]))
            if p["kind"] == "if":
                tau_m, v_rest = TAU_M * H, V_REST * p["vth"]
            else:  # LIF: v keeps 1 - dv per timestep
                dv = p["dv"]
                tau_m = -H / np.log1p(-dv) if 0 < dv < 1 else 1e9
                v_rest = 0.0
            columns["v_thresh"].append(np.full(n, float(p["vth"])))
            columns["tau_m"].append(np.full(n, tau_m))
            columns["v_rest"].append(np.full(n, v_rest))
            columns["i_offset"].append(np.tile(bias * CM / H, batch))
            ranges[p["name"]] = (start, start + n)
            start += n
        self.cells = sim.Population(
            start, sim.IF_curr_exp(cm=CM, v_reset=0.0, tau_refrac=0.0,
                                   tau_syn_E=tau_syn, tau_syn_I=tau_syn,
                                   **{k: np.concatenate(v)
                                      for k, v in columns.items()}),
            label="engram neurons")
        self.cells.initialize(v=0.0)
        self.cells.record("spikes")
        self.ranges = ranges
        self.pops, self.sources, self.sizes = {}, [], {}
        for p in NETWORK["populations"]:
            self.sizes[p["name"]] = p["size"]
            if p["kind"] == "input":
                n = p["size"] * batch
                pop = sim.Population(n, sim.SpikeSourceArray(spike_times=[[]] * n),
                                     label=p["name"])
                pop.record("spikes")
                self.sources.append((p, pop))
            else:
                lo, hi = ranges[p["name"]]
                pop = self.cells[lo:hi]
            self.pops[p["name"]] = pop
        self.synapses = 0
        for q in NETWORK["projections"]:
            pre, post = self.pops[q["pre"]], self.pops[q["post"]]
            W = arrays["weights/" + q["name"]]
            n_post, n_pre = W.shape
            steps = max(1, int(round((1 + q["delay"] - TAU_SYN) * SUBSTEPS)) - 1)
            delay = (steps + delay_extra) * dt
            for sign, receptor in ((1, "excitatory"), (-1, "inhibitory")):
                ii, jj = np.nonzero(W * sign > 0)
                if len(ii) == 0:
                    continue
                w = W[ii, jj] * CM / tau_syn  # a charge of W mV per spike
                rows = np.concatenate([
                    np.column_stack([jj + b * n_pre, ii + b * n_post, w,
                                     np.full(len(w), delay)])
                    for b in range(batch)])
                synapse = sim.StaticSynapse()
                if "stdp" in q:
                    synapse = self.stdp(q["stdp"], tau_syn, name)
                sim.Projection(pre, post, sim.FromListConnector(rows.tolist()),
                               synapse, receptor_type=receptor,
                               label=f"{q['name']} ({receptor})")
                self.synapses += len(rows)

    def stdp(self, rule, tau_syn, name):
        """Pair-based STDP (engram's dw = a*x1*y0 - b*x0*y1)."""
        sim = self.sim
        charge = CM / tau_syn
        extra = {"dendritic_delay_fraction": 0} if name == "brian2" else {}
        return sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(
                tau_plus=max(rule["tau_plus"], 1e-3) * H,
                tau_minus=max(rule["tau_minus"], 1e-3) * H,
                A_plus=rule["a_plus"], A_minus=rule["a_minus"]),
            weight_dependence=sim.AdditiveWeightDependence(
                w_min=rule["w_min"] * charge, w_max=rule["w_max"] * charge),
            **extra)

    def run(self, x):
        """x: batch x S x D; returns the decoded outputs and the spike
        counts of every population over the whole sequences."""
        sim, batch = self.sim, self.batch
        S = x.shape[1]
        T = NETWORK["timesteps"]
        for source, pop in self.sources:
            times = []
            for b in range(batch):
                times += spike_times(x[b], source, self.arrays, self.dt)
            pop.set(spike_times=[sim.Sequence(t) for t in times])
        sim.run(S * T * H + 2 * self.dt)
        lo_t, hi = (S - 1) * T * H, S * T * H
        counts, last, final = {}, {}, {}
        trains = {}
        for pop in [self.cells] + [pop for _, pop in self.sources]:
            segment = pop.get_data("spikes", clear=True).segments[-1]
            trains[pop.label] = [np.asarray(t.magnitude)
                                 for t in segment.spiketrains]
        for name, pop in self.pops.items():
            if name in self.ranges:
                lo, hi_n = self.ranges[name]
                times = trains[self.cells.label][lo:hi_n]
            else:
                times = trains[name]
            n = self.sizes[name]
            counts[name] = np.array([len(t) for t in times]).reshape(batch, n)
            last[name] = np.array([((t >= lo_t) & (t < hi)).sum()
                                   for t in times]).reshape(batch, n)
            final[name] = np.array([((t >= hi - H) & (t < hi)).sum()
                                    for t in times]).reshape(batch, n)
        probe = NETWORK["probe"]
        if probe["decode"] == "rate":  # mean over the last step's window
            decoded = np.minimum(last[probe["population"]], T) / T
        else:  # whether it fired in the last timestep
            decoded = np.minimum(final[probe["population"]], 1)
        out = self.arrays["probe/scale"] * decoded + self.arrays["probe/offset"]
        return out, counts

    def reset(self):
        self.sim.reset()
        self.cells.initialize(v=0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulator", default="brian2",
                        help="PyNN backend: brian2, spiNNaker or nest")
    parser.add_argument("--input", required=True, help="B x S x D .npy")
    parser.add_argument("--output", help="B x C .npy of decoded outputs")
    parser.add_argument("--labels", help="B class labels; prints the accuracy")
    parser.add_argument("--counts", help=".npz of every population's spike "
                        "counts per sequence (B x n), over the whole sequence")
    parser.add_argument("--batch", type=int, default=16,
                        help="sequences simulated at once, as copies of the "
                        "network (default 16)")
    parser.add_argument("--brian2-codegen", default="numpy",
                        choices=("numpy", "cython"),
                        help="Brian2's code generation (default numpy: no "
                        "compilation; cython: compiled, faster on long runs)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    arrays = load_network()
    try:
        x = np.load(args.input).astype(np.float64)
    except (OSError, ValueError) as e:
        fail(f"{args.input}: {e}")
    if x.ndim != 3 or x.shape[2] != NETWORK["input_width"]:
        fail(f"{args.input}: input has shape {x.shape}; the network reads "
             f"B x S x {NETWORK['input_width']}")
    if args.batch < 1:
        fail("--batch must be at least 1")
    try:
        sim = importlib.import_module("pyNN." + args.simulator)
    except ImportError as e:
        fail(f"PyNN backend '{args.simulator}' is not available: {e}")

    B = x.shape[0]
    batch = min(args.batch, B)
    net = Network(sim, args.simulator, batch, arrays, args.brian2_codegen)
    outputs, counts = [], {}
    for start in range(0, B, batch):
        chunk = x[start:start + batch]
        if len(chunk) < batch:  # pad the last batch with copies
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], batch - len(chunk), 0)])
        if start:
            net.reset()
        out, c = net.run(chunk)
        keep = min(batch, B - start)
        outputs.append(out[:keep])
        for k, v in c.items():
            counts.setdefault(k, []).append(v[:keep])
    sim.end()
    y = np.concatenate(outputs).astype(np.float32)
    print(f"pynn ({args.simulator}): {B} sequences x {x.shape[1]} steps x "
          f"{NETWORK['timesteps']} timesteps, {net.synapses} synapses "
          f"({batch} copies)")
    if args.labels:
        labels = np.load(args.labels)
        correct = int((y.argmax(1) == labels[:B]).sum())
        print(f"accuracy: {correct / B:.4f} ({correct}/{B})")
    for path, write in ((args.output, lambda f: np.save(f, y)),
                        (args.counts, lambda f: save_npz(
                            f, {k: np.concatenate(v) for k, v in counts.items()}))):
        if not path:
            continue
        folder = os.path.dirname(os.path.abspath(path))
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".npy", delete=False) as f:
            write(f)
        os.replace(f.name, path)


if __name__ == "__main__":
    main()

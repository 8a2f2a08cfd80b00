"""engram.plot - figures of an engram recording, as PNG files.

    engram-plot RECORDING.npz -o DIR [--steps 1,14,28] [--sequence I]
    engram.plot.plot("RECORDING.npz", "DIR", steps="1,14,28", sequence=0)

RECORDING is what engram-run writes with --record-trace (a trace recording:
the Hebbian trace, recall weights and hidden state of chosen sequences, and
trace statistics at every step) or with --record on a spiking network (every
population's events). For a trace recording it draws

  trace_heatmaps.png    T (slots x features) of each recorded sequence at T0
                        and at chosen recorded steps (--steps; default four
                        evenly spaced), one colour scale for all;
  trace_statistics.png  min, max, mean |T| and standard deviation at every
                        step, and the fraction of |T| < 0.01;
  trace_change.png      T after the last recorded step minus T0;
  recall_weights.png    the recall weights a (slots x recorded steps; not for
                        a CPU artifact's recording, which has none);

and for a spiking recording

  raster.png            each population's events for sequence --sequence
                        (default 0): a dot per (time, neuron) that fired.

Needs Debian's python3-matplotlib. The command exits 1 with one message on
a file that is not such a recording (plot() raises PlotError); nothing is
written then.
"""
import argparse
import os
import sys
import zipfile

import numpy as np

TRACE_FORMAT = "engram-trace-recording/1"
TRACE_MEMBERS = ["steps", "sequences", "trace_init", "trace", "weights", "hidden",
                 "stat_min", "stat_max", "stat_mean_abs", "stat_std", "stat_near_zero"]
MAX_SEQUENCES = 4  # rows of the per-sequence figures


class PlotError(Exception):
    pass


def load(path):
    """The members of `path` as a dict of arrays; PlotError when it is not
    an .npz."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise PlotError(f"{path}: not an .npz recording ({error})")
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise PlotError(f"{path}: not an .npz recording (a single array)")
    with data:
        return {name: data[name] for name in data.files}


def is_trace_recording(members):
    return "format" in members and bytes(members["format"]).decode(
        "utf-8", "replace") == TRACE_FORMAT


def check_trace(path, m):
    # A compiled artifact's recording has no recall weights.
    missing = [name for name in TRACE_MEMBERS if name not in m and name != "weights"]
    if missing:
        raise PlotError(f"{path}: a trace recording without member(s) {', '.join(missing)}")
    k, r = len(m["steps"]), len(m["sequences"])
    weights = m["weights"].shape if "weights" in m else (k, r)
    if k == 0 or weights[:2] != (k, r) or m["trace"].shape[0] != k:
        raise PlotError(f"{path}: members of inconsistent shapes "
                        f"(steps {k}, sequences {r}, weights {weights}, "
                        f"trace {m['trace'].shape})")


def chosen_steps(m, text):
    steps = list(m["steps"])
    if text:
        wanted = []
        for item in text.split(","):
            if not item.strip().isdigit() or int(item) not in steps:
                raise PlotError(f"--steps: {item} is not a recorded step "
                                f"(recorded: {', '.join(map(str, steps))})")
            wanted.append(steps.index(int(item)))
        return wanted
    return sorted(set(np.linspace(0, len(steps) - 1, min(4, len(steps))).round().astype(int)))


def traces_of(m):
    """(T0 as R x N x H, recorded T as K x R x N x H) for shared traces too."""
    r = len(m["sequences"])
    init, trace = m["trace_init"], m["trace"]
    if init.ndim == 2:  # shared (batch_mean): one trace for every sequence
        init = np.repeat(init[None], r, axis=0)
        trace = np.repeat(trace[:, None], r, axis=1)
    return init, trace


def plot_trace(plt, m, out, steps_text):
    """The four figures of a trace recording; their file names."""
    init, trace = traces_of(m)
    columns = chosen_steps(m, steps_text)
    os.makedirs(out, exist_ok=True)
    heatmaps(plt, m, init, trace, columns, out)
    statistics(plt, m, out)
    change(plt, m, init, trace, out)
    written = ["trace_heatmaps.png", "trace_statistics.png", "trace_change.png"]
    if "weights" in m:
        recall_weights(plt, m, out)
        written.append("recall_weights.png")
    return written


def heatmaps(plt, m, init, trace, columns, out):
    steps, sequences = m["steps"], m["sequences"][:MAX_SEQUENCES]
    bound = float(max(np.abs(trace).max(), np.abs(init).max(), 1e-12))
    fig, axes = plt.subplots(len(sequences), len(columns) + 1, squeeze=False,
                             figsize=(2.8 * (len(columns) + 1) + 1, 2.6 * len(sequences)),
                             layout="constrained")
    for row, sequence in enumerate(sequences):
        panels = [(init[row], "T0")] + [(trace[c, row], f"step {steps[c]}") for c in columns]
        for col, (values, title) in enumerate(panels):
            image = axes[row][col].imshow(values, cmap="RdBu_r", vmin=-bound, vmax=bound,
                                          aspect="auto", interpolation="nearest")
            axes[row][col].set_title(f"sequence {sequence}, {title}", fontsize=8)
            axes[row][col].set_xlabel("feature", fontsize=7)
            axes[row][col].set_ylabel("slot", fontsize=7)
    fig.colorbar(image, ax=axes, shrink=0.8, label="T")
    fig.savefig(os.path.join(out, "trace_heatmaps.png"), dpi=90)
    plt.close(fig)


def statistics(plt, m, out):
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    x = np.arange(len(m["stat_min"]))
    for name, label in [("stat_min", "min"), ("stat_max", "max"),
                        ("stat_mean_abs", "mean |T|"), ("stat_std", "std")]:
        left.plot(x, m[name], label=label)
    left.set_xlabel("step")
    left.set_title("trace statistics (recorded sequences)")
    left.legend(fontsize=8)
    right.plot(x, m["stat_near_zero"], color="black")
    right.set_ylim(0, 1.02)
    right.set_xlabel("step")
    right.set_title("fraction of |T| < 0.01")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "trace_statistics.png"), dpi=90)
    plt.close(fig)


def change(plt, m, init, trace, out):
    steps, sequences = m["steps"], m["sequences"][:MAX_SEQUENCES]
    fig, axes = plt.subplots(1, len(sequences), squeeze=False,
                             figsize=(3.2 * len(sequences) + 1, 2.8), layout="constrained")
    delta = trace[-1, :len(sequences)] - init[:len(sequences)]
    limit = float(max(np.abs(delta).max(), 1e-12))
    for col, sequence in enumerate(sequences):
        image = axes[0][col].imshow(delta[col], cmap="RdBu_r", vmin=-limit, vmax=limit,
                                    aspect="auto", interpolation="nearest")
        axes[0][col].set_title(f"sequence {sequence}: T(step {steps[-1]}) - T0", fontsize=8)
        axes[0][col].set_xlabel("feature", fontsize=7)
        axes[0][col].set_ylabel("slot", fontsize=7)
    fig.colorbar(image, ax=axes, shrink=0.8)
    fig.savefig(os.path.join(out, "trace_change.png"), dpi=90)
    plt.close(fig)


def recall_weights(plt, m, out):
    steps, sequences = m["steps"], m["sequences"][:MAX_SEQUENCES]
    fig, axes = plt.subplots(1, len(sequences), squeeze=False,
                             figsize=(3.2 * len(sequences) + 1, 2.8), layout="constrained")
    for col, sequence in enumerate(sequences):
        weights = m["weights"][:, col].T  # slots x recorded steps
        image = axes[0][col].imshow(weights, cmap="viridis", aspect="auto",
                                    interpolation="nearest", vmin=0,
                                    extent=(steps[0] - 0.5, steps[-1] + 0.5,
                                            weights.shape[0] - 0.5, -0.5))
        axes[0][col].set_title(f"sequence {sequence}: recall weights a", fontsize=8)
        axes[0][col].set_xlabel("step", fontsize=7)
        axes[0][col].set_ylabel("slot", fontsize=7)
    fig.colorbar(image, ax=axes, shrink=0.8)
    fig.savefig(os.path.join(out, "recall_weights.png"), dpi=90)
    plt.close(fig)


def plot_raster(plt, path, members, out, sequence):
    populations = members
    if not populations or any(a.ndim != 3 or a.shape[:2] != next(iter(
            populations.values())).shape[:2] for a in populations.values()):
        raise PlotError(f"{path}: neither a trace recording (--record-trace) nor a "
                        "spiking one (--record, every member B x time x size)")
    batch = min(a.shape[0] for a in populations.values())
    if not 0 <= sequence < batch:
        raise PlotError(f"--sequence: {sequence} is not a sequence of the recording "
                        f"(B = {batch})")
    os.makedirs(out, exist_ok=True)
    fig, axes = plt.subplots(len(populations), 1, squeeze=False, sharex=True,
                             figsize=(9, 0.9 * len(populations) + 1),
                             layout="constrained")
    for row, (name, events) in enumerate(populations.items()):
        t, neuron = np.nonzero(events[sequence])
        axis = axes[row][0]
        axis.plot(t, neuron, ",", color="black")
        axis.set_ylabel(name, rotation=0, ha="right", fontsize=8)
        axis.set_ylim(-0.5, events.shape[2] - 0.5)
        axis.set_yticks([])
    axes[-1][0].set_xlabel("timestep")
    fig.suptitle(f"events of sequence {sequence}", fontsize=9)
    fig.savefig(os.path.join(out, "raster.png"), dpi=90)
    plt.close(fig)
    return ["raster.png"]


def plot(recording, out, steps="", sequence=0):
    """Draws the figures of `recording` into the directory `out`; returns
    the paths of the PNGs written. Raises PlotError on a file that is not a
    recording."""
    members = load(recording)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    if is_trace_recording(members):
        check_trace(recording, members)
        written = plot_trace(plt, members, out, steps)
    else:
        written = plot_raster(plt, recording, members, out, sequence)
    return [os.path.join(out, name) for name in written]


def main():
    parser = argparse.ArgumentParser(prog="engram-plot",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("recording")
    parser.add_argument("-o", "--out", required=True, help="directory for the PNGs")
    parser.add_argument("--steps", default="",
                        help="recorded steps for the heatmaps, e.g. 1,14,28")
    parser.add_argument("--sequence", type=int, default=0,
                        help="the sequence of a spiking recording's raster")
    args = parser.parse_args()
    try:
        written = plot(args.recording, args.out, args.steps, args.sequence)
    except PlotError as error:
        print(f"engram-plot: error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

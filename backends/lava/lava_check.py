"""lava_check.py - validation of an engram Lava export, without Lava.

check_network walks a parsed engram.lava.v1.Network and returns a Graph of
its processes and wiring; every problem goes to a Report as an error (the
file is invalid), a refusal (valid, but no stock Lava process reproduces
it) or a warning (Lava computes it differently from engram's simulator).
Lava's weight utilities (determine_sign_mode, clip_weights and
truncate_weights) are ported here, for the run path too.
"""

import collections
import math

import numpy as np

from lava_common import (BIAS_EXP_RANGE, BIAS_MANT_RANGE, CONNECTIONS,
                         ENCODINGS, GRADED_UNITS, LAVA_NAME, LIF_DECAY_MAX,
                         LIF_VTH_MAX, MAX_FIXED_DELAY, MAX_FRACTION_BITS,
                         MAX_MESSAGE_BITS, NEURONS, NO_DECAY_TAU,
                         PAYLOAD_LIMIT, PORTS, SIGN_MODES, SOURCE,
                         SPARSE_KINDS, TAGS, TRACES, WEIGHT_EXP_RANGE, finite,
                         is_integer)
from lava_rule import RuleError, parse_rule


class Graph:
    """What validation learns about the processes and their wiring."""

    def __init__(self):
        self.kind = {}       # name -> kind
        self.message = {}    # name -> the kind's message
        self.size = {}       # neuron and source name -> size
        self.shape = {}      # connection name -> (n_out, n_in)
        self.inputs = collections.defaultdict(list)   # conn -> senders
        self.outputs = collections.defaultdict(list)  # conn -> receivers
        self.bap = collections.defaultdict(list)      # conn -> s_in_bap src
        self.rules = {}      # learning_dense name -> Rule
        self.sign_modes = {}  # connection name -> SignMode number
        self.biases = set()  # connections fed by a constant source
        self.truncated = []  # (connection, a weight, what Lava keeps)
        self.synapses = 0

    def is_constant(self, name):
        return self.kind.get(name) == SOURCE and \
            bool(self.message[name].constant)


def check_header(net, report):
    if net.tag not in TAGS:
        report.error("tag", f"'{net.tag}' is neither fixed_pt nor "
                     f"floating_pt")
    if net.timesteps_per_step < 1:
        report.error("timesteps_per_step", "must be at least 1")
    if net.payload_fraction_bits > MAX_FRACTION_BITS:
        report.error("payload_fraction_bits",
                     f"{net.payload_fraction_bits} leaves no integer bits "
                     f"in a 24-bit payload (at most {MAX_FRACTION_BITS})")
    if not net.processes:
        report.error("processes", "the network has no processes")


def collect_processes(net, report, graph):
    for index, process in enumerate(net.processes):
        name = process.name
        if not name:
            report.error(f"processes[{index}]", "has no name")
            continue
        if name in graph.kind:
            report.error(name, "two processes have this name")
            continue
        kind = process.WhichOneof("kind")
        if kind is None:
            report.error(name, "has no kind (source, lif, graded_vec, "
                         "dense, ...)")
            continue
        graph.kind[name] = kind
        graph.message[name] = getattr(process, kind)


def check_range(name, field, values, low, high, report, integer=True):
    """One error for the first of `values` outside low..high."""
    for value in values:
        if integer and not is_integer(value):
            report.error(name, f"{field} must be an integer, got {value}")
            return
        if not (finite(value) and low <= value <= high):
            report.error(name, f"{field} must be in {low}..{high}, got "
                         f"{value}")
            return


def check_per_neuron(name, field, values, size, report):
    if len(values) not in (0, size):
        report.error(name, f"{field} needs one value per neuron ({size}) or "
                     f"none, got {len(values)}")


def check_source(name, src, net, report):
    if src.size == 0:
        report.error(name, "size must be > 0")
    if src.constant:
        if src.encoding != 2:
            report.error(name, "a constant source sends graded payloads "
                         "(encoding graded)")
        if len(src.constant) != src.size:
            report.error(name, f"has {len(src.constant)} constant payloads "
                         f"for size {src.size}")
        if net.tag == "fixed_pt":
            check_range(name, "constant", src.constant, -PAYLOAD_LIMIT,
                        PAYLOAD_LIMIT, report)
        return
    if src.encoding not in ENCODINGS:
        report.error(name, f"encoding {src.encoding} is not rate, graded or "
                     f"spike")
    if len(src.gain) != src.size:
        report.error(name, f"needs one gain per neuron ({src.size}), got "
                     f"{len(src.gain)}")
    elif not all(finite(g) for g in src.gain):
        report.error(name, "gain must be finite")
    if src.input_offset + src.size > net.input_width:
        report.error(name, f"reads inputs {src.input_offset}.."
                     f"{src.input_offset + src.size} of an input of width "
                     f"{net.input_width}")


def check_lif(name, lif, tag, report):
    if lif.size == 0:
        report.error(name, "size must be > 0")
    check_per_neuron(name, "bias_mant", lif.bias_mant, lif.size, report)
    check_per_neuron(name, "bias_exp", lif.bias_exp, lif.size, report)
    if tag not in TAGS:
        return
    if tag == "fixed_pt":
        check_range(name, "du", [lif.du], 0, LIF_DECAY_MAX, report)
        check_range(name, "dv", [lif.dv], 0, LIF_DECAY_MAX, report)
        check_range(name, "vth", [lif.vth], 0, LIF_VTH_MAX, report)
        check_range(name, "bias_mant", lif.bias_mant, *BIAS_MANT_RANGE,
                    report)
        check_range(name, "bias_exp", lif.bias_exp, *BIAS_EXP_RANGE, report)
        return
    check_range(name, "du", [lif.du], 0, 1, report, integer=False)
    check_range(name, "dv", [lif.dv], 0, 1, report, integer=False)
    if not (finite(lif.vth) and lif.vth > 0):
        report.error(name, f"vth must be > 0, got {lif.vth}")
    if not all(finite(b) for b in lif.bias_mant):
        report.error(name, "bias_mant must be finite")
    if any(lif.bias_exp):
        report.error(name, "bias_exp must be 0 in floating_pt (Lava's float "
                     "LIF ignores it)")


def check_graded(name, kind, unit, net, report):
    if unit.size == 0:
        report.error(name, "size must be > 0")
    if net.tag == "floating_pt":
        report.error(name, f"Lava's {LAVA_NAME[kind]} has a fixed_pt model "
                     f"only")
    if unit.vth != 0:
        report.error(name, f"vth {unit.vth}: engram's graded units send "
                     f"every non-zero value (vth 0); Lava would drop "
                     f"payloads up to vth")
    if unit.exp != net.payload_fraction_bits:
        report.error(name, f"exp {unit.exp} differs from "
                     f"payload_fraction_bits {net.payload_fraction_bits}")


def determined_sign_mode(weights):
    """lava.utils.weightutils.determine_sign_mode (engram's signModeOf)."""
    if weights.size == 0 or weights.min() >= 0:
        return 2
    return 3 if weights.max() <= 0 else 1


def sign_mode_range(mode):
    """What lava.utils.weightutils.clip_weights keeps at 8 bits."""
    return {1: (-256, 255), 2: (0, 255), 3: (-255, 0)}[mode]


def dense_weights(w):
    """The (n_out, n_in) int64 matrix of valid Weights."""
    if w.dense:
        return np.array(w.dense, np.int64).reshape(w.n_out, w.n_in)
    matrix = np.zeros((w.n_out, w.n_in), np.int64)
    matrix[list(w.rows), list(w.cols)] = list(w.values)
    return matrix


def prepared_weights(matrix, mode, bits):
    """The weights Lava's fixed Dense uses: clip_weights (8 bits) and
    truncate_weights (lava/utils/weightutils.py)."""
    mixed, sign = int(mode == 1), -1 if mode == 3 else 1
    magnitude = np.clip(sign * matrix, -256 if mixed else 0, 255)
    dropped = 8 - bits + mixed
    return sign * ((magnitude >> dropped) << dropped)


def weight_values(kind, w, name, report):
    """The stored weights (dense or COO values) as int64, after the shape
    checks; None when they are unusable."""
    if kind in SPARSE_KINDS:
        if w.dense:
            report.error(name, "a sparse process keeps its weights in rows, "
                         "cols and values, not dense")
        if not len(w.rows) == len(w.cols) == len(w.values):
            report.error(name, f"rows, cols and values must have one entry "
                         f"per weight, got {len(w.rows)}, {len(w.cols)} and "
                         f"{len(w.values)}")
            return None
        rows, cols = np.array(w.rows, np.int64), np.array(w.cols, np.int64)
        if rows.size and (rows.max() >= w.n_out or cols.max() >= w.n_in):
            report.error(name, f"COO indices must be below ({w.n_out}, "
                         f"{w.n_in}), got up to ({rows.max()}, {cols.max()})")
            return None
        if np.unique(rows * w.n_in + cols).size != rows.size:
            report.error(name, "the same (row, col) appears twice")
            return None
        return np.array(w.values, np.int64)
    if w.rows or w.cols or w.values:
        report.error(name, f"{LAVA_NAME[kind]} keeps its weights in dense, "
                     f"not rows, cols and values")
    if len(w.dense) != w.n_out * w.n_in:
        report.error(name, f"has {len(w.dense)} weights for {w.n_out} x "
                     f"{w.n_in}")
        return None
    return np.array(w.dense, np.int64)


def check_fixed_weights(name, w, values, mode, report, graph):
    low, high = sign_mode_range(mode)
    outside = (values < low) | (values > high)
    if outside.any():
        report.error(name, f"{int(outside.sum())} weights are outside "
                     f"{low}..{high}, the range of sign mode "
                     f"{SIGN_MODES[mode]} (e.g. {int(values[outside][0])}); "
                     f"Lava would clip them")
    dropped = 8 - w.num_weight_bits + (1 if mode == 1 else 0)
    if 1 <= w.num_weight_bits <= 8 and dropped > 0:
        lost = values[(values % (1 << dropped)) != 0]
        if lost.size:
            kept = int(prepared_weights(lost[:1], mode, w.num_weight_bits)[0])
            graph.truncated.append((name, int(lost[0]), kept))


def check_weights(name, kind, w, tag, report, graph, loihi_traces=False):
    if w.n_out == 0 or w.n_in == 0:
        report.error(name, f"weights need n_out and n_in > 0, got {w.n_out} "
                     f"x {w.n_in}")
        return
    graph.shape[name] = (w.n_out, w.n_in)
    if w.num_message_bits > MAX_MESSAGE_BITS:
        report.error(name, f"num_message_bits must be in 0.."
                     f"{MAX_MESSAGE_BITS} (Loihi 2 graded spikes), got "
                     f"{w.num_message_bits}")
    values = weight_values(kind, w, name, report)
    if values is None:
        return
    graph.synapses += int(np.count_nonzero(values))
    # Weights learned in Loihi's integers take either sign: MIXED.
    mode = 1 if loihi_traces else determined_sign_mode(values)
    graph.sign_modes[name] = mode
    if w.sign_mode not in (0, mode):
        given = SIGN_MODES.get(w.sign_mode, str(w.sign_mode))
        what = "loihi_traces needs" if loihi_traces else \
            "the weights determine"
        report.error(name, f"sign_mode {given} is not the one {what} "
                     f"({SIGN_MODES[mode]}), which engram's simulator uses")
    if tag != "fixed_pt":
        return
    if not 1 <= w.num_weight_bits <= 8:
        report.error(name, f"num_weight_bits must be in 1..8, got "
                     f"{w.num_weight_bits}")
    low, high = WEIGHT_EXP_RANGE
    if not low <= w.weight_exp <= high:
        report.error(name, f"weight_exp must be in {low}..{high} (Loihi 2; "
                     f"Lava's models shift by any amount), got "
                     f"{w.weight_exp}")
    check_fixed_weights(name, w, values, mode, report, graph)


def check_connection_process(name, kind, message, tag, report, graph):
    if not message.HasField("weights"):
        report.error(name, "has no weights")
        return
    loihi_traces = kind == "learning_dense" and message.loihi_traces
    check_weights(name, kind, message.weights, tag, report, graph,
                  loihi_traces)
    if kind in ("delay_dense", "delay_sparse", "learning_dense") and \
            tag == "fixed_pt" and message.delays > MAX_FIXED_DELAY:
        report.error(name, f"delays must be at most {MAX_FIXED_DELAY} in "
                     f"fixed_pt (Loihi 2), got {message.delays}")


def warn_truncation(report, graph):
    """One warning for the weights whose low bits Lava clears."""
    if not graph.truncated:
        return
    names = [name for name, _, _ in graph.truncated]
    listed = ", ".join(names[:4]) + (f" and {len(names) - 4} more"
                                     if len(names) > 4 else "")
    name, weight, kept = graph.truncated[0]
    report.warn("weights", f"Lava's truncate_weights clears the lowest "
                f"8 - num_weight_bits bits of the weights (one more in MIXED "
                f"sign mode), and some are set in {listed} (e.g. {weight} "
                f"becomes {kept} in {name}); engram's fixed-point simulator "
                f"clears them alike")


def check_processes(net, report, graph):
    for name, kind in graph.kind.items():
        message = graph.message[name]
        if kind in CONNECTIONS:
            check_connection_process(name, kind, message, net.tag, report,
                                     graph)
            continue
        graph.size[name] = message.size
        if kind == SOURCE:
            check_source(name, message, net, report)
        elif kind == "lif":
            check_lif(name, message, net.tag, report)
        else:
            check_graded(name, kind, message, net, report)


def port_problem(graph, name, port, direction):
    kind = graph.kind.get(name)
    if kind is None:
        return f"names '{name}', which is not a process"
    ports = PORTS[kind]
    if ports.get(port) != direction:
        wanted = [p for p, d in ports.items() if d == direction]
        return (f"'{name}' ({LAVA_NAME[kind]}) has no {direction}put port "
                f"'{port}' ({direction}put ports: "
                f"{' or '.join(wanted) if wanted else 'none'})")
    return None


def check_connection(index, conn, report, graph):
    where = (f"connections[{index}] ({conn.src_process}.{conn.src_port} -> "
             f"{conn.dst_process}.{conn.dst_port})")
    problems = [p for p in (
        port_problem(graph, conn.src_process, conn.src_port, "out"),
        port_problem(graph, conn.dst_process, conn.dst_port, "in")) if p]
    for problem in problems:
        report.error(where, problem)
    if problems:
        return
    src, dst = conn.src_process, conn.dst_process
    src_kind, dst_kind = graph.kind[src], graph.kind[dst]
    shape = graph.shape.get(dst if dst_kind in CONNECTIONS else src)
    if conn.dst_port == "s_in_bap":
        if src_kind not in NEURONS:
            report.error(where, "s_in_bap takes the post process's events "
                         "(a neuron's s_out)")
        graph.bap[dst].append(src)
        if shape and graph.size.get(src, shape[0]) != shape[0]:
            report.error(where, f"'{src}' has {graph.size[src]} neurons but "
                         f"'{dst}' takes n_out = {shape[0]} on s_in_bap")
    elif src_kind not in CONNECTIONS and dst_kind in CONNECTIONS:
        graph.inputs[dst].append(src)
        if shape and graph.size.get(src, shape[1]) != shape[1]:
            report.error(where, f"'{src}' has {graph.size[src]} neurons but "
                         f"'{dst}' takes n_in = {shape[1]}")
    elif src_kind in CONNECTIONS and dst_kind not in CONNECTIONS:
        graph.outputs[src].append(dst)
        if shape and graph.size.get(dst, shape[0]) != shape[0]:
            report.error(where, f"'{src}' sends n_out = {shape[0]} but "
                         f"'{dst}' has {graph.size[dst]} neurons")
    else:
        report.error(where, "connect a neuron or source s_out to a "
                     "connection's s_in, or a connection's a_out to a "
                     "neuron's a_in (engram's projections are connection "
                     "processes)")


def check_bap(name, graph, report):
    """A LearningDense's s_in_bap must take its post process's events."""
    posts, baps = graph.outputs[name], graph.bap[name]
    if len(posts) != 1:
        return
    if not baps:
        report.error(name, f"s_in_bap is not connected: connect "
                     f"'{posts[0]}'.s_out to it (y0 and the post traces)")
    elif len(baps) > 1 or baps[0] != posts[0]:
        report.error(name, f"s_in_bap must take the post process "
                     f"'{posts[0]}' only, not {', '.join(baps)}")


def check_wiring(net, report, graph):
    for index, conn in enumerate(net.connections):
        check_connection(index, conn, report, graph)
    for name, kind in graph.kind.items():
        if kind not in CONNECTIONS:
            continue
        for field, peers, what in (("s_in", graph.inputs, "input"),
                                   ("a_out", graph.outputs, "output")):
            if len(peers[name]) != 1:
                report.error(name, f"needs exactly one {what} connection "
                             f"(on {field}), has {len(peers[name])}")
        if kind == "learning_dense":
            check_bap(name, graph, report)


def sends_graded(graph, name):
    kind = graph.kind[name]
    return kind in GRADED_UNITS or \
        (kind == SOURCE and graph.message[name].encoding == 2)


def check_senders(report, graph):
    """Graded payloads need num_message_bits; constants are only biases."""
    for conn, senders in graph.inputs.items():
        message = graph.message[conn]
        if len(senders) != 1 or not message.HasField("weights"):
            continue
        sender = senders[0]
        if sends_graded(graph, sender) and \
                message.weights.num_message_bits == 0:
            report.error(conn, f"'{sender}' sends graded payloads but "
                         f"num_message_bits is 0 (Lava would take each as "
                         f"one binary spike)")
        if not graph.is_constant(sender):
            continue
        posts = graph.outputs[conn]
        if graph.kind[conn] not in ("dense", "sparse") or len(posts) != 1 \
                or graph.kind[posts[0]] not in GRADED_UNITS:
            report.error(conn, f"the constant source '{sender}' feeds it; "
                         f"engram reads constants only as the bias of a "
                         f"graded unit, through a Dense or Sparse")
        else:
            graph.biases.add(conn)


def check_trace_parameters(name, rule, net, report):
    for trace in TRACES:
        impulse = getattr(rule, f"{trace}_impulse")
        tau = getattr(rule, f"{trace}_tau")
        if not (finite(impulse) and impulse >= 0):
            report.error(name, f"learning_rule.{trace}_impulse must be >= 0, "
                         f"got {impulse}")
        if not tau >= 0:  # +inf (no decay) is fine, NaN is not
            report.error(name, f"learning_rule.{trace}_tau must be >= 0, "
                         f"got {tau}")
    if rule.t_epoch != net.timesteps_per_step:
        report.error(name, f"learning_rule.t_epoch {rule.t_epoch} differs "
                     f"from timesteps_per_step {net.timesteps_per_step} "
                     f"(engram learns once per step)")


def check_third_factor(name, ld, rule, parsed, report, graph):
    if rule.three_factor and not ld.third_factor:
        report.error(name, "three_factor is set but third_factor names no "
                     "process")
    if ld.third_factor and not rule.three_factor:
        report.error(name, f"third_factor names '{ld.third_factor}' but "
                     f"learning_rule.three_factor is not set")
    if parsed is not None and ("y3" in parsed.factors) != \
            bool(rule.three_factor):
        report.error(name, "three_factor is set but the rule does not use "
                     "y3" if rule.three_factor else "the rule uses y3 but "
                     "three_factor is not set")
    if not ld.third_factor:
        return
    if graph.kind.get(ld.third_factor) not in NEURONS:
        report.error(name, f"third_factor '{ld.third_factor}' is not a "
                     f"neuron process (LIF or a graded unit)")
        return
    posts = graph.outputs.get(name, [])
    if len(posts) == 1 and posts[0] in graph.size and \
            graph.size[ld.third_factor] != graph.size[posts[0]]:
        report.error(name, f"third_factor '{ld.third_factor}' has "
                     f"{graph.size[ld.third_factor]} neurons, the post "
                     f"process '{posts[0]}' {graph.size[posts[0]]}")


def check_loihi_traces(name, ld, parsed, net, report, graph):
    """A LearningDense that learns in Loihi's integers: graded pre and
    post units, a third factor, y3_shift within the payload's 24 bits, and
    a rule Lava's engine computes from x1, y3 and w once per epoch."""
    if ld.y3_shift and not ld.loihi_traces:
        report.error(name, "y3_shift is set without loihi_traces")
    if not ld.loihi_traces:
        return
    if not ld.third_factor:
        report.error(name, "loihi_traces needs a third_factor")
    if ld.y3_shift > 23:
        report.error(name, f"y3_shift {ld.y3_shift} is beyond 23 (payloads "
                     f"have 24 bits)")
    if net.tag != "fixed_pt":
        report.error(name, "loihi_traces needs a fixed_pt network")
    for peer, what in ((graph.inputs.get(name, []), "pre"),
                       (graph.outputs.get(name, []), "post"),
                       ([ld.third_factor], "third factor")):
        if len(peer) == 1 and peer[0] in graph.kind and \
                not sends_graded(graph, peer[0]):
            report.error(name, f"loihi_traces: the {what} process "
                         f"'{peer[0]}' must send graded payloads")
    if parsed is None:
        return
    extra = parsed.factors - {"x1", "y3", "w"}
    if extra:
        report.error(name, f"loihi_traces: the rule uses "
                     f"{', '.join(sorted(extra))}; only x1, y3 and w are "
                     f"carried")
    if parsed.dependencies != {"u"} or parsed.k not in (None, 0):
        report.error(name, "loihi_traces: every product of the rule must "
                     "depend on u0 (once per epoch)")


def learning_refusals(name, ld, parsed, net, report):
    rule = ld.learning_rule
    if rule.three_factor and not ld.loihi_traces:
        report.refuse(name, "three-factor rule without loihi_traces: "
                      "Lava's Loihi3FLearningRule takes y1, y2 and y3 from "
                      "the post process's s_out_y1..y3, which only engram's "
                      "learning neuron sends, from integer payloads "
                      "(convert with --snn-profile=loihi2 and graded "
                      "events, or --snn-learning=off to freeze the trace)")
    if ld.delays:
        report.refuse(name, f"delays {ld.delays}: Lava's LearningDense has "
                      f"no synaptic delays")
    if net.tag == "floating_pt" and ld.weights.weight_exp != 0:
        report.refuse(name, "floating_pt LearningDense with weight_exp != 0: "
                      "Lava's float model ignores weight_exp, and scaling "
                      "the weights would change what the rule learns")
    for trace in sorted(parsed.factors & set(TRACES)):
        if net.tag == "floating_pt" and getattr(rule, f"{trace}_tau") == 0:
            report.refuse(name, f"{trace}_tau 0 in floating_pt: Lava's "
                          f"float learning engine leaves a tau-0 trace NaN")


def learning_warnings(name, ld, parsed, net, report, graph):
    rule = ld.learning_rule
    for trace in sorted(parsed.factors & set(TRACES)):
        if math.isinf(getattr(rule, f"{trace}_tau")) and not ld.loihi_traces:
            report.warn(name, f"{trace}_tau is infinite; Lava gets "
                        f"{NO_DECAY_TAU} (a decay of 1.5e-5 per timestep)")
    if parsed.k not in (None, 0):
        report.warn(name, f"u{parsed.k} fires every 2^{parsed.k} epochs; "
                    f"engram's u fires every epoch (u0)")
    mode = graph.sign_modes.get(name)
    if mode is not None and net.tag == "fixed_pt":
        low, high = sign_mode_range(mode)
        if ld.w_min > low or ld.w_max < high:
            report.warn(name, f"Lava clips learned weights only to "
                        f"{low}..{high}; engram's bounds {ld.w_min:g}.."
                        f"{ld.w_max:g} are not enforced")
    for peer, what in ((graph.inputs.get(name, []), "pre"),
                       (graph.outputs.get(name, []), "post")):
        if ld.loihi_traces:
            break  # x1 and y3 carry the payloads
        if len(peer) == 1 and sends_graded(graph, peer[0]):
            report.warn(name, f"the {what} process '{peer[0]}' sends graded "
                        f"payloads: Lava's {what} traces count events, "
                        f"engram's weigh them by the payload")


def check_learning(name, ld, net, report, graph):
    if not ld.HasField("learning_rule"):
        report.error(name, "has no learning_rule")
        return
    rule = ld.learning_rule
    parsed = None
    try:
        parsed = parse_rule(rule.dw)
        graph.rules[name] = parsed
    except RuleError as error:
        report.error(name, f"learning rule '{rule.dw}': {error}")
    check_trace_parameters(name, rule, net, report)
    check_third_factor(name, ld, rule, parsed, report, graph)
    check_loihi_traces(name, ld, parsed, net, report, graph)
    if not (finite(ld.w_min) and finite(ld.w_max) and ld.w_min <= ld.w_max):
        report.error(name, f"needs finite w_min <= w_max, got {ld.w_min} and "
                     f"{ld.w_max}")
    if parsed is not None:
        learning_refusals(name, ld, parsed, net, report)
        learning_warnings(name, ld, parsed, net, report, graph)


def check_probe(net, report, graph):
    if not net.HasField("probe"):
        report.error("probe", "the network has no probe")
        return
    probe = net.probe
    kind = graph.kind.get(probe.target)
    if kind is None:
        report.error("probe", f"target '{probe.target}' is not a process")
        return
    if kind not in NEURONS:
        report.error("probe", f"target '{probe.target}' is a "
                     f"{LAVA_NAME[kind]}, not a neuron process (LIF or a "
                     f"graded unit)")
        return
    if probe.decode not in (0, 1):
        report.error("probe", f"decode {probe.decode} is neither RATE nor "
                     f"LAST")
    size = graph.size[probe.target]
    for field in ("scale", "offset"):
        values = getattr(probe, field)
        if len(values) not in (0, size):
            report.error("probe", f"{field} needs one value per neuron of "
                         f"'{probe.target}' ({size}) or none, got "
                         f"{len(values)}")
        elif not all(finite(v) for v in values):
            report.error("probe", f"{field} must be finite")


def check_network(net, report):
    """Validates `net`; returns the Graph (problems go to `report`)."""
    graph = Graph()
    check_header(net, report)
    collect_processes(net, report, graph)
    check_processes(net, report, graph)
    warn_truncation(report, graph)
    check_wiring(net, report, graph)
    check_senders(report, graph)
    for name, kind in graph.kind.items():
        if kind == "learning_dense":
            check_learning(name, graph.message[name], net, report, graph)
    check_probe(net, report, graph)
    return graph

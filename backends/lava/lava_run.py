"""lava_run.py - building and running an engram Lava export with Lava.

The run path of lava_loader.py: import_lava imports Lava (only here), and
run_sequence builds one sequence's processes from a checked Network and its
Graph (lava_check.py), runs them and decodes the probe; the encoders turn x
into RingBuffer data, and decode / output_row turn the probe into y.

Mapping (lava-nc 0.9/0.10; every process is built with keyword arguments):
  RingBufferSource  lava.proc.io.source.RingBuffer(data) with data (size, N)
                    encoded from x (below); a constant source gets data
                    (size, 1), which RingBuffer repeats every timestep.
  LIF               lava.proc.lif.process.LIF(shape, du, dv, vth, bias_mant,
                    bias_exp)
  GradedVec, GradedReluVec
                    lava.proc.graded.process.GradedVec / GradedReluVec(
                    shape, vth, exp); fixed_pt only (Lava has no float model)
  Dense, Sparse, DelayDense, DelaySparse, LearningDense
                    lava.proc.dense.process / lava.proc.sparse.process with
                    weights (n_out, n_in) (scipy CSR for the sparse kinds),
                    num_message_bits, delays, and in fixed point weight_exp,
                    num_weight_bits and sign_mode=lava.utils.weightutils.
                    SignMode (SIGN_MODE_NULL is replaced by the mode the
                    weights determine: Lava would take NULL literally, and
                    LearningDense defaults to MIXED). Lava's float models
                    ignore weight_exp, so floating_pt weights are passed as
                    w * 2^weight_exp.
  LearningRule      lava.magma.core.learning.learning_rule.
                    Loihi2FLearningRule(dw (without "dw ="), impulses, taus,
                    t_epoch, rng_seed=1). Traces the rule does not use get
                    impulse 0 and tau 1; an infinite tau (no decay) becomes
                    65535, Lava's own "no decay" (Loihi3FLearningRule).
  loihi_traces      a LearningDense that learns in Loihi's integers:
                    Loihi3FLearningRule(dw, x1_impulse=0, x1_tau=2^30,
                    t_epoch, rng_seed=1) with y3_tau=2^30 (its setter),
                    graded_spike_cfg=GradedSpikeCfg.OVERWRITE, sign_mode
                    MIXED; its post process becomes engram's learning neuron
                    (lava_learning.py: a graded unit that sends y3 = clip(
                    third >> y3_shift, -128, 127)), wired s_out_y3 -> s_in_y3
                    and third.s_out -> a_third_factor_in instead of the
                    file's s_out -> s_in_bap, and run with that model
                    through exception_proc_model_map. engram's simulator
                    learns the same, bit for bit (docs/lava.md).
  Connection        getattr(src, src_port).connect(getattr(dst, dst_port)),
                    s_in_bap included.
  Probe             lava.proc.monitor.process.Monitor().probe(target.s_out,
                    N)

Timing. Lava's RingBuffer sends data[..., t-1] at its timestep t (counted
from 1), and a Dense delivers at t+1 what it receives at t. engram's
simulator (runtime/Snn.cpp: gather, update populations, send) delivers at
timestep t what was sent at t-1-delay, and its inputs emit x's events for t
in the same timestep. With engram's t = Lava's t-1 the two agree, so
data[:, t] is exactly what engram's input emits at its timestep t (no
shift), and the Monitor's row i is engram's timestep i. One thing differs:
engram adds a graded unit's bias from timestep 0, while a constant source's
payloads reach the unit one timestep later. The loader therefore preloads
a_buff of the Dense/Sparse that a constant source feeds with what Lava's
fixed-point Dense computes from the constant (a_buff.init), so that the
bias is there from the first timestep too.

Encoding of x (read as float32, as engram-run reads it; each step held for
timesteps_per_step timesteps, the last step held beyond S * T with --steps):
  rate    accumulator from 1/2 += clip(gain*x, 0, 1); a spike when >= 1,
          then -1.
  spike   a spike at the first timestep of a step where gain*x != 0.
  graded  fixed_pt: round(gain*x*2^payload_fraction_bits), half away from
          zero (engram's llround), saturated to 24 bits; floating_pt: gain*x
          itself (engram's float graded events are real values).
Decoding (per sequence): LIF events are 0 or 1; graded payloads are divided
by 2^payload_fraction_bits. RATE sums the last timesteps_per_step timesteps
and divides by timesteps_per_step; LAST takes the last timestep. y = scale *
decoded + offset.

Where Lava (source read: lava-nc/lava, src/lava/...) differs from engram's
simulator: neither GradedVec nor the Dense sum saturates at 24 bits (the
sum is int32 and can wrap); the LearningDense engine is bit-approximate
(stochastic rounding of traces and weights, 7-bit traces, rule applied
once per epoch with traces at the last spike time, weights truncated once
and clipped only to the sign mode's range, traces counting events rather
than payloads), except with loihi_traces, where engram models it exactly.
Three-factor rules without loihi_traces, delays on LearningDense, and
floating_pt LearningDense with weight_exp != 0 or a used tau of 0 (Lava's
float engine leaves such a trace NaN) are refused.
"""

import argparse
import importlib
import math

import numpy as np

from lava_check import dense_weights, prepared_weights
from lava_common import (GRADED_UNITS, LEARNING_RNG_SEED, LOIHI_TRACE_TAU,
                         NO_DECAY_TAU, PAYLOAD_LIMIT, PROG, SOURCE,
                         SPARSE_KINDS, TRACES, Failure)
from lava_learning import learning_neuron


# ---------------------------------------------------------------------------
# Encoding the input and decoding the probe
# ---------------------------------------------------------------------------

def held_values(src, x, timesteps, steps):
    """gain * x for every timestep (steps x size): each network step held
    for `timesteps` timesteps, the last one beyond the sequence."""
    columns = x[:, src.input_offset:src.input_offset + src.size]
    index = np.minimum(np.arange(steps) // timesteps, x.shape[0] - 1)
    return np.asarray(src.gain, np.float64) * columns[index]


def rate_spikes(values):
    accumulator = np.full(values.shape[1], 0.5)
    spikes = np.zeros(values.shape)
    for t, value in enumerate(values):
        accumulator += np.clip(value, 0.0, 1.0)
        spikes[t] = accumulator >= 1.0
        accumulator -= spikes[t]
    return spikes


def first_timestep_spikes(values, timesteps):
    starts = (np.arange(values.shape[0]) % timesteps == 0)[:, None]
    return (starts & (values != 0)).astype(np.float64)


def fixed_payloads(values, fraction_bits):
    """round(v * 2^bits) half away from zero, saturated to 24 bits."""
    scaled = np.ldexp(values, fraction_bits)
    rounded = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    return np.clip(rounded, -PAYLOAD_LIMIT, PAYLOAD_LIMIT)


def source_data(src, net, x, steps):
    """The RingBuffer data (size x steps, or size x 1 for a constant)."""
    fixed = net.tag == "fixed_pt"
    dtype = np.int32 if fixed else np.float64
    if src.constant:
        return np.array(src.constant, dtype).reshape(src.size, 1)
    values = held_values(src, x, net.timesteps_per_step, steps)
    if src.encoding == 1:
        events = rate_spikes(values)
    elif src.encoding == 3:
        events = first_timestep_spikes(values, net.timesteps_per_step)
    elif fixed:
        events = fixed_payloads(values, net.payload_fraction_bits)
    else:
        events = values
    return np.ascontiguousarray(events.T).astype(dtype)


def bias_preload(conn, graph):
    """What the Dense/Sparse fed by a constant source delivers each
    timestep: its a_buff from the first timestep on."""
    w = graph.message[conn].weights
    weights = prepared_weights(dense_weights(w), graph.sign_modes[conn],
                               w.num_weight_bits)
    source = graph.message[graph.inputs[conn][0]]
    total = weights @ np.array(source.constant, np.int64)
    shifted = total << w.weight_exp if w.weight_exp >= 0 else \
        total >> -w.weight_exp
    return shifted.astype(np.int32)


def decode(net, kind, events):
    """The decoded probe (size,) from its s_out (steps x size)."""
    events = np.asarray(events, np.float64)
    if kind in GRADED_UNITS:
        events = events / 2.0 ** net.payload_fraction_bits
    if net.probe.decode == 1:
        return events[-1]
    window = events[max(0, events.shape[0] - net.timesteps_per_step):]
    return window.sum(axis=0) / net.timesteps_per_step


def output_row(net, decoded):
    probe = net.probe
    scale = np.asarray(probe.scale, np.float64) if probe.scale else 1.0
    offset = np.asarray(probe.offset, np.float64) if probe.offset else 0.0
    return (scale * decoded + offset).astype(np.float32)


# ---------------------------------------------------------------------------
# Lava
# ---------------------------------------------------------------------------

def import_lava():
    """The Lava classes the loader uses, as one namespace."""
    try:
        importlib.import_module("lava")
    except ImportError:
        raise Failure(f"{PROG}: Lava (lava-nc) is not installed; --check "
                      f"validates without it") from None
    except Exception as error:
        raise Failure(f"{PROG}: Lava (lava-nc) fails to import: "
                      f"{type(error).__name__}: {error}") from None
    try:
        from lava.magma.core.learning import learning_rule
        from lava.magma.core.learning.constants import GradedSpikeCfg
        from lava.magma.core import run_conditions, run_configs
        from lava.proc.dense import process as dense
        from lava.proc.graded import process as graded
        from lava.proc.io import source
        from lava.proc.lif import process as lif
        from lava.proc.monitor import process as monitor
        from lava.proc.sparse import process as sparse
        from lava.utils import weightutils
        from scipy import sparse as scipy_sparse
        return argparse.Namespace(
            Loihi2FLearningRule=learning_rule.Loihi2FLearningRule,
            Loihi3FLearningRule=learning_rule.Loihi3FLearningRule,
            GradedSpikeCfg=GradedSpikeCfg,
            RunSteps=run_conditions.RunSteps,
            Loihi2SimCfg=run_configs.Loihi2SimCfg,
            Dense=dense.Dense, DelayDense=dense.DelayDense,
            LearningDense=dense.LearningDense,
            Sparse=sparse.Sparse, DelaySparse=sparse.DelaySparse,
            GradedVec=graded.GradedVec, GradedReluVec=graded.GradedReluVec,
            RingBuffer=source.RingBuffer, LIF=lif.LIF,
            Monitor=monitor.Monitor, SignMode=weightutils.SignMode,
            csr_matrix=scipy_sparse.csr_matrix)
    except (ImportError, AttributeError) as error:
        raise Failure(f"{PROG}: Lava is installed but lacks what the loader "
                      f"needs (lava-nc 0.9 or newer): {error}") from None


def weight_matrix(lava, kind, w, fixed):
    """weights= for Lava: int32 in fixed point, w * 2^weight_exp in float."""
    scale = 1.0 if fixed else 2.0 ** w.weight_exp
    dtype = np.int32 if fixed else np.float64
    if kind in SPARSE_KINDS:
        values = (np.array(w.values, np.float64) * scale).astype(dtype)
        return lava.csr_matrix((values, (list(w.rows), list(w.cols))),
                               shape=(w.n_out, w.n_in))
    return (dense_weights(w) * scale).astype(dtype)


def connection_arguments(lava, net, graph, name, kind, w):
    """weights= and the keyword arguments shared by connection kinds."""
    fixed = net.tag == "fixed_pt"
    arguments = {"weights": weight_matrix(lava, kind, w, fixed),
                 "num_message_bits": int(w.num_message_bits)}
    if fixed:
        arguments.update(weight_exp=int(w.weight_exp),
                         num_weight_bits=int(w.num_weight_bits),
                         sign_mode=lava.SignMode(graph.sign_modes[name]))
    return arguments


def sparse_delays(lava, w, delays):
    return lava.csr_matrix((np.full(len(w.values), int(delays), np.int64),
                            (list(w.rows), list(w.cols))),
                           shape=(w.n_out, w.n_in))


def learning_rule(lava, rule, parsed):
    """Loihi2FLearningRule; unused traces get impulse 0 and tau 1."""
    traces = {}
    for trace in TRACES:
        impulse = float(getattr(rule, f"{trace}_impulse"))
        tau = float(getattr(rule, f"{trace}_tau"))
        if trace not in parsed.factors:
            impulse, tau = 0.0, 1.0
        elif math.isinf(tau):
            tau = float(NO_DECAY_TAU)
        traces[f"{trace}_impulse"], traces[f"{trace}_tau"] = impulse, tau
    return lava.Loihi2FLearningRule(dw=parsed.rhs, t_epoch=int(rule.t_epoch),
                                    rng_seed=LEARNING_RNG_SEED, **traces)


def loihi_rule(lava, rule, parsed):
    """Loihi3FLearningRule for a LearningDense with loihi_traces: x1 is
    overwritten by the pre's payloads and y3 by what the learning neuron
    sends, so neither may decay (tau LOIHI_TRACE_TAU, through Lava's own
    setters for y3, whose tau Loihi3FLearningRule otherwise fixes at 65535)."""
    learning = lava.Loihi3FLearningRule(
        dw=parsed.rhs, x1_impulse=0.0, x1_tau=LOIHI_TRACE_TAU,
        t_epoch=int(rule.t_epoch), rng_seed=LEARNING_RNG_SEED)
    learning.y3_tau = LOIHI_TRACE_TAU
    return learning


def learning_posts(net, graph):
    """{post process: (LearningDense, third factor, y3_shift)} of the
    LearningDense processes that learn in Loihi's integers."""
    posts = {}
    for name, kind in graph.kind.items():
        message = graph.message[name]
        if kind == "learning_dense" and message.loihi_traces:
            post = graph.outputs[name][0]
            posts[post] = (name, message.third_factor, message.y3_shift)
    return posts


def make_connection(lava, net, graph, name, kind, rules):
    message = graph.message[name]
    arguments = connection_arguments(lava, net, graph, name, kind,
                                     message.weights)
    if kind == "dense":
        return lava.Dense(**arguments)
    if kind == "sparse":
        return lava.Sparse(**arguments)
    if kind == "delay_dense":
        return lava.DelayDense(delays=int(message.delays), **arguments)
    if kind == "delay_sparse":
        return lava.DelaySparse(
            delays=sparse_delays(lava, message.weights, message.delays),
            **arguments)
    if message.loihi_traces:
        return lava.LearningDense(
            learning_rule=rules[name],
            graded_spike_cfg=lava.GradedSpikeCfg.OVERWRITE, **arguments)
    rule = learning_rule(lava, message.learning_rule, graph.rules[name])
    return lava.LearningDense(learning_rule=rule, **arguments)


def make_lif(lava, net, lif):
    fixed = net.tag == "fixed_pt"
    number = int if fixed else float
    bias_mant = np.array(lif.bias_mant, np.int32 if fixed else np.float64) \
        if lif.bias_mant else 0
    arguments = dict(shape=(lif.size,), du=number(lif.du),
                     dv=number(lif.dv), vth=number(lif.vth),
                     bias_mant=bias_mant)
    if fixed:
        arguments["bias_exp"] = np.array(lif.bias_exp, np.int32) \
            if lif.bias_exp else 0
    return lava.LIF(**arguments)


def make_process(lava, net, graph, name, x, steps, rules, posts):
    kind, message = graph.kind[name], graph.message[name]
    if kind == SOURCE:
        return lava.RingBuffer(data=source_data(message, net, x, steps))
    if kind == "lif":
        return make_lif(lava, net, message)
    if kind in GRADED_UNITS and name in posts:
        unit, _ = learning_neuron()
        dense, _, shift = posts[name]
        return unit(shape=(message.size,), vth=int(message.vth),
                    relu=kind == "graded_relu_vec", y3_shift=shift,
                    learning_rule=rules[dense])
    if kind in GRADED_UNITS:
        unit = lava.GradedVec if kind == "graded_vec" else lava.GradedReluVec
        return unit(shape=(message.size,), vth=int(message.vth),
                    exp=int(message.exp))
    process = make_connection(lava, net, graph, name, kind, rules)
    if name in graph.biases:  # the bias from the first timestep on
        process.a_buff.init = bias_preload(name, graph)
    return process


def wire_learning(processes, posts):
    """The learning neurons' ports: y3 into their LearningDense, the third
    factor's payloads into a_third_factor_in."""
    for post, (dense, third, _) in posts.items():
        processes[post].s_out_y3.connect(processes[dense].s_in_y3)
        processes[third].s_out.connect(processes[post].a_third_factor_in)


def build(lava, net, graph, x, steps):
    """The processes of one sequence, wired, the Monitor, and the
    loader-defined models ({process: model})."""
    posts = learning_posts(net, graph)
    rules = {dense: loihi_rule(lava, graph.message[dense].learning_rule,
                               graph.rules[dense])
             for dense, _, _ in posts.values()}
    processes = {name: make_process(lava, net, graph, name, x, steps, rules,
                                    posts)
                 for name in graph.kind}
    for conn in net.connections:
        if conn.dst_port == "s_in_bap" and conn.dst_process in rules:
            continue  # the learning neuron sends no bAP: y3 is its signal
        out_port = getattr(processes[conn.src_process], conn.src_port)
        out_port.connect(getattr(processes[conn.dst_process], conn.dst_port))
    wire_learning(processes, posts)
    monitor = lava.Monitor()
    target = processes[net.probe.target]
    monitor.probe(target=target.s_out, num_steps=steps)
    models = {processes[post]: learning_neuron()[1] for post in posts}
    return target, monitor, models


def run_sequence(lava, net, graph, x, steps):
    """The decoded probe of one sequence (x: S x D)."""
    target, monitor, models = build(lava, net, graph, x, steps)
    try:
        target.run(condition=lava.RunSteps(num_steps=steps),
                   run_cfg=lava.Loihi2SimCfg(
                       select_tag=net.tag, exception_proc_model_map=models))
        events = monitor.get_data()[target.name]["s_out"]
    finally:
        try:
            target.stop()
        except Exception:
            pass
    return decode(net, graph.kind[net.probe.target], events)

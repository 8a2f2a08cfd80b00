#!/usr/bin/env python3
"""lava_loader.py - check an engram Lava export, or run it with Lava.

Usage:
  lava_loader.py NET.pb --check [--quiet]
  lava_loader.py NET.pb --input x.npy --output y.npy [--steps N] [--quiet]

NET.pb is a serialized engram.lava.v1.Network (engram_lava.proto, next to
this file). The module engram_lava_pb2 is imported when it is on the path
(the build writes it to build/python/); otherwise protoc generates it from
that .proto.

--check validates the file without Lava and prints one line per problem,
`NET.pb: <process or field>: <message>`, exiting 1; or a summary, exiting 0.
It checks the schema version and tag, process names and kinds, sizes, the
weights (counts, COO indices and duplicates, the sign mode the weights
determine, and in fixed point the sign mode's 8-bit range, num_weight_bits
1..8 and weight_exp -8..7), delays (<= 62 in fixed point), the LIF and
GradedVec parameters, constant (bias) sources, the learning rule (parsed
with Lava's grammar: one dependency x0, y0 or uK per product, one K, scale
m*2^e with m in -8..7 and e in -7..8 after Lava's normalisation), traces,
t_epoch, the third factor, the wiring (port names and directions, sizes,
one s_in and one a_out connection per connection process, s_in_bap from
the post process, num_message_bits > 0 after graded senders), learning in
Loihi's integers (loihi_traces: graded pre, post and third factor, y3_shift
<= 23, a fixed_pt u0 rule over x1, y3 and w, sign_mode MIXED) and the
probe. Warnings (`...: warning: ...`, silenced by --quiet) name what Lava
computes differently from engram's simulator and what the run path refuses.

Without --check, each sequence of x (B x S x D) runs alone on freshly
created processes for S * timesteps_per_step timesteps (or --steps) with
Loihi2SimCfg(select_tag=Network.tag); y (B x C, float32) is written to a
temporary file in the output's directory and renamed. Lava is imported
only on this path.

The loader is split over modules next to this file, which it puts on
sys.path, so that it runs from any directory: lava_common.py (the names
and limits of the schema, Failure and Report), lava_check.py (validation,
without Lava), lava_rule.py (a port of Lava's learning-rule parser) and
lava_run.py (the run path: building the processes with Lava's API, the
encoding of x and the decoding of the probe, and how the export maps onto
Lava, its timing, and where Lava differs from engram's simulator) and
lava_learning.py (engram's learning neuron, the post process of a
LearningDense with loihi_traces, defined with Lava's API when Lava is
imported).
"""

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

# engram_lava.proto is looked for next to this file as it is named.
HERE = os.path.dirname(os.path.abspath(__file__))
# The modules beside this file (beside its target, if it is a symbolic link),
# wherever the loader is run from.
MODULES = os.path.dirname(os.path.realpath(__file__))
if MODULES not in sys.path:
    sys.path.insert(0, MODULES)

from lava_check import check_network  # noqa: E402
from lava_common import (KIND_ORDER, LAVA_NAME, NEURONS, PROG,  # noqa: E402
                         SCHEMA_VERSION, SOURCE, Failure, Report, printable)
from lava_run import import_lava, output_row, run_sequence  # noqa: E402


# ---------------------------------------------------------------------------
# The schema module and the file
# ---------------------------------------------------------------------------

def load_schema():
    """engram_lava_pb2, imported or generated with protoc."""
    try:
        import engram_lava_pb2
        return engram_lava_pb2
    except ImportError:
        first = None
    except Exception as error:  # e.g. generated for another protobuf
        first = error
    try:
        return generate_schema()
    except Failure as error:
        if first is None:
            raise
        raise Failure(f"{error} (importing engram_lava_pb2 failed too: "
                      f"{first})") from None


def generate_schema():
    proto = os.path.join(HERE, "engram_lava.proto")
    if not os.path.isfile(proto):
        raise Failure(f"{PROG}: engram_lava_pb2 is not importable and "
                      f"{proto} does not exist")
    protoc = shutil.which("protoc")
    if protoc is None:
        raise Failure(f"{PROG}: engram_lava_pb2 is not importable (build it, "
                      f"or put build/python on PYTHONPATH) and protoc is not "
                      f"installed to generate it")
    out = tempfile.mkdtemp(prefix="engram_lava_pb2.")
    try:
        done = subprocess.run(
            [protoc, f"--python_out={out}", f"-I{HERE}", proto],
            capture_output=True, text=True)
        if done.returncode != 0:
            raise Failure(f"{PROG}: protoc failed on {proto}: "
                          f"{done.stderr.strip()}")
        sys.path.insert(0, out)
        try:
            import engram_lava_pb2
        except Exception as error:
            raise Failure(f"{PROG}: cannot import the engram_lava_pb2 that "
                          f"protoc generated: {error}") from None
        finally:
            sys.path.remove(out)
        return engram_lava_pb2
    finally:
        shutil.rmtree(out, ignore_errors=True)


def read_network(path, schema):
    """The parsed Network, or a Failure naming the file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise Failure(f"{path}: cannot read: {error.strerror}") from None
    prefix = f"{path}: not an engram.lava.v1.Network:"
    if not data:
        raise Failure(f"{prefix} the file is empty")
    net = schema.Network()
    try:
        net.ParseFromString(data)
    except Exception as error:  # google.protobuf.message.DecodeError
        raise Failure(f"{prefix} {error} ({len(data)} bytes)") from None
    if net.schema_version == 0:
        raise Failure(f"{prefix} it has no schema_version (field 1)")
    if net.schema_version > SCHEMA_VERSION:
        raise Failure(f"{path}: schema_version: {net.schema_version} is newer "
                      f"than this loader's {SCHEMA_VERSION}; refused (update "
                      f"lava_loader.py)")
    return net


def summary(path, net, graph):
    """The line --check prints for a valid network."""
    counts = collections.Counter(graph.kind.values())
    kinds = ", ".join(f"{counts[k]} {LAVA_NAME[k]}" for k in KIND_ORDER
                      if counts[k])
    neurons = sum(graph.size[n] for n, k in graph.kind.items()
                  if k in NEURONS)
    sources = sum(graph.size[n] for n, k in graph.kind.items()
                  if k == SOURCE)
    return (f"{path}: ok: schema {net.schema_version}, {net.tag}, "
            f"{net.timesteps_per_step} timesteps per step; {kinds}; "
            f"{neurons} neurons (+{sources} source channels), "
            f"{graph.synapses} synapses")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        raise Failure(f"{PROG}: {message} (see --help)")


def parse_arguments(argv):
    parser = ArgumentParser(
        prog=PROG, description="Check an engram Lava export (NET.pb), or "
        "run it with Lava on x.npy (B x S x D) and write y.npy (B x C).")
    parser.add_argument("network", metavar="NET.pb")
    parser.add_argument("--input", metavar="X.npy")
    parser.add_argument("--output", metavar="Y.npy")
    parser.add_argument("--steps", type=int, metavar="N",
                        help="timesteps to run (default: S x "
                        "timesteps_per_step)")
    parser.add_argument("--check", action="store_true",
                        help="validate NET.pb without Lava")
    parser.add_argument("--quiet", action="store_true",
                        help="no summary, warnings or progress")
    args = parser.parse_args(argv)
    if not args.check and (args.input is None or args.output is None):
        parser.error("--input and --output are required (or use --check)")
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    return args


def load_input(path, net):
    try:
        x = np.load(path, allow_pickle=False)
    except Exception as error:
        raise Failure(f"{path}: cannot read as .npy: {error}") from None
    if x.ndim != 3 or x.shape[2] != net.input_width:
        raise Failure(f"{path}: needs B x S x {net.input_width} (input_width),"
                      f" got shape {'x'.join(map(str, x.shape))}")
    if not np.issubdtype(x.dtype, np.number) or \
            np.issubdtype(x.dtype, np.complexfloating):
        raise Failure(f"{path}: needs real numbers, got {x.dtype}")
    if x.shape[1] == 0:
        raise Failure(f"{path}: the sequences have no steps")
    if not np.isfinite(x).all():
        raise Failure(f"{path}: has values that are not finite")
    # engram-run reads x as float32.
    return x.astype(np.float32).astype(np.float64)


def write_output(path, y):
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle = tempfile.NamedTemporaryFile(
            dir=directory, prefix=".lava_loader.", suffix=".npy",
            delete=False)
    except OSError as error:
        raise Failure(f"{path}: cannot write: {error.strerror}") from None
    try:
        with handle:
            np.save(handle, y)
        os.replace(handle.name, path)
    except OSError as error:
        os.unlink(handle.name)
        raise Failure(f"{path}: cannot write: {error.strerror}") from None


def print_lines(lines):
    for line in lines:
        print(printable(line), file=sys.stderr)


def run_check(args, net, graph, report):
    if report.errors:
        print_lines(report.errors)
        return 1
    if not args.quiet:
        print_lines(report.warnings + report.refusal_lines(as_warning=True))
        print(printable(summary(args.network, net, graph)))
    return 0


def run_network(args, net, graph, report):
    if report.errors or report.refusals:
        print_lines(report.errors + report.refusal_lines(as_warning=False))
        return 1
    lava = import_lava()
    x = load_input(args.input, net)
    if not args.quiet:
        print_lines(report.warnings)
    steps = args.steps or x.shape[1] * net.timesteps_per_step
    rows = []
    for b in range(x.shape[0]):
        try:
            decoded = run_sequence(lava, net, graph, x[b], steps)
        except Failure:
            raise
        except Exception as error:
            raise Failure(f"{PROG}: sequence {b}: Lava failed: "
                          f"{type(error).__name__}: {error}") from None
        rows.append(output_row(net, decoded))
    size = graph.size[net.probe.target]
    y = np.stack(rows) if rows else np.zeros((0, size), np.float32)
    write_output(args.output, y)
    if not args.quiet:
        print(f"{PROG}: {x.shape[0]} sequences x {steps} timesteps "
              f"({net.tag}) -> {args.output} ({y.shape[0]} x {size})",
              file=sys.stderr)
    return 0


def main(argv=None):
    try:
        args = parse_arguments(sys.argv[1:] if argv is None else argv)
        net = read_network(args.network, load_schema())
        report = Report(args.network)
        graph = check_network(net, report)
        if args.check:
            return run_check(args, net, graph, report)
        return run_network(args, net, graph, report)
    except Failure as failure:
        print(printable(failure), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

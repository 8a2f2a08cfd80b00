"""engram.torch - the engram cell in PyTorch, written from ENGRAM_SEMANTICS.md.

The module that trains engram networks and the independent implementation the
compiler's reference interpreter is checked against. It also reads and writes
model packages (model.json + model.safetensors) without the safetensors
library, which Debian does not ship. EngramNetwork takes a package
configuration, or tensorflow-engram's arguments (hidden_dim, memory_size,
hebbian_lr, sparsity_strength, return_sequences, output_units, ...);
EngramCell is one step, as tensorflow-engram's cell.

Run with /usr/bin/python3 (the interpreter that sees Debian's python3-torch).
Needs only torch and numpy, not engram's compiled extensions.
"""

import json
import math
import os

import torch
import torch.nn.functional as F

from .package import FORMAT, read_safetensors, write_safetensors  # noqa: F401

LAYER_NORM_EPS = 1e-6
TRACE_CLIP = 0.1
NORM_FLOOR = 1e-12

DEFAULT_CELL = {
    "hebbian_lr": 0.05,
    "scale_factor": 0.5,
    "temperature": 1.5,
    "sparsity_strength": 0.1,
    "use_layer_norm": True,
}


def tensor_specs(config):
    """(name, shape, optional) of every tensor `config` needs, as in the spec."""
    d = config["input_dim"]
    cell = {**DEFAULT_CELL, **config["cell"]}
    h, n = cell["hidden_dim"], cell["memory_size"]
    specs = [("cell.encoder.kernel", (d, h), False), ("cell.encoder.bias", (h,), False)]
    if cell["use_layer_norm"]:
        specs += [("cell.norm1.gamma", (h,), False), ("cell.norm1.beta", (h,), False)]
    specs += [
        ("cell.integrator.kernel", (3 * h, 3 * h), False),
        ("cell.integrator.bias", (3 * h,), False),
        ("cell.output.kernel", (3 * h, h), False),
        ("cell.output.bias", (h,), False),
    ]
    if cell["use_layer_norm"]:
        specs += [("cell.norm2.gamma", (h,), False), ("cell.norm2.beta", (h,), False)]
    specs += [("cell.memory", (n, h), False), ("cell.trace_init", (n, h), True)]
    head = config.get("head")
    if head and head["pooling"] == "attention":
        specs += [("pool.kernel", (h, 1), False), ("pool.bias", (1,), False)]
    if head and head.get("units"):
        specs += [("readout.kernel", (h, head["units"]), False),
                  ("readout.bias", (head["units"],), False)]
    return specs


def keras_config(input_dim, hidden_dim=128, memory_size=64, hebbian_lr=0.05,
                 output_units=None, output_activation=None, return_sequences=True,
                 use_attention=False, sparsity_strength=0.1, scale_factor=0.5,
                 temperature=1.5, use_layer_norm=True, trace_batching="batch_mean"):
    """The package configuration of a tensorflow-engram EngramNetwork with
    these arguments (its defaults): the last h when return_sequences is
    false, attention pooling when it is true with use_attention, every step
    otherwise; a readout when output_units is set. The Keras trace is shared
    by the batch (batch_mean); per_sequence gives each sequence its own."""
    activation = output_activation or "linear"
    if activation not in ("linear", "softmax"):
        raise ValueError(f"output_activation '{output_activation}': engram's readout "
                         "is linear or softmax")
    pooling = ("last" if not return_sequences
               else "attention" if use_attention else "sequence")
    head = {"pooling": pooling}
    if output_units:
        head.update(units=int(output_units), activation=activation)
    return {"input_dim": int(input_dim),
            "cell": {"hidden_dim": int(hidden_dim), "memory_size": int(memory_size),
                     "hebbian_lr": float(hebbian_lr), "scale_factor": float(scale_factor),
                     "temperature": float(temperature),
                     "sparsity_strength": float(sparsity_strength),
                     "use_layer_norm": bool(use_layer_norm)},
            "trace_batching": trace_batching, "head": head}


# --- compression-aware forward (training for a compressed target) ---------

def round_away(x):
    """Round half away from zero, as docs/quantization.md's `rnd`."""
    return torch.sign(x) * torch.floor(x.abs() + 0.5)


def straight_through(x, value):
    """`value` forward, the gradient of `x` backward."""
    return x + (value - x).detach()


def parse_compression(spec):
    """A compression spec, engramc's flags in short: ','-joined parts
    `topk=K`, `int8`, `int4`, `binary` (the bank; int8/int4 also the trace,
    as engramc's --quantize=int8/int4), `int8:memory`, `int4:memory`,
    `int8:trace`, `int4:trace`. Returns {"top_k", "bank", "bank_bits",
    "trace_bits"} (None where not compressed)."""
    out = {"top_k": None, "bank": None, "trace_bits": None}
    for part in filter(None, (spec or "").split(",")):
        kind, _, what = part.partition(":")
        if kind.startswith("topk="):
            out["top_k"] = int(kind[5:])
            if out["top_k"] < 1:
                raise ValueError(f"compression '{part}': k must be at least 1")
            continue
        if kind not in ("int8", "int4", "binary") or what not in ("", "memory", "trace", "both"):
            raise ValueError(f"compression '{part}': expected topk=K, int8, int4 or binary, "
                             "optionally :memory, :trace or :both")
        if kind == "binary" and what not in ("", "memory"):
            raise ValueError(f"compression '{part}': a binary trace does not exist")
        what = what or ("memory" if kind == "binary" else "both")
        if what in ("memory", "both"):
            out["bank"] = kind
        if what in ("trace", "both"):
            out["trace_bits"] = {"int8": 8, "int4": 4}[kind]
    return out


def compress_bank(memory, kind, per_row=True):
    """The bank as engram-quantize-memory stores it (q·scale), with the
    gradient of the float bank (straight-through)."""
    if kind is None:
        return memory
    dims = dict(dim=-1, keepdim=True) if per_row else {}
    if kind == "binary":
        scale = memory.detach().abs().mean(**dims)
        q = torch.where(memory >= 0, 1.0, -1.0)
    else:
        levels = {"int8": 127, "int4": 7}[kind]
        scale = memory.detach().abs().amax(**dims) / levels
        scale = torch.clamp(scale, min=torch.finfo(torch.float32).tiny)
        q = torch.clamp(round_away(memory / scale), -levels, levels)
    # The IR stores the scales in float32.
    scale = scale.to(torch.float32).to(memory.dtype)
    return straight_through(memory, q * scale)


def top_k_softmax(logits, k):
    """Softmax over the k largest logits of each row, the others exactly 0."""
    if k is None or k >= logits.shape[-1]:
        return torch.softmax(logits, dim=-1)
    keep = torch.zeros_like(logits, dtype=torch.bool)
    keep.scatter_(-1, logits.topk(k, dim=-1).indices, True)
    return torch.softmax(logits.masked_fill(~keep, float("-inf")), dim=-1)


def trace_grid(bits):
    """(Q, δ) of a `bits`-bit fixed-point trace: integers in [−Q, Q] standing
    for q·δ, δ = clip/Q."""
    levels = 2 ** (bits - 1) - 1
    return levels, TRACE_CLIP / levels


def fixed_trace_update(trace, a, z, eta, bits):
    """One update of a fixed-point trace of `bits` bits (q·δ, δ = clip/Q),
    in docs/quantization.md's integer arithmetic, with the gradient of the
    float update (straight-through)."""
    levels, delta = trace_grid(bits)
    outer = a.unsqueeze(-1) * z.unsqueeze(1)
    exact = torch.clamp((1 - eta) * trace + eta * outer, -TRACE_CLIP, TRACE_CLIP)
    q = torch.round(trace.detach() / delta)
    decay_factor = round((1 - eta) * 2 ** 15)
    decayed = torch.floor((q * decay_factor + 2 ** 14) / 2 ** 15)
    step = round_away(((eta / delta) * a.detach()).unsqueeze(-1) * z.detach().unsqueeze(1))
    q_new = torch.clamp(decayed + step, -levels, levels)
    return straight_through(exact, q_new * delta)


def fixed_trace(trace, bits):
    """A trace rounded onto the grid of a `bits`-bit fixed-point trace."""
    levels, delta = trace_grid(bits)
    return torch.clamp(round_away(trace / delta), -levels, levels) * delta


class EngramNetwork(torch.nn.Module):
    """An engram cell unrolled over a sequence, with its pooling and readout head.

    `EngramNetwork(config)` takes a package configuration (model.json's
    fields); `EngramNetwork(input_dim=D, hidden_dim=..., ...)` takes
    tensorflow-engram's arguments instead (keras_config). `forward(x)` takes
    B x S x D and returns (output, final h, final trace), where the output
    follows the head of the configuration; `forward(x, state=(h, trace))`
    resumes from a state.

    `compression` (parse_compression's spec, e.g. "topk=4" or "int4") makes
    the forward compute what engramc's model with those flags computes
    (top-k recall, a quantized bank, a fixed-point trace), with
    straight-through gradients, for compression-aware training; the weights
    stay float, and the package saved is the float model to compile with
    those flags.
    """

    def __init__(self, config=None, dtype=torch.float32, compression=None,
                 **keras_arguments):
        if config is None:
            config = keras_config(**keras_arguments)
        elif keras_arguments:
            raise TypeError("give a configuration or tensorflow-engram's arguments, "
                            "not both")
        super().__init__()
        self.config = config
        self.cell = {**DEFAULT_CELL, **config["cell"]}
        self.head = config.get("head")
        self.shared_trace = config.get("trace_batching", "per_sequence") == "batch_mean"
        self.params = torch.nn.ParameterDict()
        for name, shape, optional in tensor_specs(config):
            if optional:
                continue
            self.params[name.replace(".", "/")] = torch.nn.Parameter(
                torch.zeros(shape, dtype=dtype))
        self.trace_init = None
        self.compression = parse_compression(compression)
        if self.compression["trace_bits"] and self.shared_trace:
            raise ValueError("a fixed-point trace needs per_sequence traces")
        self.reset_parameters()

    def p(self, name):
        return self.params[name.replace(".", "/")]

    def reset_parameters(self):
        """Glorot-uniform kernels, zero biases, unit gammas, small memory."""
        for key, value in self.params.items():
            name = key.replace("/", ".")
            with torch.no_grad():
                if name.endswith("kernel"):
                    bound = math.sqrt(6.0 / (value.shape[0] + value.shape[1]))
                    value.uniform_(-bound, bound)
                elif name.endswith("gamma"):
                    value.fill_(1.0)
                elif name == "cell.memory":
                    value.normal_(0.0, 0.1)
                else:
                    value.zero_()

    def step(self, x_t, h, trace):
        """One cell step of ENGRAM_SEMANTICS.md; returns (h', T')."""
        c, p = self.cell, self.p
        width = c["hidden_dim"]
        z = F.relu(x_t @ p("cell.encoder.kernel") + p("cell.encoder.bias"))
        if c["use_layer_norm"]:
            z = F.layer_norm(z, (width,), p("cell.norm1.gamma"), p("cell.norm1.beta"),
                             LAYER_NORM_EPS)
        compression = self.compression
        memory = compress_bank(p("cell.memory"), compression["bank"])
        effective = memory + c["scale_factor"] * trace  # (B x) N x H
        z_hat = z / torch.sqrt(torch.clamp((z * z).sum(-1, keepdim=True), min=NORM_FLOOR))
        e_hat = effective / torch.sqrt(
            torch.clamp((effective * effective).sum(-1, keepdim=True), min=NORM_FLOOR))
        if self.shared_trace:
            sim = z_hat @ e_hat.T  # B x N
        else:
            sim = (e_hat @ z_hat.unsqueeze(-1)).squeeze(-1)
        temperature = c["temperature"] / (1.0 + 10.0 * c["sparsity_strength"])
        a = top_k_softmax(sim / temperature, compression["top_k"])
        if self.shared_trace:
            m = a @ effective
        else:
            m = (a.unsqueeze(1) @ effective).squeeze(1)
        g = F.relu(torch.cat([z, m, h], dim=-1) @ p("cell.integrator.kernel")
                   + p("cell.integrator.bias"))
        h_new = F.relu(g @ p("cell.output.kernel") + p("cell.output.bias"))
        if c["use_layer_norm"]:
            h_new = F.layer_norm(h_new, (width,), p("cell.norm2.gamma"),
                                 p("cell.norm2.beta"), LAYER_NORM_EPS)
        if self.shared_trace:
            outer = a.T @ z / a.shape[0]
        else:
            outer = a.unsqueeze(-1) * z.unsqueeze(1)
        eta = c["hebbian_lr"]
        if compression["trace_bits"]:
            return h_new, fixed_trace_update(trace, a, z, eta, compression["trace_bits"])
        trace_new = torch.clamp((1 - eta) * trace + eta * outer, -TRACE_CLIP, TRACE_CLIP)
        return h_new, trace_new

    def initial_state(self, batch, dtype, device=None):
        c = self.cell
        n, width = c["memory_size"], c["hidden_dim"]
        h = torch.zeros(batch, width, dtype=dtype, device=device)
        init = (self.trace_init.to(dtype=dtype, device=device) if self.trace_init is not None
                else torch.zeros(n, width, dtype=dtype, device=device))
        if self.compression["trace_bits"]:
            init = fixed_trace(init, self.compression["trace_bits"])
        trace = init.clone() if self.shared_trace else init.expand(batch, n, width).clone()
        return h, trace

    def forward(self, x, logits=False, state=None):
        """x: B x S x D. Returns (output, h_S, T_S); `logits` skips the softmax.
        `state` (h, trace) starts the run there instead of h = 0, T = T0."""
        h, trace = (state if state is not None
                    else self.initial_state(x.shape[0], x.dtype, x.device))
        states = []
        for t in range(x.shape[1]):
            h, trace = self.step(x[:, t, :], h, trace)
            states.append(h)
        states = torch.stack(states, dim=1)  # B x S x H
        output = self.pool(states)
        head = self.head
        if head and head.get("units"):
            output = output @ self.p("readout.kernel") + self.p("readout.bias")
            if head.get("activation", "linear") == "softmax" and not logits:
                output = torch.softmax(output, dim=-1)
        return output, h, trace

    def pool(self, states):
        pooling = self.head["pooling"] if self.head else "sequence"
        if pooling == "last":
            return states[:, -1, :]
        if pooling == "sequence":
            return states
        e = torch.tanh(states @ self.p("pool.kernel") + self.p("pool.bias"))  # B x S x 1
        alpha = torch.softmax(e, dim=1)
        return (alpha * states).sum(dim=1)

    def tensors(self):
        """The package tensors as float32 numpy arrays."""
        out = {k.replace("/", "."): v.detach().to(torch.float32).numpy()
               for k, v in self.params.items()}
        if self.trace_init is not None:
            out["cell.trace_init"] = self.trace_init.detach().to(torch.float32).numpy()
        return out


class EngramCell(torch.nn.Module):
    """One step of the cell, with tensorflow-engram's arguments: forward(x_t,
    (h, trace)) returns (h', (h', trace')), like a recurrent cell; the
    states come from get_initial_state. Its weights are those of an
    EngramNetwork without a head (self.network)."""

    def __init__(self, input_dim, hidden_dim, memory_size, hebbian_lr=0.05,
                 scale_factor=0.5, temperature=1.5, use_layer_norm=True,
                 sparsity_strength=0.1, trace_batching="batch_mean", dtype=torch.float32):
        super().__init__()
        config = keras_config(input_dim, hidden_dim, memory_size, hebbian_lr,
                              sparsity_strength=sparsity_strength,
                              scale_factor=scale_factor, temperature=temperature,
                              use_layer_norm=use_layer_norm, trace_batching=trace_batching)
        del config["head"]
        self.network = EngramNetwork(config, dtype=dtype)

    def get_initial_state(self, batch_size, dtype=torch.float32, device=None):
        return self.network.initial_state(batch_size, dtype, device)

    def forward(self, x_t, state):
        h, trace = self.network.step(x_t, *state)
        return h, (h, trace)


# --- model packages ---------------------------------------------------------

def save_package(network, directory):
    """Writes model.json and model.safetensors for `network` into `directory`."""
    os.makedirs(directory, exist_ok=True)
    config = dict(network.config)
    config["format"] = FORMAT
    config["weights"] = "model.safetensors"
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(directory, "model.safetensors"), network.tensors())


def load_package(directory, dtype=torch.float64, compression=None):
    """Builds an EngramNetwork (in `dtype`, computing with `compression`,
    see EngramNetwork) from a package directory."""
    with open(os.path.join(directory, "model.json")) as f:
        config = json.load(f)
    tensors = read_safetensors(os.path.join(directory, config.get("weights", "model.safetensors")))
    config = {k: v for k, v in config.items() if k not in ("format", "weights")}
    network = EngramNetwork(config, dtype=dtype, compression=compression)
    with torch.no_grad():
        for key, value in network.params.items():
            value.copy_(torch.from_numpy(tensors[key.replace("/", ".")]).to(dtype))
    if "cell.trace_init" in tensors:
        network.trace_init = torch.from_numpy(tensors["cell.trace_init"]).to(dtype)
    return network


def random_network(config, seed, trace_init=False, bound=0.2):
    """A network with weights ~ U(-bound, bound), as in the tolerance rule."""
    gen = torch.Generator().manual_seed(seed)
    network = EngramNetwork(config, dtype=torch.float64)
    with torch.no_grad():
        for value in network.params.values():
            value.copy_((torch.rand(value.shape, generator=gen, dtype=torch.float64) * 2 - 1)
                        * bound)
        # Round to float32 so that the package and the module hold equal weights.
        for value in network.params.values():
            value.copy_(value.to(torch.float32).to(torch.float64))
    if trace_init:
        c = network.cell
        init = (torch.rand(c["memory_size"], c["hidden_dim"], generator=gen,
                           dtype=torch.float64) * 2 - 1) * TRACE_CLIP
        network.trace_init = init.to(torch.float32).to(torch.float64)
    return network

//===- SnnOps.td - snn dialect operations ------------------*- tablegen -*-===//
//
// The network, its populations, projections and probe. Each op's verifier
// checks what holds on any hardware; snn.network's verifier adds the ranges
// of its profile (SnnOps.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SNN_OPS_TD
#define SNN_OPS_TD

include "dialects/snn/SnnDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/IR/SymbolInterfaces.td"

class Snn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Snn_Dialect, mnemonic, traits>;

def Snn_Population : Type<CPred<"::llvm::isa<::mlir::snn::PopulationType>($_self)">,
                          "snn population", "::mlir::snn::PopulationType">;

def Snn_NetworkOp : Snn_Op<"network", [IsolatedFromAbove, NoTerminator,
    SingleBlock, Symbol, HasOnlyGraphRegion,
    DeclareOpInterfaceMethods<RegionKindInterface>]> {
  let summary = "a spiking network";
  let description = [{
    Holds the populations, projections and the output probe of one network
    in a graph region (ops may use populations declared after them, as
    recurrent connections do). `timesteps` simulator timesteps make one step
    of the source model: an input vector of width `input_width` is held for
    that long, and the probe decodes the last window of the sequence. The
    verifier checks that names are unique, that there is exactly one probe,
    and the ranges of `profile`:

    - `loihi2`: neurons are `snn.lif_fixed`, graded units or sources (no
      float LIF/IF); weights have at most 8 bits and an exponent in −8…7;
      delays at most 62; learning-rule constants are written `m·2^e` with
      `m` in −8…7 and `e` in −7…8, as Lava's rule parser takes them (which
      spells the epoch dependency `u0`; `u` and `u0` mean the same here).
    - `spinnaker`: neurons are `snn.lif` or `snn.if`, sources are rate coded
      (no graded events), no third factor in learning rules.
    - `generic`: the checks every op makes on its own.

    ```mlir
    snn.network @fashion {profile = #snn<profile loihi2>, timesteps = 16 : i64, input_width = 28 : i64} {
      %x = snn.input "x" rate ...
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Snn_ProfileAttr:$profile,
                       I64Attr:$timesteps, I64Attr:$input_width);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  // After the ops inside: the profile checks read their verified attributes
  // (a plastic projection's rule parses).
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "::llvm::StringRef":$name,
      "::mlir::snn::Profile":$profile, "int64_t":$timesteps,
      "int64_t":$inputWidth)>];
}

//===----------------------------------------------------------------------===//
// Populations
//===----------------------------------------------------------------------===//

class Snn_PopulationOp<string mnemonic, list<Trait> traits = []>
    : Snn_Op<mnemonic, !listconcat(traits, [HasParent<"NetworkOp">,
        DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>])> {
  let results = (outs Snn_Population:$result);
  let hasVerifier = 1;
}

def Snn_InputOp : Snn_PopulationOp<"input"> {
  let summary = "a source: input features as rate-coded or graded events";
  let description = [{
    Neuron `i` reads `gain[i] · x_t[offset + i]` of the input vector held
    over the window. `graded`: the value is the event's payload every
    timestep (with `delta`, sigma-delta coded as for `snn.graded`). `rate`:
    a deterministic rate code; an accumulator starting at ½ adds the value
    (clipped to [0, 1]) every timestep and emits a spike, subtracting 1,
    when it reaches 1, so a value `v` gives `round(v·T)` spikes in a window
    of `T` timesteps. `spike`: one spike at the first timestep of the window
    for every non-zero value (event-sensor input).

    ```mlir
    %x = snn.input "x" rate {offset = 0 : i64, gain = dense<1.0> : tensor<28xf64>} : !snn.population<28>
    ```
  }];
  let arguments = (ins StrAttr:$name, Snn_EncodingAttr:$encoding,
                       I64Attr:$offset, ElementsAttr:$gain,
                       OptionalAttr<F64Attr>:$delta);
  let assemblyFormat = "$name $encoding attr-dict `:` qualified(type($result))";
}

def Snn_GradedOp : Snn_PopulationOp<"graded"> {
  let summary = "graded units (Loihi 2 graded spikes, sigma-delta style)";
  let description = [{
    Every timestep a unit's value is `act(I + bias)`, `act` ReLU or the
    identity, and is sent as the payload of an event when it is not zero.
    With no state of their own, a chain of graded units settles to the
    value of the equivalent ReLU network one timestep per projection.

    With `delta` the units are sigma-delta coded (Lava's `SigmaDelta`): a
    unit sends the change of its value since its last event when the change
    exceeds `delta` in magnitude (`0.0`: any change), and receivers
    integrate the changes, so they hold the value as last sent. A settled
    network then sends nothing until its input changes; with `delta = 0`
    the values are exactly those of the plain graded units.

    ```mlir
    %z = snn.graded "z" relu {bias = dense<...> : tensor<64xf64>} : !snn.population<64>
    ```
  }];
  let arguments = (ins StrAttr:$name, Snn_ActivationAttr:$activation,
                       OptionalAttr<ElementsAttr>:$bias,
                       OptionalAttr<F64Attr>:$delta);
  let assemblyFormat = "$name $activation attr-dict `:` qualified(type($result))";
}

def Snn_IfOp : Snn_PopulationOp<"if"> {
  let summary = "integrate-and-fire neurons";
  let description = [{
    `v ← v + I + bias`; a spike when `v ≥ vth`, then `v ← v − vth`
    (`subtract`, the reset that keeps rate codes unbiased) or `v ← 0`; then
    `v` is kept within `[0, vth]`, so that a neuron remembers neither input
    below zero nor input above one spike per timestep: its rate is its
    input clipped to `[0, 1]` thresholds per timestep.

    ```mlir
    %h = snn.if "h" subtract {vth = 1.0 : f64} : !snn.population<64>
    ```
  }];
  let arguments = (ins StrAttr:$name, Snn_ResetAttr:$reset, F64Attr:$vth,
                       OptionalAttr<ElementsAttr>:$bias);
  let assemblyFormat = "$name $reset attr-dict `:` qualified(type($result))";
}

def Snn_LifOp : Snn_PopulationOp<"lif"> {
  let summary = "current-based leaky integrate-and-fire neurons (float)";
  let description = [{
    Lava's float LIF: `u ← u·(1 − du) + I`, `v ← v·(1 − dv) + u + bias`, a
    spike when `v > vth`, then `v ← v_reset` (0 when absent; per neuron,
    below `vth`, as NIR's neurons reset; u is not reset). `du = 1` makes the
    current last one timestep (a plain LIF); `dv = 0` removes the leak.

    ```mlir
    %p = snn.lif "p" {du = 1.0 : f64, dv = 0.1 : f64, vth = 1.0 : f64} : !snn.population<8>
    ```
  }];
  let arguments = (ins StrAttr:$name, F64Attr:$du, F64Attr:$dv, F64Attr:$vth,
                       OptionalAttr<ElementsAttr>:$bias,
                       OptionalAttr<ElementsAttr>:$v_reset);
  let assemblyFormat = "$name attr-dict `:` qualified(type($result))";
}

def Snn_LiOp : Snn_PopulationOp<"li"> {
  let summary = "leaky integrators: LIF without a threshold (float)";
  let description = [{
    `snn.lif`'s equations without a threshold: `u ← u·(1 − du) + I`,
    `v ← v·(1 − dv) + u + bias`, and every timestep the unit sends `v` as a
    graded value. NIR's `LI` (`du = 1`), `I` (`du = 1`, `dv = 0`) and
    `CubaLI` (`du < 1`) nodes, which read out a membrane potential.

    ```mlir
    %r = snn.li "readout" {du = 1.0 : f64, dv = 0.2 : f64} : !snn.population<10>
    ```
  }];
  let arguments = (ins StrAttr:$name, F64Attr:$du, F64Attr:$dv,
                       OptionalAttr<ElementsAttr>:$bias);
  let assemblyFormat = "$name attr-dict `:` qualified(type($result))";
}

def Snn_LifFixedOp : Snn_PopulationOp<"lif_fixed"> {
  let summary = "Loihi 2 fixed-point LIF neurons";
  let description = [{
    Lava's bit-accurate LIF (`PyLifModelBitAcc`, docs/loihi-fixed-point.md):
    24-bit `u` and `v`; `u ← sgn(p)·(|p| >> 12) + a_in·2^6`, `p = u·(4096 −
    (du + 1))`; `v ← clip(sgn(q)·(|q| >> 12) + u + bias_mant·2^bias_exp,
    ±(2^23 − 1))`, `q = v·(4096 − dv)`; a spike when `v > vth·2^6`, then
    `v ← 0`. `du`, `dv` in 0…4095, `vth` ≥ 0; bias mantissa and exponent
    per neuron (absent: none). Without `--fixed-point` the simulator runs
    the same equations in float, without truncation or wrap-around.

    ```mlir
    %p = snn.lif_fixed "p" {du = 4095 : i64, dv = 0 : i64, vth = 64 : i64} : !snn.population<8>
    ```
  }];
  let arguments = (ins StrAttr:$name, I64Attr:$du, I64Attr:$dv, I64Attr:$vth,
                       OptionalAttr<ElementsAttr>:$bias_mant,
                       OptionalAttr<ElementsAttr>:$bias_exp);
  let assemblyFormat = "$name attr-dict `:` qualified(type($result))";
}

//===----------------------------------------------------------------------===//
// Projections
//===----------------------------------------------------------------------===//

class Snn_ProjectionOp<string mnemonic, list<Trait> traits = []>
    : Snn_Op<mnemonic, !listconcat(traits, [HasParent<"NetworkOp">])> {
  let hasVerifier = 1;
}

def Snn_DenseOp : Snn_ProjectionOp<"dense"> {
  let summary = "all-to-all synapses with integer weights";
  let description = [{
    `weights` is `post × pre`, integers of `bits` bits (sign included); the
    synapse's weight is `w · 2^exp`. An event of pre neuron `j` with value
    `s` (1 for a spike, the payload of a graded event) adds `w_ij · 2^exp ·
    s` to post neuron `i`'s input `latency + delay` timesteps later; in fixed
    point it computes `(Σ w·s) << exp` as Lava's bit-accurate Dense does.
    `latency` is 1 by default, as Lava's Dense delivers one timestep later;
    0 is NIR's semantics, the event reaching `post` within the timestep it
    is sent (populations update in the order they are defined, so with no
    delay `pre` must be defined before `post`; Loihi 2 has no such
    synapse).

    `geometry`, when present, is the chain of linear nodes an imported
    projection was composed from (a NIR convolution, pooling, flattening):
    dictionaries with a `type` string (the first `"Input"`, with the pre
    population's `shape`) and their parameters as float tensors or strings.
    The simulator uses `weights` alone; the NIR export writes the chain
    back when its composition still gives them.

    ```mlir
    snn.dense %x -> %z {weights = dense<...> : tensor<64x28xi32>, exp = -7 : i64, bits = 8 : i64, delay = 0 : i64}
      : !snn.population<28> -> !snn.population<64>
    ```
  }];
  let arguments = (ins Snn_Population:$pre, Snn_Population:$post,
                       ElementsAttr:$weights, I64Attr:$exp, I64Attr:$bits,
                       DefaultValuedAttr<I64Attr, "0">:$delay,
                       DefaultValuedAttr<I64Attr, "1">:$latency,
                       OptionalAttr<ArrayAttr>:$geometry);
  let assemblyFormat = [{
    $pre `->` $post attr-dict `:` qualified(type($pre)) `->` qualified(type($post))
  }];
}

def Snn_SparseOp : Snn_ProjectionOp<"sparse"> {
  let summary = "listed synapses with integer weights";
  let description = [{
    `indices` is `K × 2` (post, pre) pairs, each at most once; `weights` the
    `K` integer mantissas. Otherwise as `snn.dense`.

    ```mlir
    snn.sparse %a -> %b {indices = dense<[[0, 1], [1, 0]]> : tensor<2x2xi32>,
                         weights = dense<[3, -2]> : tensor<2xi32>, exp = 0 : i64, bits = 8 : i64}
      : !snn.population<2> -> !snn.population<2>
    ```
  }];
  let arguments = (ins Snn_Population:$pre, Snn_Population:$post,
                       ElementsAttr:$indices, ElementsAttr:$weights,
                       I64Attr:$exp, I64Attr:$bits,
                       DefaultValuedAttr<I64Attr, "0">:$delay,
                       DefaultValuedAttr<I64Attr, "1">:$latency,
                       OptionalAttr<ArrayAttr>:$geometry);
  let assemblyFormat = [{
    $pre `->` $post attr-dict `:` qualified(type($pre)) `->` qualified(type($post))
  }];
}

def Snn_PlasticOp : Snn_ProjectionOp<"plastic"> {
  let summary = "all-to-all synapses that learn by a rule";
  let description = [{
    An `snn.dense` whose weights change by `rule` (`#snn.rule`), written as
    Lava writes learning rules: `dw = Σ c · dep · f…`, every term with exactly one
    dependency (`x0` a pre spike, `y0` a post spike, `u` the end of a window,
    Loihi's epoch) and factors among the traces `x1`, `x2` (pre), `y1`, `y2`
    (post), `y3` (third factor, driven one to one by `third`) and the weight
    `w` (in mantissa units). Each trace `t ← t·(1 − decay) + impulse·s`
    every timestep, `s` the neuron's event; `traces` gives
    `[impulse, decay]` per trace used. Weights stay within
    `[w_min, w_max]` (mantissa units). Events sent at a timestep use the
    weights from before that timestep's update. `latency` and `delay` as in
    `snn.dense`.

    With `y3_shift` the projection learns as Lava's `LearningDense` with a
    three-factor rule learns from graded spikes, in Loihi's integers: `x1` is
    the pre neuron's integer payload halved (rounded half to even, kept
    between events, at most 127: Lava's graded `x1`), `y3` the third-factor
    neuron's integer payload shifted right by `y3_shift` and clamped to
    −128..127 (what engram's learning neuron sends Lava every timestep),
    and at the end of each window the integer weights take the rule in
    Lava's 15-bit accumulator (factors clipped to their widths, products
    shifted back to 15 bits and by `e + 7`), rounded stochastically with
    Lava's own numbers (numpy's `default_rng(2)`, one per epoch for every
    synapse, as Lava's `ConnVarRandom` draws them) and clipped to
    `[-256, 255]` (the mixed sign mode, which the Lava export gives these
    weights): Lava's CPU simulation, bit for bit.
    Payloads are `round(event · 2^12)`, in float as in fixed point. `traces`
    is then empty, the rule's terms depend on `u` with factors among `x1`,
    `y3` and `w` and constants `m*2^e`, and `[w_min, w_max]` is
    `[-256, 255]`.

    ```mlir
    snn.plastic %z -> %slot third %a {weights = dense<...> : tensor<32x64xi32>, exp = -7 : i64, bits = 8 : i64,
        rule = #snn.rule<"dw = 2^-4*u*x1*y1 - 2^-4*u*w">, traces = {x1 = [1.0, 1.0], y1 = [1.0, 1.0]},
        w_min = -255.0 : f64, w_max = 255.0 : f64}
      : !snn.population<64> -> !snn.population<32>
    ```
  }];
  let arguments = (ins Snn_Population:$pre, Snn_Population:$post,
                       Optional<Snn_Population>:$third,
                       ElementsAttr:$weights, I64Attr:$exp, I64Attr:$bits,
                       DefaultValuedAttr<I64Attr, "0">:$delay,
                       Snn_RuleAttr:$rule, DictionaryAttr:$traces,
                       F64Attr:$w_min, F64Attr:$w_max,
                       OptionalAttr<I64Attr>:$y3_shift,
                       DefaultValuedAttr<I64Attr, "1">:$latency);
  let assemblyFormat = [{
    $pre `->` $post (`third` $third^)? attr-dict `:` qualified(type($pre)) `->`
    qualified(type($post)) (`,` qualified(type($third))^)?
  }];
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

def Snn_ProbeOp : Snn_Op<"probe", [HasParent<"NetworkOp">]> {
  let summary = "the network's output: decoded events of one population";
  let description = [{
    `rate`: the mean event value over the last window of the sequence (1 per
    spike, the payload of a graded event); `last`: the event value at the
    final timestep. The output is `scale · decoded + offset` per neuron
    (absent: 1 and 0), one row per sequence.

    ```mlir
    snn.probe %out rate {scale = dense<...> : tensor<10xf64>} : !snn.population<10>
    ```
  }];
  let arguments = (ins Snn_Population:$population, Snn_DecodeAttr:$decode,
                       OptionalAttr<ElementsAttr>:$scale,
                       OptionalAttr<ElementsAttr>:$offset);
  let assemblyFormat = [{
    $population $decode attr-dict `:` qualified(type($population))
  }];
  let hasVerifier = 1;
}

#endif // SNN_OPS_TD

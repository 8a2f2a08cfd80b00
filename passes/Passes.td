//===- Passes.td - engram passes ---------------------------*- tablegen -*-===//
//
// Every pass of engram, grouped by the level it works at. Each knob is a
// pass option, reachable from engram-opt and engramc.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_TD
#define ENGRAM_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Transformations on the engram dialect
//===----------------------------------------------------------------------===//

def EngramHoistEncoder : Pass<"engram-hoist-encoder", "::mlir::func::FuncOp"> {
  let summary = "Encode the whole sequence before the time loop";
  let description = [{
    The encoder `z = relu(x·K_enc + b_enc)` and LN1 do not depend on the
    carried state, so instead of running them once per step on a `B×D`
    slice, this pass runs them once on the whole `B×S×D` input before the
    `engram.loop` (one large matrix product instead of S small ones) and
    feeds the loop the encoded `B×S×H` sequence.

    A loop qualifies when its step input is used only by an `engram.encode`
    (optionally followed by an `engram.layer_norm` that is the encoding's
    only user) whose weights are defined outside the loop.

    Before:
    ```mlir
    %hs, %h, %T = engram.loop %x, %h0, %T0 : ... {
    ^bb0(%xt: tensor<?x28xf32>, ...):
      %z = engram.encode %xt, %k, %b : ...
      %zn = engram.layer_norm %z, %g, %be : ...
      ... uses of %zn ...
    }
    ```
    After:
    ```mlir
    %zs = engram.encode %x, %k, %b : (tensor<?x?x28xf32>, ...) -> tensor<?x?x64xf32>
    %zsn = engram.layer_norm %zs, %g, %be : ...
    %hs, %h, %T = engram.loop %zsn, %h0, %T0 : ... {
    ^bb0(%zn: tensor<?x64xf32>, ...):
      ... uses of %zn ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::engram::EngramDialect"];
}

def EngramTileBatch : Pass<"engram-tile-batch", "::mlir::ModuleOp"> {
  let summary = "Run a per-sequence model on fixed-size tiles of the batch";
  let description = [{
    With per-sequence traces the sequences of a batch never interact, so a
    function can run the batch `tile-size` sequences at a time. This pass
    clones `@forward`'s body into a private function whose batch dimension
    is the static `tile-size` (every shape in it becomes static but the
    number of steps) and a second clone for single sequences, and rewrites
    `@forward` to call the first in an `scf.for` over the whole tiles of the
    batch and the second on each remaining sequence. The CPU pipeline
    inlines the calls, so that a tile's buffers are allocated once per
    batch, and asks for `destination-passing`, so that the tiles' results
    are written straight into the caller's output buffers.

    Static shapes let the CPU pipeline use register tiles across the batch,
    and a tile's state (h and T of `tile-size` sequences) stays in cache for
    the whole sequence. Functions with a shared (`batch_mean`) trace, or
    whose signature is not `(B×S×D) -> results with the batch first`, are
    left alone.
  }];
  let options = [
    Option<"tileSize", "tile-size", "int64_t", /*default=*/"8",
           "sequences per tile">,
    Option<"destinationPassing", "destination-passing", "bool",
           /*default=*/"false",
           "give @forward one tensor argument per result and write the "
           "results into them, so that bufferization writes into the "
           "caller's buffers">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def EngramQuantizeMemory : Pass<"engram-quantize-memory", "::mlir::ModuleOp"> {
  let summary = "Store the memory bank and/or the Hebbian trace in few bits";
  let description = [{
    - memory (`what=memory|both`): every `engram.memory` becomes integers
      with scales (`#engram.quant`): `bits=8|4` symmetric with `scale=row`
      or `tensor` (`max|M| / Q`), rounded `nearest` or `stochastic`
      (`seed`); `bits=1` is binary, `sign(M)` with `mean|M|` scales. The
      compiler rounds once; the stored integers define the bank.
    - trace (`what=trace|both`, `bits=8|4|16`): every trace becomes fixed point
      (`#engram.fixed<bits, bound = clip>`), updated in integer arithmetic
      with saturation (docs/quantization.md). Traces must be per-sequence.
      With `trace-format=bf16` the trace is stored in bfloat16 instead
      (`#engram.bf16`: float32 arithmetic, each stored value rounded to the
      nearest bfloat16) and `bits` applies to the memory only.

    ```mlir
    // engram-opt --engram-quantize-memory="what=memory bits=8"
    %M = engram.memory dense<...> : tensor<4x2xi8> scales dense<...> : tensor<4xf32>
           -> !engram.memory<4x2xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>
    ```
  }];
  let options = [
    Option<"what", "what", "::mlir::engram::QuantizeWhat",
           /*default=*/"::mlir::engram::QuantizeWhat::Both",
           "what to quantize: memory, trace or both",
           [{::llvm::cl::values(
             clEnumValN(::mlir::engram::QuantizeWhat::Memory, "memory", "the memory bank"),
             clEnumValN(::mlir::engram::QuantizeWhat::Trace, "trace", "the Hebbian trace"),
             clEnumValN(::mlir::engram::QuantizeWhat::Both, "both", "both"))}]>,
    Option<"bits", "bits", "unsigned", /*default=*/"8",
           "bits per value: 8 or 4 (memory and trace), 16 (trace), 1 (binary memory)">,
    Option<"scale", "scale", "::mlir::engram::QuantScale",
           /*default=*/"::mlir::engram::QuantScale::Row",
           "scale granularity of the memory: row or tensor",
           [{::llvm::cl::values(
             clEnumValN(::mlir::engram::QuantScale::Row, "row", "one scale per row"),
             clEnumValN(::mlir::engram::QuantScale::Tensor, "tensor", "one scale"))}]>,
    Option<"rounding", "rounding", "::mlir::engram::Rounding",
           /*default=*/"::mlir::engram::Rounding::Nearest",
           "rounding of the memory: nearest or stochastic",
           [{::llvm::cl::values(
             clEnumValN(::mlir::engram::Rounding::Nearest, "nearest", "to the nearest level"),
             clEnumValN(::mlir::engram::Rounding::Stochastic, "stochastic", "up or down with the probability of the distance"))}]>,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "seed of stochastic rounding">,
    Option<"traceFormat", "trace-format", "::mlir::engram::QuantizeTraceFormat",
           /*default=*/"::mlir::engram::QuantizeTraceFormat::Fixed",
           "storage of a quantized trace: fixed (bits-bit integers) or bf16",
           [{::llvm::cl::values(
             clEnumValN(::mlir::engram::QuantizeTraceFormat::Fixed, "fixed", "integers of `bits` bits, integer update"),
             clEnumValN(::mlir::engram::QuantizeTraceFormat::Bf16, "bf16", "bfloat16 storage, float32 update"))}]>
  ];
  let dependentDialects = ["::mlir::engram::EngramDialect"];
}

def EngramSparsifyMemory : Pass<"engram-sparsify-memory", "::mlir::ModuleOp"> {
  let summary = "Top-k recall and magnitude pruning of the memory bank";
  let description = [{
    - `top-k=K`: every `engram.recall` takes the softmax over its K best
      slots only (`top_k = K`); the other recall weights are zero, so those
      slots neither contribute to `m` nor get a Hebbian increment.
    - `density=D` (0 < D < 1): every row of every `engram.memory` keeps its
      `max(1, round(D·H))` largest magnitudes (ties: the lower column) and
      is stored as `#engram.ell` (values and column indices). Run before
      `engram-quantize-memory`, which then quantizes the kept values.

    ```mlir
    // engram-opt --engram-sparsify-memory="top-k=4 density=0.5"
    ```
  }];
  let options = [
    Option<"topK", "top-k", "int64_t", /*default=*/"0",
           "slots kept by every recall (0: all)">,
    Option<"density", "density", "double", /*default=*/"1.0",
           "fraction of every memory row kept (1: no pruning)">
  ];
  let dependentDialects = ["::mlir::engram::EngramDialect"];
}

//===----------------------------------------------------------------------===//
// Lowering for dense targets
//===----------------------------------------------------------------------===//

def ConvertEngramToLinalg : Pass<"convert-engram-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower the engram dialect to linalg, tensor, scf and arith";
  let description = [{
    Tensor-level lowering of every engram op, the first step towards the
    dense targets:

    - `!engram.memory` and `!engram.trace` become tensors of the same shape;
    - `engram.loop` becomes an `scf.for` over the steps, carrying `h`, `T`
      and the stacked states, with `x_t` an `extract_slice` of the input;
    - `engram.encode`, `engram.integrate` and `engram.readout` become
      `linalg.matmul` on a broadcast bias plus elementwise `linalg.generic`s
      (relu, softmax); `engram.integrate` concatenates `[z, m, h]` with
      `tensor.concat`;
    - `engram.recall`, `engram.hebbian_update`, `engram.layer_norm` and the
      attention pooling become `linalg.generic`s (maps and reductions), with
      the same floors and constants as ENGRAM_SEMANTICS.md.

    The result computes exactly what the engram IR computed (float32); the
    CPU pipeline then fuses, tiles, vectorizes and bufferizes it.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def EngramCpuVectorize : Pass<"engram-cpu-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile linalg ops into register-sized pieces and vectorize them";
  let description = [{
    Works on linalg ops on tensors (before bufferization). Each op is tiled
    with `scf.for` so that every tile has static sizes, then vectorized:

    - matrix products (`linalg.matmul`): register tiles of `tile-rows` rows
      by `tile-vectors` × `vector-width` columns, stepping the reduction by
      up to 8; the contraction becomes broadcasts and `vector.fma` (outer
      products), the accumulators stay in registers across the reduction
      once `loop-invariant-subset-hoisting` has run;
    - reductions over the innermost dimension (norms, dot products,
      softmax): vectorized in pieces of up to 256 elements, one horizontal
      reduction per element of the other dimensions;
    - other ops: the innermost parallel dimension in pieces of up to 4
      vectors, outer reductions in steps of up to 8 (4 when the op
      updates integer state, a fixed-point trace, whose widened values
      would otherwise spill registers), the other parallel dimensions by 1.

    Every dynamic dimension is tiled by 1.

    `exp` and `tanh` get polynomial approximations so that they stay in
    vector registers, additions and multiplications may be contracted into
    FMAs, and horizontal reductions may be reassociated into trees (the
    float32 results move by rounding only; the tolerances are unchanged).
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "unsigned", /*default=*/"8",
           "float32 lanes of a vector register (4 SSE, 8 AVX2, 16 AVX-512)">,
    Option<"tileRows", "tile-rows", "unsigned", /*default=*/"4",
           "rows of the register tile of a matrix product">,
    Option<"tileVectors", "tile-vectors", "unsigned", /*default=*/"2",
           "vectors per row of the register tile of a matrix product">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def EngramStateArguments : Pass<"engram-state-arguments", "::mlir::ModuleOp"> {
  let summary = "Make the initial state (h0, T0) arguments of @forward";
  let description = [{
    `@forward` as the importer builds it starts every run from `h = 0` and
    `T = T₀`. This pass makes that start two arguments, so that a run can
    resume from the final state another returned (a stream fed in chunks):
    `@forward(%x)` becomes `@forward(%x, %h0, %t0)` with `%h0` the `B×H`
    hidden state and `%t0` the trace as `engram.read_trace` returns it
    (`B×N×H`, or `N×H` when batch_mean shares it). The loop starts from
    `%h0`; the trace from `engram.trace_init from %t0`, which rounds to a
    fixed-point or bfloat16 trace's grid. Each argument keeps the start it
    replaces as `engram.default` (`"zeros"`, or the constant `T₀`). The
    CPU target runs it in its entry pass (ABI v2); `engram-run
    --initial-state` runs it on engram IR.

    Before:
    ```mlir
    func.func @forward(%x: tensor<?x?x28xf32>) -> (...) {
      %h0 = tensor.splat %zero[%b] : tensor<?x64xf32>
      %T0 = engram.trace_init from %c batch %b : !engram.trace<?x32x64xf32>
      ... engram.loop %x, %h0, %T0 ...
    ```
    After:
    ```mlir
    func.func @forward(%x: tensor<?x?x28xf32>,
        %h0: tensor<?x64xf32> {engram.default = "zeros"},
        %t0: tensor<?x32x64xf32> {engram.default = dense_resource<...>}) {
      %T0 = engram.trace_init from %t0 : tensor<?x32x64xf32> batch %b
              : !engram.trace<?x32x64xf32>
      ... engram.loop %x, %h0, %T0 ...
    ```
  }];
  let dependentDialects = ["::mlir::engram::EngramDialect"];
}

def EngramCpuEntry : Pass<"engram-cpu-entry", "::mlir::ModuleOp"> {
  let summary = "Make @forward the entry of a CPU artifact and describe it";
  let description = [{
    The first pass of `engram-cpu-pipeline`. Checks that `@forward` has the
    signature of the artifacts' C ABI (one `tensor<BxSxDxf32>` in; the
    output, or the output and the final `h` and trace, out), records what
    the artifact's metadata says about the model (configuration, output,
    compression) as the module attribute `engram.cpu_metadata` and the
    shim's layout table as `engram.cpu_layout`, both of which the CPU
    translation reads once the module is in the LLVM dialect. A model that
    returns its final states gets its initial state as arguments
    (`engram-state-arguments`, ABI v2: `@forward(x, h0, t0)`), and its
    default `T₀` is kept as `engram.cpu_initial_trace` for the shim. Last,
    `@forward` is renamed `@engram_forward` with a C interface.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def EngramCpuBufferize : Pass<"engram-cpu-bufferize", "::mlir::ModuleOp"> {
  let summary = "Bufferize for the CPU target, with results as out-params";
  let description = [{
    One-Shot Bufferize of the whole module (function boundaries included,
    identity layouts); then function results become out-parameters, so that
    `@forward(input, output, h, trace)` writes into buffers its caller owns
    (the C ABI of CPU artifacts). Copies of a view onto itself are dropped
    and copies between strided views become `linalg.copy`, so that no call
    into MLIR's runtime library (`memrefCopy`) is left in the code. Buffers
    carried by the time loop may be fresh allocations each step; the
    deallocation pipeline that follows frees them.
  }];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

//===----------------------------------------------------------------------===//
// engram → snn
//===----------------------------------------------------------------------===//

// The options that decide how the spiking network codes the cell's values,
// which calibration measures and the conversion builds: both passes declare
// them, and the conversion refuses a calibration made for other values.
defvar SnnCodeOptions = [
    Option<"encoding", "encoding", "::mlir::engram::SnnEncoding",
           /*default=*/"::mlir::engram::SnnEncoding::Rate", "rate or graded",
           [{::llvm::cl::values(
             clEnumValN(::mlir::engram::SnnEncoding::Rate, "rate", "values as spike rates"),
             clEnumValN(::mlir::engram::SnnEncoding::Graded, "graded", "values as graded events"))}]>,
    Option<"profile", "profile", "::mlir::snn::Profile",
           /*default=*/"::mlir::snn::Profile::Generic",
           "hardware whose ranges apply: generic, loihi2 or spinnaker",
           [{::llvm::cl::values(
             clEnumValN(::mlir::snn::Profile::Generic, "generic", "no hardware limits"),
             clEnumValN(::mlir::snn::Profile::Loihi2, "loihi2", "Loihi 2"),
             clEnumValN(::mlir::snn::Profile::Spinnaker, "spinnaker", "SpiNNaker"))}]>,
    Option<"recall", "recall", "::mlir::engram::SnnRecall",
           /*default=*/"::mlir::engram::SnnRecall::Auto",
           "auto (kwta when the IR's recall has top_k, else linear), linear "
           "(first-order softmax) or kwta",
           [{::llvm::cl::values(
             clEnumValN(::mlir::engram::SnnRecall::Auto, "auto", "kwta for a top-k recall, else linear"),
             clEnumValN(::mlir::engram::SnnRecall::Linear, "linear", "first-order softmax"),
             clEnumValN(::mlir::engram::SnnRecall::Kwta, "kwta", "k winners take all"))}]>,
    Option<"k", "k", "int64_t", /*default=*/"0",
           "winners of recall=kwta (0: the recall's top_k, or 8)">,
    Option<"percentile", "percentile", "double", /*default=*/"99.5",
           "upper percentile of the calibrated value ranges (rate encoding)">,
    Option<"zeroInput", "zero-input", "::mlir::engram::SnnZeroInput",
           /*default=*/"::mlir::engram::SnnZeroInput::Auto",
           "exact: a detector neuron makes LN1 and ‖z‖ exact on all-zero "
           "input steps (non-negative inputs); ignore: calibrated constants "
           "there too; auto (default): exact except for loihi2 rate coding, "
           "whose fixed-point LIF neurons cannot hold the gates' range",
           [{::llvm::cl::values(
             clEnumValN(::mlir::engram::SnnZeroInput::Auto, "auto", "exact except for loihi2 rates"),
             clEnumValN(::mlir::engram::SnnZeroInput::Exact, "exact", "a detector neuron"),
             clEnumValN(::mlir::engram::SnnZeroInput::Ignore, "ignore", "calibrated constants"))}]>,
    Option<"optionPrefix", "option-prefix", "std::string", /*default=*/"\"\"",
           "how messages name these options: empty (default) as this pass's "
           "options (`timesteps`), or with a driver's prefix (engramc sets "
           "`--snn-`, so that its users read `--snn-timesteps`)">
];

def EngramCalibrateSnn : Pass<"engram-calibrate-snn", "::mlir::ModuleOp"> {
  let summary = "Measure what the spiking conversion approximates, on sample inputs";
  let description = [{
    Runs the engram cell of `@forward` in float64 on the sequences of a
    `.npy` of inputs `B×S×D` (a few hundred sequences of training data) and
    records what `convert-engram-to-snn` needs on the module, as
    `engram.snn_calibration`: the median standard deviations of both layer
    norms and the median `‖z‖` (the constants that replace them), the k-WTA
    threshold and mass (`recall=kwta`), the zero-input detector's constants
    (all-zero steps; needs non-negative inputs), and every population's
    value range (percentiles `100 − p` and `p`, and the largest magnitude)
    as the converted network computes it. It also records the options it
    was made for (encoding, recall, k, percentile, zero-input), which the
    conversion checks against its own. The `.npy` must hold finite float32
    or float64 values.

    ```mlir
    // engram-opt --engram-calibrate-snn="calibration=calib.npy encoding=graded"
    module attributes {engram.snn_calibration = {encoding = "graded", query_norm = 3.1 : f64, ranges = {enc = [...], ...}, ...}} {
      func.func @forward(...)
    }
    ```
  }];
  let options = !listconcat([
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "calibration inputs, a .npy of B×S×D float32/float64 (required)">,
    Option<"calibrationSamples", "calibration-samples", "int64_t",
           /*default=*/"256", "sequences of the calibration file to use">
  ], SnnCodeOptions);
}

def ConvertEngramToSnn : Pass<"convert-engram-to-snn", "::mlir::ModuleOp"> {
  let summary = "Convert the engram cell into a spiking network (snn dialect)";
  let description = [{
    Replaces `@forward` with an `snn.network` that computes the cell with
    spiking populations, one window of `timesteps` timesteps per model step.
    Every approximation is visible in the result (docs/spiking.md measures
    each one on Fashion-MNIST):

    - layer norm: the mean subtraction is folded into the weights exactly;
      the division by the standard deviation becomes a constant, the median
      over the calibration data (a calibrated affine map); on all-zero
      input steps (padding, blank rows), which a detector neuron
      recognises, LN1 and ‖z‖ are exact (`zero-input=exact`, the default
      except for loihi2);
    - cosine similarity: `‖z‖` and `‖E_i‖` become the calibrated median of
      `‖z‖` and the bank's row norms `‖M_i‖`;
    - softmax recall: `recall=linear` (first-order softmax, `a_i = (1 + l_i −
      mean l) / N`), or `recall=kwta` (the `k` largest by a calibrated
      threshold, with lateral inhibition of strength `inhibition`);
    - the Hebbian trace: two plastic projections (encoding → slots for the
      similarity, slots → recall with the encoding as third factor) whose
      weights hold `s·T`, learning `dw = η·s·a·z − η·w` once per window;
      the trace clip becomes their weight bounds; with `learning=off` (and
      always for spinnaker) the trace stays at `T₀`, folded into static
      weights;
    - weights: integers of `weight-bits` bits with a per-projection
      exponent;
    - compressions, as the IR states them: a quantized bank (one scale)
      is the static weights' integers as they are, its scale folded into
      the receiving population's span; a per-row-scaled bank is refused; a
      pruned bank gives its dense rows; a top-k recall is `recall=kwta` with
      `k = top_k` (`recall=auto`); a fixed-point trace gives the plastic
      weights its bits (16 bits are refused on loihi2 while learning);
    - `encoding=rate`: every value is a rate in [0, 1] mapped affinely onto
      the calibrated range of its population (percentiles `100 − p` and
      `p`); values outside it clip. `encoding=graded`: values are the
      payloads of graded events, exact up to the approximations above;
      sigma-delta coded (only changes are sent) unless `sigma-delta` < 0,
      and approximate only when its threshold is above 0.

    `profile=loihi2` with rate encoding uses Loihi's fixed-point LIF
    (`snn.lif_fixed`); otherwise rate-coded neurons are integrate-and-fire
    with reset by subtraction. The calibrated constants come from the
    module's `engram.snn_calibration` (`engram-calibrate-snn`, made with the
    same encoding, recall, k, percentile and zero-input); the network
    carries them as `engram.calibration`.

    ```mlir
    // engram-opt --engram-calibrate-snn="calibration=calib.npy encoding=graded"
    //            --convert-engram-to-snn="encoding=graded timesteps=12"
    snn.network @engram {input_width = 28 : i64, profile = #snn<profile generic>, timesteps = 12 : i64} {
      %x = snn.input "x" graded {gain = dense<1.0> : tensor<28xf64>, offset = 0 : i64} : !snn.population<28>
      %enc = snn.graded "enc" relu {bias = ...} : !snn.population<64>
      snn.dense %x -> %enc {bits = 8 : i64, delay = 0 : i64, exp = -8 : i64, weights = ...}
      ...
    }
    ```
  }];
  let options = !listconcat(SnnCodeOptions, [
    Option<"timesteps", "timesteps", "int64_t", /*default=*/"32",
           "simulator timesteps per model step">,
    Option<"inhibition", "inhibition", "double", /*default=*/"0.0",
           "lateral inhibition between memory slots (recall=kwta)">,
    Option<"weightBits", "weight-bits", "int64_t", /*default=*/"8",
           "magnitude bits of the integer weights (sign apart)">,
    Option<"learning", "learning", "::mlir::engram::SnnLearning",
           /*default=*/"::mlir::engram::SnnLearning::Auto",
           "on: the Hebbian trace is plastic; off: it stays at T0, folded "
           "into static weights (a network with no plasticity, which every "
           "neuromorphic target runs as it is); auto (default): off for "
           "spinnaker, whose PyNN has no three-factor rules, on otherwise",
           [{::llvm::cl::values(
             clEnumValN(::mlir::engram::SnnLearning::Auto, "auto", "off for spinnaker, on otherwise"),
             clEnumValN(::mlir::engram::SnnLearning::On, "on", "plastic trace"),
             clEnumValN(::mlir::engram::SnnLearning::Off, "off", "trace frozen at T0"))}]>,
    Option<"sigmaDelta", "sigma-delta", "double", /*default=*/"0.0",
           "encoding=graded: units send the change of their value when it "
           "exceeds this fraction of their population's calibrated range "
           "(sigma-delta; 0: any change, exact); negative: the value every "
           "timestep">
  ]);
  let dependentDialects = ["::mlir::snn::SnnDialect"];
}

#endif // ENGRAM_PASSES_TD

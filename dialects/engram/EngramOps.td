//===- EngramOps.td - engram dialect operations ------------*- tablegen -*-===//
//
// The ops of the engram dialect, one per equation (or equation group) of
// ENGRAM_SEMANTICS.md. Activation tensors carry the batch as their leading
// dimension; every shape relation between operands is checked by a verifier
// in EngramOps.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_OPS_TD
#define ENGRAM_OPS_TD

include "dialects/engram/EngramDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

def Engram_Tensor : RankedTensorOf<[AnyFloat]>;

/// Ops whose single result gets a readable name in the printed IR.
def Engram_NamedResult : DeclareOpInterfaceMethods<OpAsmOpInterface,
                                                   ["getAsmResultNames"]>;
def Engram_Memory : Type<CPred<"::llvm::isa<::mlir::engram::MemoryType>($_self)">,
                         "engram memory bank", "::mlir::engram::MemoryType">;
def Engram_Trace : Type<CPred<"::llvm::isa<::mlir::engram::TraceType>($_self)">,
                        "engram Hebbian trace", "::mlir::engram::TraceType">;

//===----------------------------------------------------------------------===//
// State
//===----------------------------------------------------------------------===//

def Engram_MemoryOp : Engram_Op<"memory", [Pure, Engram_NamedResult]> {
  let summary = "the constant memory bank M";
  let description = [{
    Materializes the learned memory bank `M` (`cell.memory`, `N×H`) of
    ENGRAM_SEMANTICS.md, "One cell step": `M` is constant over the whole
    sequence. How `value` holds it follows the result type:

    - plain: `value` is the float `N×H` bank;
    - `#engram.quant`: `value` holds the integers `q` (`i8`, within the
      type's range) and `scales` one float per row (`N`) or for the bank
      (`1`); the bank is `q·scale`;
    - `#engram.ell<rowEntries = K>`: `value` holds `K` entries per row
      (`N×K`) and `indices` their columns (`N×K`, `i32`, increasing in
      each row); the other entries are zero. With `#engram.quant` as well,
      the entries are quantized.

    ```mlir
    %M = engram.memory dense_resource<cell.memory> : tensor<32x64xf32>
           -> !engram.memory<32x64xf32>
    %Q = engram.memory dense<...> : tensor<32x64xi8> scales dense<...> : tensor<32xf32>
           -> !engram.memory<32x64xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>
    ```
  }];
  let arguments = (ins ElementsAttr:$value, OptionalAttr<ElementsAttr>:$scales,
                       OptionalAttr<ElementsAttr>:$indices);
  let results = (outs Engram_Memory:$result);
  let assemblyFormat = [{
    $value (`scales` $scales^)? (`indices` $indices^)? attr-dict `->`
    qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Engram_TraceInitOp : Engram_Op<"trace_init",
    [Pure, Engram_NamedResult, AttrSizedOperandSegments]> {
  let summary = "the initial Hebbian trace T₀";
  let description = [{
    Builds `T₀ = cell.trace_init`, or zeros when `from` is absent
    (ENGRAM_SEMANTICS.md, "Initial state"). A per-sequence trace
    (`!engram.trace<?xNxH…>`) copies an `N×H` `T₀` to every sequence of the
    batch and needs the batch size as `batch`; a shared trace takes `T₀` as
    it is. A per-sequence trace may also start `from` a tensor of its own
    shape (`B×N×H`, one trace per sequence): the state a run is resumed
    from (`engram-state-arguments`). A fixed-point or bfloat16 trace rounds
    its initial values to its grid.

    ```mlir
    %T0 = engram.trace_init from %t0 : tensor<32x64xf32> batch %b
            : !engram.trace<?x32x64xf32>
    %S0 = engram.trace_init : !engram.trace<32x64xf32>
    %R0 = engram.trace_init from %t : tensor<?x32x64xf32> batch %b
            : !engram.trace<?x32x64xf32>
    ```
  }];
  let arguments = (ins Optional<Engram_Tensor>:$init, Optional<Index>:$batch);
  let results = (outs Engram_Trace:$result);
  let assemblyFormat = [{
    (`from` $init^ `:` type($init))? (`batch` $batch^)? attr-dict `:` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Engram_ReadTraceOp : Engram_Op<"read_trace", [Pure, Engram_NamedResult]> {
  let summary = "the trace as a tensor, for inspection";
  let description = [{
    Returns the contents of a Hebbian trace as a tensor of the same shape,
    so that the final `T` of every sequence can be returned to the caller
    (ENGRAM_SEMANTICS.md: "final states must be retrievable").

    ```mlir
    %t = engram.read_trace %T : !engram.trace<?x32x64xf32> -> tensor<?x32x64xf32>
    ```
  }];
  let arguments = (ins Engram_Trace:$trace);
  let results = (outs Engram_Tensor:$result);
  let assemblyFormat = [{
    $trace attr-dict `:` qualified(type($trace)) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// One cell step
//===----------------------------------------------------------------------===//

def Engram_EncodeOp : Engram_Op<"encode", [Pure, Engram_NamedResult]> {
  let summary = "input encoder z = relu(x·K_enc + b_enc)";
  let description = [{
    ENGRAM_SEMANTICS.md, "One cell step", first line:
    `z = relu(x·K_enc + b_enc)`, applied to the last dimension. The input is
    one step of the batch (`B×D`) or a whole sequence (`B×S×D`, when the
    encoder has been hoisted out of the time loop).

    ```mlir
    %z = engram.encode %x, %k, %b
           : (tensor<?x28xf32>, tensor<28x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Engram_Tensor:$input, Engram_Tensor:$kernel,
                       Engram_Tensor:$bias);
  let results = (outs Engram_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $kernel `,` $bias attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Engram_LayerNormOp : Engram_Op<"layer_norm", [Pure, Engram_NamedResult]> {
  let summary = "layer norm over the last dimension (LN1, LN2)";
  let description = [{
    ENGRAM_SEMANTICS.md, `LN(v) = (v − mean(v)) / sqrt(var(v) + ε) · γ + β`
    with the population variance over the last dimension. Used for LN1 (the
    encoding) and LN2 (the new state) when `use_layer_norm` is set.

    ```mlir
    %n = engram.layer_norm %z, %gamma, %beta {epsilon = 1.0e-06 : f64}
           : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Engram_Tensor:$input, Engram_Tensor:$gamma,
                       Engram_Tensor:$beta,
                       F64Attr:$epsilon);
  let results = (outs Engram_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Engram_RecallOp : Engram_Op<"recall", [Pure]> {
  let summary = "attention-driven recall from memory and trace";
  let description = [{
    ENGRAM_SEMANTICS.md, "One cell step", the recall block:

    ```
    E   = M + s·T                       (s = scale_factor)
    sim = Ê·ẑ                           (row-wise l2 normalisation, floor 1e-12)
    a   = softmax(sim / τ'),  τ' = τ / (1 + 10·λ)
    m   = aᵀ·E
    ```

    Results are the recall weights `a` (`B×N`) and the recalled memory `m`
    (`B×H`). With a per-sequence trace each sequence sees its own `E`; with
    a shared trace all sequences see the same one.

    With `top_k = K`, only the `K` largest logits of each row (ties: the
    lower slot first) enter the softmax; the other weights are zero.

    ```mlir
    %a, %m = engram.recall %z, %M, %T {scale_factor = 5.0e-01 : f64,
               sparsity_strength = 1.0e-01 : f64, temperature = 1.5 : f64}
           : (tensor<?x64xf32>, !engram.memory<32x64xf32>, !engram.trace<?x32x64xf32>)
             -> (tensor<?x32xf32>, tensor<?x64xf32>)
    ```
  }];
  let arguments = (ins Engram_Tensor:$query, Engram_Memory:$memory,
                       Engram_Trace:$trace, F64Attr:$scale_factor,
                       F64Attr:$temperature, F64Attr:$sparsity_strength,
                       OptionalAttr<I64Attr>:$top_k);
  let results = (outs Engram_Tensor:$weights, Engram_Tensor:$recalled);
  let assemblyFormat = [{
    $query `,` $memory `,` $trace attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The sparsity-sharpened temperature τ' = τ / (1 + 10·λ).
    double getEffectiveTemperature() {
      return getTemperature().convertToDouble() /
             (1.0 + 10.0 * getSparsityStrength().convertToDouble());
    }
  }];
}

def Engram_IntegrateOp : Engram_Op<"integrate", [Pure, Engram_NamedResult]> {
  let summary = "hidden integrator and output transform";
  let description = [{
    ENGRAM_SEMANTICS.md, "One cell step":

    ```
    g  = relu([z, m, h]·K_int + b_int)    (concatenation order z, m, h → 3H)
    h' = relu(g·K_out + b_out)
    ```

    LN2 is a separate `engram.layer_norm` on the result.

    ```mlir
    %h1 = engram.integrate %z, %m, %h, %ki, %bi, %ko, %bo
            : (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>,
               tensor<192x192xf32>, tensor<192xf32>, tensor<192x64xf32>,
               tensor<64xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Engram_Tensor:$encoded, Engram_Tensor:$recalled,
                       Engram_Tensor:$hidden,
                       Engram_Tensor:$integrator_kernel,
                       Engram_Tensor:$integrator_bias,
                       Engram_Tensor:$output_kernel,
                       Engram_Tensor:$output_bias);
  let results = (outs Engram_Tensor:$result);
  let assemblyFormat = [{
    $encoded `,` $recalled `,` $hidden `,` $integrator_kernel `,`
    $integrator_bias `,` $output_kernel `,` $output_bias attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Engram_HebbianUpdateOp : Engram_Op<"hebbian_update", [Pure, Engram_NamedResult]> {
  let summary = "Hebbian trace update T' = clip((1−η)·T + η·(a ⊗ z), −c, c)";
  let description = [{
    ENGRAM_SEMANTICS.md, "One cell step", last line:
    `T' = clip((1 − η)·T + η·(a ⊗ z), −c, c)` with `η = learning_rate` and
    `c = clip`. With a per-sequence trace each sequence uses its own outer
    product `a_b ⊗ z_b`; with a shared trace (`batch_mean`) the outer
    products are averaged over the batch. A fixed-point trace
    (`#engram.fixed<bits, bound = c>`) is updated in integer arithmetic
    (docs/quantization.md): `q' = sat(((q·D + 2^14) >> 15) + round(η·a·z/δ))`
    with `D = round((1 − η)·2^15)`.

    ```mlir
    %T1 = engram.hebbian_update %T, %a, %z {clip = 1.0e-01 : f64,
            learning_rate = 5.0e-02 : f64}
            : (!engram.trace<?x32x64xf32>, tensor<?x32xf32>, tensor<?x64xf32>)
              -> !engram.trace<?x32x64xf32>
    ```
  }];
  let arguments = (ins Engram_Trace:$trace, Engram_Tensor:$weights,
                       Engram_Tensor:$encoded, F64Attr:$learning_rate,
                       F64Attr:$clip);
  let results = (outs Engram_Trace:$result);
  let assemblyFormat = [{
    $trace `,` $weights `,` $encoded attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// The time loop
//===----------------------------------------------------------------------===//

def Engram_LoopOp : Engram_Op<"loop", [
    RecursiveMemoryEffects, SingleBlock,
    DeclareOpInterfaceMethods<OpAsmOpInterface,
                              ["getAsmResultNames", "getAsmBlockArgumentNames"]>]> {
  let summary = "the time loop carrying (h, T) over the steps of a sequence";
  let description = [{
    Runs its body once per time step `t = 1…S` over `input` (`B×S×F`), as in
    ENGRAM_SEMANTICS.md ("State carried from step to step"). The body block
    receives the step's slice `x_t` (`B×F`), the hidden state `h` (`B×H`) and
    the trace `T`, and yields the new `(h', T')`. The results are every
    state `h₁…h_S` stacked (`B×S×H`), the final `h_S` and the final trace.
    The input is the raw sequence (`F = D`) or, once the encoder has been
    hoisted, the encoded one (`F = H`).

    ```mlir
    %hs, %h, %T = engram.loop %x, %h0, %T0
        : (tensor<?x?x28xf32>, tensor<?x64xf32>, !engram.trace<?x32x64xf32>)
          -> (tensor<?x?x64xf32>, tensor<?x64xf32>, !engram.trace<?x32x64xf32>) {
    ^bb0(%xt: tensor<?x28xf32>, %hp: tensor<?x64xf32>, %Tp: !engram.trace<?x32x64xf32>):
      ...
      engram.yield %hn, %Tn : tensor<?x64xf32>, !engram.trace<?x32x64xf32>
    }
    ```
  }];
  let arguments = (ins Engram_Tensor:$input, Engram_Tensor:$init_hidden,
                       Engram_Trace:$init_trace);
  let results = (outs Engram_Tensor:$states, Engram_Tensor:$final_hidden,
                      Engram_Trace:$final_trace);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $input `,` $init_hidden `,` $init_trace attr-dict `:`
    functional-type(operands, results) $body
  }];
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$initHidden,
                   "::mlir::Value":$initTrace,
                   "::mlir::RankedTensorType":$statesType)>
  ];
  let extraClassDeclaration = [{
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
    ::mlir::BlockArgument getStepInput() { return getBodyBlock().getArgument(0); }
    ::mlir::BlockArgument getHidden() { return getBodyBlock().getArgument(1); }
    ::mlir::BlockArgument getTrace() { return getBodyBlock().getArgument(2); }
  }];
}

def Engram_YieldOp : Engram_Op<"yield", [Pure, Terminator, ReturnLike,
                                         HasParent<"LoopOp">]> {
  let summary = "yields the new (h, T) of a step";
  let description = [{
    Terminates the body of `engram.loop` with the state carried to the next
    step: the new hidden state and the new trace.
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

//===----------------------------------------------------------------------===//
// Heads
//===----------------------------------------------------------------------===//

def Engram_PoolOp : Engram_Op<"pool", [Pure, Engram_NamedResult, AttrSizedOperandSegments]> {
  let summary = "reduces the states h₁…h_S: last, attention or sequence";
  let description = [{
    ENGRAM_SEMANTICS.md, "Heads over the sequence of states":

    - `last`: the final state `h_S` (`B×S×H → B×H`);
    - `attention`: `e_t = tanh(h_t·k_pool + b_pool)`, `α = softmax_t(e)`,
      context `Σ_t α_t·h_t` (`B×S×H → B×H`); needs `weights(k_pool, b_pool)`
      with `k_pool: H×1`, `b_pool: 1`;
    - `sequence`: every `h_t` (`B×S×H → B×S×H`), which folds away.

    ```mlir
    %c = engram.pool attention %hs weights(%kp, %bp)
           : (tensor<?x?x64xf32>, tensor<64x1xf32>, tensor<1xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Engram_PoolingKind:$kind, Engram_Tensor:$states,
                       Optional<Engram_Tensor>:$kernel,
                       Optional<Engram_Tensor>:$bias);
  let results = (outs Engram_Tensor:$result);
  let assemblyFormat = [{
    $kind $states (`weights` `(` $kernel^ `,` $bias `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Engram_ReadoutOp : Engram_Op<"readout", [Pure, Engram_NamedResult]> {
  let summary = "dense readout y = act(v·K + b), softmax or linear";
  let description = [{
    ENGRAM_SEMANTICS.md, "Heads": the optional dense readout
    (`readout.kernel` `H×C`, `readout.bias` `C`) with a `softmax`
    (classifier) or `linear` (regressor) activation, applied to the last
    dimension: per pooled vector (`B×H`) or per time step (`B×S×H`).

    ```mlir
    %y = engram.readout softmax %c, %k, %b
           : (tensor<?x64xf32>, tensor<64x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Engram_Activation:$activation, Engram_Tensor:$input,
                       Engram_Tensor:$kernel, Engram_Tensor:$bias);
  let results = (outs Engram_Tensor:$result);
  let assemblyFormat = [{
    $activation $input `,` $kernel `,` $bias attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // ENGRAM_OPS_TD

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

def EngramCpuBufferize : Pass<"engram-cpu-bufferize", "::mlir::ModuleOp"> {
  let summary = "Bufferize for the CPU target, with results as out-params";
  let description = [{
    One-Shot Bufferize of the whole module (function boundaries included,
    identity layouts), with `linalg.copy` as the copy op so that no call to
    MLIR's runtime library (`memrefCopy`) is left in the code; then function
    results become out-parameters, so that `@forward(input, output, h,
    trace)` writes into buffers its caller owns (the C ABI of CPU artifacts).
    Buffers carried by the time loop may be fresh allocations each step;
    the deallocation pipeline that follows frees them.
  }];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

#endif // ENGRAM_PASSES_TD

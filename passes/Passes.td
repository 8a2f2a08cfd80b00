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

#endif // ENGRAM_PASSES_TD

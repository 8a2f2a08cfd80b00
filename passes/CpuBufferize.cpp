//===- CpuBufferize.cpp - bufferization for the CPU target ----------------===//
//
// Implements --engram-cpu-bufferize: One-Shot module bufferization with
// linalg.copy for copies, then results promoted to out-parameters.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMCPUBUFFERIZE
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

/// memref.copy between strided views would lower to a call into MLIR's
/// runtime library (memrefCopy), which artifacts do not link: copy with
/// linalg.copy instead, which becomes loops. Contiguous copies stay
/// memref.copy and become memcpy.
struct StridedCopyToLinalg : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp copy,
                                PatternRewriter &rewriter) const override {
    auto source = cast<MemRefType>(copy.getSource().getType());
    auto target = cast<MemRefType>(copy.getTarget().getType());
    if (source.getLayout().isIdentity() && target.getLayout().isIdentity())
      return rewriter.notifyMatchFailure(copy, "contiguous copy");
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                copy.getTarget());
    return success();
  }
};

struct CpuBufferizePass
    : public mlir::engram::impl::EngramCpuBufferizeBase<CpuBufferizePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bufferization::OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = true;
    options.setFunctionBoundaryTypeConversion(
        bufferization::LayoutMapOption::IdentityLayoutMap);
    options.allowReturnAllocsFromLoops = true;
    bufferization::BufferizationState state;
    if (failed(bufferization::runOneShotModuleBufferize(module, options,
                                                        state)))
      return signalPassFailure();

    bufferization::BufferResultsToOutParamsOpts outParams;
    outParams.modifyPublicFunctions = true;
    // Internal functions (batch tiles) keep returning their buffers: their
    // results may have a dynamic number of steps.
    outParams.filterFn = [](func::FuncOp *func) { return func->isPublic(); };
    // Results allocated in the function are written in the caller's buffer.
    outParams.hoistStaticAllocs = true;
    outParams.hoistDynamicAllocs = true;
    if (failed(bufferization::promoteBufferResultsToOutParams(module,
                                                              outParams)))
      return signalPassFailure();

    // Drop copies of a view onto itself (left where a tile was written in
    // place), then make the remaining strided copies linalg.copy.
    RewritePatternSet patterns(&getContext());
    memref::CopyOp::getCanonicalizationPatterns(patterns, &getContext());
    patterns.add<StridedCopyToLinalg>(&getContext(), /*benefit=*/0);
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

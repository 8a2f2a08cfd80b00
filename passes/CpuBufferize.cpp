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
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

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

/// Drops the results of `func` that return one of its own arguments: the
/// caller already has them. (Upstream's drop-equivalent-buffer-results
/// leaves public functions alone; the entry point has no callers in the
/// module to update.)
void dropResultsThatAreArguments(func::FuncOp func) {
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  llvm::BitVector dropped(func.getNumResults());
  for (auto [i, operand] : llvm::enumerate(ret.getOperands())) {
    Value value = operand;
    while (auto cast = value.getDefiningOp<memref::CastOp>())
      value = cast.getSource();
    auto argument = dyn_cast<BlockArgument>(value);
    if (argument && argument.getOwner() == &func.getBody().front())
      dropped.set(i);
  }
  if (dropped.none())
    return;
  ret->eraseOperands(dropped);
  (void)func.eraseResults(dropped);
}

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

    // Fold what bufferization leaves behind: copies of a view onto itself
    // (tiles written in place) and loops that carry a buffer unchanged, so
    // that results written into an argument are seen to be that argument.
    OpPassManager cleanup(ModuleOp::getOperationName());
    cleanup.addPass(createCSEPass());
    cleanup.addPass(createCanonicalizerPass());
    if (failed(runPipeline(cleanup, module)))
      return signalPassFailure();

    // Results written in place into an argument (destination passing) are
    // dropped; the others become out-parameters.
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        dropResultsThatAreArguments(func);
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

    RewritePatternSet patterns(&getContext());
    patterns.add<StridedCopyToLinalg>(&getContext());
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

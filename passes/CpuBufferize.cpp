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

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMCPUBUFFERIZE
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

LogicalResult linalgCopy(OpBuilder &b, Location loc, Value from, Value to) {
  linalg::CopyOp::create(b, loc, from, to);
  return success();
}

struct CpuBufferizePass
    : public mlir::engram::impl::EngramCpuBufferizeBase<CpuBufferizePass> {
  void runOnOperation() override {
    bufferization::OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = true;
    options.setFunctionBoundaryTypeConversion(
        bufferization::LayoutMapOption::IdentityLayoutMap);
    options.allowReturnAllocsFromLoops = true;
    options.memCpyFn = linalgCopy;
    bufferization::BufferizationState state;
    if (failed(bufferization::runOneShotModuleBufferize(getOperation(), options,
                                                        state)))
      return signalPassFailure();

    bufferization::BufferResultsToOutParamsOpts outParams;
    outParams.modifyPublicFunctions = true;
    outParams.memCpyFn = linalgCopy;
    if (failed(bufferization::promoteBufferResultsToOutParams(getOperation(),
                                                              outParams)))
      return signalPassFailure();
  }
};

} // namespace

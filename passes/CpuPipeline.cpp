//===- CpuPipeline.cpp - engram-cpu-pipeline ------------------------------===//
//
// engram → linalg on tensors → fused → bufferized with results as out-params
// → loops → LLVM dialect. engramc's --target=cpu and --emit=linalg|llvm run
// the same stages as `engram-opt --engram-cpu-pipeline`.
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::engram;

void mlir::engram::buildEngramToLinalgStage(OpPassManager &pm) {
  pm.addPass(createConvertEngramToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::engram::buildLinalgToLLVMStage(OpPassManager &pm,
                                          const CpuPipelineOptions &options) {
  // Fuse each step's elementwise chains (bias + relu, the recall's maps).
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  pm.addPass(createEngramCpuBufferize());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());

  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::engram::buildEngramCpuPipeline(OpPassManager &pm,
                                          const CpuPipelineOptions &options) {
  buildEngramToLinalgStage(pm);
  buildLinalgToLLVMStage(pm, options);
}

void mlir::engram::registerEngramPipelines() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "engram-cpu-pipeline",
      "Lower engram IR to the LLVM dialect for the host CPU: linalg on "
      "tensors, elementwise fusion, bufferization with out-params, loops",
      buildEngramCpuPipeline);
}

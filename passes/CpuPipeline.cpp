//===- CpuPipeline.cpp - engram-cpu-pipeline ------------------------------===//
//
// engram (batch tiles) → linalg on tensors → fused → tiled and vectorized →
// bufferized with results as out-params → vectors and loops → LLVM dialect:
// the lowering of the CPU target (backends/cpu), which registers it, after
// its entry pass, as `engram-cpu-pipeline`.
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
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

  if (options.vectorWidth > 1) {
    EngramCpuVectorizeOptions vectorize;
    vectorize.vectorWidth = options.vectorWidth;
    vectorize.tileRows = options.tileRows;
    vectorize.tileVectors = options.tileVectors;
    pm.addNestedPass<func::FuncOp>(createEngramCpuVectorize(vectorize));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createLoopInvariantSubsetHoistingPass());
    pm.addPass(createCSEPass());
  }

  pm.addPass(createEngramCpuBufferize());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Temporaries of a step are allocated once, outside the time loop.
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferLoopHoistingPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
  // Unrolled rather than through stack buffers, which LLVM would allocate
  // anew in every iteration of the time loop.
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));

  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::engram::buildEngramCpuPipeline(OpPassManager &pm,
                                          const CpuPipelineOptions &options) {
  if (options.batchTile > 0) {
    EngramTileBatchOptions tiling;
    tiling.tileSize = options.batchTile;
    tiling.destinationPassing = true;
    pm.addPass(createEngramTileBatch(tiling));
    pm.addPass(createInlinerPass());
    pm.addPass(createSymbolDCEPass());
  }
  buildEngramToLinalgStage(pm);
  buildLinalgToLLVMStage(pm, options);
}

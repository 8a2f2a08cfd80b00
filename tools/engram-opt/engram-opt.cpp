//===- engram-opt.cpp - the engram optimizer driver -----------------------===//
//
// MlirOptMain with the engram dialect, the dialects it is lowered through,
// every engram pass and pipeline and the upstream passes registered: the
// driver of the lit tests.
//
//===----------------------------------------------------------------------===//

#include "dialects/engram/EngramDialect.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::engram::registerDialects(registry);
  // Upstream passes too, so that lit tests can run any stage of a pipeline.
  mlir::registerAllPasses();
  mlir::engram::registerEngramPasses();
  mlir::engram::registerEngramPipelines();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "engram optimizer driver\n", registry));
}

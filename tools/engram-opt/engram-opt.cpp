//===- engram-opt.cpp - the engram optimizer driver -----------------------===//
//
// MlirOptMain with the engram dialect, the dialects it is lowered through and
// every engram pass and pipeline registered: the driver of the lit tests.
//
//===----------------------------------------------------------------------===//

#include "dialects/engram/EngramDialect.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::engram::registerDialects(registry);
  mlir::registerTransformsPasses();
  mlir::engram::registerEngramPasses();
  mlir::engram::registerEngramPipelines();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "engram optimizer driver\n", registry));
}

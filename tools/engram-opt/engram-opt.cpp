//===- engram-opt.cpp - the engram optimizer driver -----------------------===//
//
// MlirOptMain with the engram dialect, the dialects it is lowered through,
// every engram pass and pipeline and the upstream passes registered: the
// driver of the lit tests.
//
//===----------------------------------------------------------------------===//

#include "dialects/engram/EngramDialect.h"
#include "passes/Passes.h"
#include "compiler/Phases.h"
#include "compiler/Target.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "tools/ToolSupport.h"

/// The head of --help: engram's own passes before the alphabetical list of
/// every registered pass (test/Tools/tool-conventions.test keeps it in step
/// with passes/Passes.td).
static const char *const kOverview = R"(engram optimizer driver

engram's passes (options: docs/reference/Passes.md):
  --engram-hoist-encoder      encode the whole sequence before the time loop
  --engram-quantize-memory    int8/int4/binary memory bank, fixed-point trace
  --engram-sparsify-memory    top-k recall and magnitude pruning of the bank
  --engram-tile-batch         run a per-sequence model on batch tiles
  --engram-state-arguments    the initial state (h0, T0) as arguments
  --convert-engram-to-linalg  lower engram to linalg, tensor, scf, arith
  --engram-cpu-vectorize      tile and vectorize for the host CPU
  --engram-cpu-bufferize      bufferize with results as out-params
  --engram-calibrate-snn      measure the spiking approximations on inputs
  --convert-engram-to-snn     the cell as a spiking network (snn dialect)
  --engram-cpu-entry          @forward as a CPU artifact's entry
engram's pipelines (what engramc runs; options as engramc's flags):
  --engram-snn-pipeline       engram IR to a spiking network (--emit=snn)
)";

/// The overview with a pipeline per registered target.
static std::string overview() {
  std::string text = kOverview;
  for (const engram::compiler::Target *target :
       engram::compiler::allTargets()) {
    std::string flag = ("--engram-" + target->name() + "-pipeline").str();
    text += "  " + flag + std::string(flag.size() < 28 ? 28 - flag.size() : 1, ' ') +
            "what --target=" + target->name().str() + " runs before its output\n";
  }
  return text + "Every upstream MLIR pass is registered too; all are listed "
                "below.\n";
}

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::engram::registerDialects(registry);
  // Upstream passes too, so that lit tests can run any stage of a pipeline.
  mlir::registerAllPasses();
  mlir::engram::registerEngramPasses();
  engram::compiler::registerAllTargets();
  engram::compiler::registerCompilerPipelines();
  // MlirOptMain registers its own options when it parses: they stay listed.
  engram::tools::organizeOptions("engram-opt", [] {});
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, overview(), registry));
}

//===- engram-translate.cpp - each target's last step out of IR -----------===//
//
// Every registered target's translation as an MLIR translation,
// `--engram-to-<target>`: it reads the IR that `engram-opt
// --engram-<target>-pipeline` leaves and writes what `engramc
// --target=<target>` writes (a shared object, a CUDA bundle, a Lava graph, a
// NIR file, a PyNN script and its weights beside it). `--target-options`
// takes the target's own options as its pipeline does (`cpu=x86-64-v3`).
//
//===----------------------------------------------------------------------===//

#include "tools/ToolSupport.h"

#include "compiler/OptionSet.h"
#include "compiler/Target.h"
#include "passes/Passes.h"
#include "runtime/Files.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/Timing.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"

#include <cstdio>

using namespace mlir;
using namespace ::engram::compiler;

namespace {

llvm::cl::OptionCategory category("Engram translation options");

llvm::cl::opt<std::string> targetOptions(
    "target-options", llvm::cl::cat(category),
    llvm::cl::desc("The target's own options, as its engram-<target>-pipeline "
                   "takes them (`cpu=x86-64-v3 vector-width=8`)"),
    llvm::cl::init(""));

/// The -o path of mlir-translate's main: a bundle names its companions
/// after it ("-" when the output is stdout).
std::string outputPath() {
  auto &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("o");
  if (it == options.end())
    return "-";
  return static_cast<llvm::cl::opt<std::string> *>(it->second)->getValue();
}

/// Writes the target's output for `module` to `os`, and a bundle's
/// companions beside the -o file.
LogicalResult translate(const Target &target, Operation *op,
                        llvm::raw_ostream &os) {
  auto module = dyn_cast<ModuleOp>(op);
  // An error about the whole module names its file and line; the module
  // printed after it, which mlir-translate's main asks for, would bury it.
  op->getContext()->printOpOnDiagnostic(false);
  auto fail = [&](const llvm::Twine &message) {
    emitError(op->getLoc()) << message;
  };
  auto warn = [&](const llvm::Twine &message) {
    emitWarning(op->getLoc()) << message;
  };
  std::unique_ptr<OptionSet> own = target.createOptions();
  if (!targetOptions.empty()) {
    if (!own) {
      fail("--target=" + target.name() + " has no options of its own");
      return failure();
    }
    SmallVector<OptionSet *> sets{own.get()};
    if (failed(parseIntoSets(targetOptions, sets, [&](const llvm::Twine &m) {
          fail("--target-options: " + m);
          return failure();
        })))
      return failure();
  }
  CompilerOptions options;
  options.targetOptions = own.get();
  DefaultTimingManager timing;
  TimingScope scope = timing.getRootScope();
  std::string path = outputPath();
  EmitRequest request{options, "", path, scope, fail, warn};
  FailureOr<Output> output = target.emit(module, request);
  if (failed(output))
    return failure();
  for (const auto &[companion, bytes] : output->companions)
    if (auto status = ::engram::runtime::writeFileAtomic(companion, bytes);
        !status) {
      fail(status.message());
      return failure();
    }
  os << output->bytes;
  return success();
}

/// `--engram-to-<target>` for every registered target.
void registerTranslations() {
  for (const Target *target : allTargets()) {
    std::string name = ("engram-to-" + target->name()).str();
    std::string description =
        ("the last step of --target=" + target->name() + ": " +
         target->description())
            .str();
    // The registry keeps the names and descriptions it is given.
    static std::vector<std::unique_ptr<std::string>> kept;
    kept.push_back(std::make_unique<std::string>(name));
    kept.push_back(std::make_unique<std::string>(description));
    TranslateFromMLIRRegistration(
        *kept[kept.size() - 2], *kept.back(),
        [target](Operation *op, llvm::raw_ostream &os) {
          return translate(*target, op, os);
        },
        [](DialectRegistry &registry) {
          mlir::engram::registerDialects(registry);
        });
  }
}

} // namespace

int main(int argc, char **argv) {
  registerAllTargets();
  registerTranslations();
  ::engram::tools::organizeOptions("engram-translate", [] {});
  return failed(mlirTranslateMain(argc, argv, "engram translation driver"));
}

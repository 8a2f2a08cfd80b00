//===- Compiler.cpp - from an input file to what a target writes ----------===//

#include "compiler/Compiler.h"

#include "compiler/Phases.h"
#include "dialects/snn/SnnOps.h"
#include "passes/ModelToEngram.h"
#include "runtime/Package.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"

using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::success;
using mlir::ModuleOp;
using mlir::MLIRContext;
using mlir::OpPassManager;
using mlir::OpPrintingFlags;
using mlir::Operation;
using mlir::OwningOpRef;
using mlir::PassManager;
using mlir::TimingScope;
using mlir::WalkResult;
using namespace engram::compiler;

mlir::Operation *::engram::compiler::findNetwork(ModuleOp module) {
  Operation *found = nullptr;
  module.walk([&](mlir::snn::NetworkOp op) {
    found = op;
    return WalkResult::interrupt();
  });
  return found;
}

namespace {
OwningOpRef<ModuleOp> parseMlir(MLIRContext &context,
                                llvm::SourceMgr &sourceMgr,
                                llvm::StringRef path, FailFn fail) {
  std::string error;
  auto file = mlir::openInputFile(path, &error);
  if (!file) {
    fail(error);
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return mlir::parseSourceFile<ModuleOp>(sourceMgr, &context);
}

OwningOpRef<ModuleOp> readInput(MLIRContext &context,
                                llvm::SourceMgr &sourceMgr,
                                llvm::StringRef path,
                                const InputOptions &options, FailFn fail) {
  if (path != "-" && ::engram::runtime::isPackagePath(path.str())) {
    auto model = ::engram::runtime::loadPackage(path.str());
    if (!model) {
      fail(model.status().message());
      return nullptr;
    }
    return mlir::engram::importModel(&context, *model, path);
  }
  if (path != "-")
    if (const InputFormat *format = lookupInputFormat(path))
      return format->import(context, path, options, fail);
  return parseMlir(context, sourceMgr, path, fail);
}
} // namespace

OwningOpRef<ModuleOp> engram::compiler::loadInput(MLIRContext &context,
                                                  llvm::SourceMgr &sourceMgr,
                                                  llvm::StringRef path,
                                                  const InputOptions &options,
                                                  FailFn fail) {
  if (!path.ends_with(".nir") &&
      (options.nirDt || options.nirTimesteps ||
       options.nirSemantics != NirSemantics::File ||
       options.nirIntegration != NirIntegration::File)) {
    fail("--nir-dt, --nir-timesteps, --nir-semantics and --nir-integration "
         "are for .nir inputs");
    return nullptr;
  }
  OwningOpRef<ModuleOp> module =
      readInput(context, sourceMgr, path, options, fail);
  if (!module || failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

bool Plan::binary() const {
  return target && stage.empty() && target->outputKind() == OutputKind::File;
}

namespace {
bool hasStage(const Target &target, llvm::StringRef stage) {
  return llvm::any_of(target.stages(),
                      [&](const Stage &s) { return s.name == stage; });
}

/// The target of a stage that only that target has, for a message.
Target *ownerOfStage(llvm::StringRef stage) {
  for (Target *target : allTargets())
    if (hasStage(*target, stage))
      return target;
  return nullptr;
}

/// The stages `target` emits, sorted.
std::string stagesOf(const Target &target) {
  llvm::SmallVector<std::string> names{"engram"};
  if (target.spiking())
    names.push_back("snn");
  for (const Stage &stage : target.stages())
    names.push_back(stage.name);
  llvm::sort(names);
  return llvm::join(names, ", ");
}

/// The target of `options`, or the one its stage implies; null if none.
FailureOr<Target *> resolveTarget(const CompilerOptions &options,
                                  FailFn fail) {
  llvm::StringRef stage = options.emit;
  if (!options.target.empty()) {
    if (Target *target = lookupTarget(options.target))
      return target;
    fail("unknown target '" + options.target + "'");
    return failure();
  }
  if (stage.empty() || stage == "engram" || stage == "snn")
    return static_cast<Target *>(nullptr);
  if (Target *target = targetImpliedByStage(stage))
    return target;
  if (Target *owner = ownerOfStage(stage))
    fail("--emit=" + stage + " needs --target=" + owner->name());
  else
    fail("unknown stage '" + stage + "'");
  return failure();
}
} // namespace

FailureOr<Plan> engram::compiler::makePlan(const CompilerOptions &options,
                                           FailFn fail) {
  FailureOr<Target *> target = resolveTarget(options, fail);
  if (failed(target))
    return failure();
  Plan plan{*target, options.emit};
  if (!plan.target && plan.stage.empty())
    plan.stage = "engram";
  bool spiking = plan.target && plan.target->spiking();
  if (options.snnGiven && plan.stage != "snn" && !spiking) {
    fail("the --snn-* options need --emit=snn or a neuromorphic target");
    return failure();
  }
  if (plan.stage == "snn" && plan.target && !spiking) {
    fail("--emit=snn is a target of its own; drop --target");
    return failure();
  }
  if (plan.target && !plan.stage.empty() && plan.stage != "engram" &&
      plan.stage != "snn" && !hasStage(*plan.target, plan.stage)) {
    fail("--target=" + plan.target->name() + " emits " +
         plan.target->artifact() + " (default) or --emit=" +
         stagesOf(*plan.target));
    return failure();
  }
  return plan;
}

LogicalResult engram::compiler::populatePlan(OpPassManager &pm,
                                             const CompilerOptions &options,
                                             const Plan &plan, ModuleOp module,
                                             FailFn fail) {
  bool spikingInput = findNetwork(module) != nullptr;
  bool converts = plan.stage == "snn" || (plan.target && plan.target->spiking());
  if (spikingInput && converts && options.snnGiven) {
    fail("the --snn-* options convert engram models; the input is already a "
         "spiking network");
    return failure();
  }
  return populateCompilerPipeline(pm, options, plan.target, plan.stage,
                                  spikingInput, fail);
}

namespace {
std::string print(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, OpPrintingFlags());
  os << "\n";
  return text;
}
} // namespace

FailureOr<Output> engram::compiler::compile(
    ModuleOp module, const CompilerOptions &options, const Plan &plan,
    llvm::StringRef outputPath, TimingScope &timing,
    llvm::function_ref<LogicalResult(PassManager &)> configure, FailFn fail,
    FailFn warn) {
  auto pm = PassManager::on<ModuleOp>(module.getContext());
  if (failed(configure(pm)))
    return failure();
  pm.enableTiming(timing);
  if (failed(populatePlan(pm, options, plan, module, fail)) ||
      failed(pm.run(module)))
    return failure();
  if (!plan.target || plan.stage == "engram" || plan.stage == "snn")
    return Output{print(module), {}};
  EmitRequest request{options, plan.stage, outputPath, timing, fail, warn};
  return plan.target->emit(module, request);
}

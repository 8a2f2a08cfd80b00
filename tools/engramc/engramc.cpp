//===- engramc.cpp - the engram compiler driver ---------------------------===//
//
// engramc INPUT [--target=NAME] [--emit=STAGE] [-o FILE] [--print-pipeline]
//               [compression, --snn-* and target flags]
//
// Maps the command line onto the compiler library (compiler/): every flag
// but the driver's own is declared once, by the phase or target that reads
// it; the targets and their stages come from the registry. Reads a model
// package, MLIR text or a registered input format, and writes what the
// target produces. Every failure exits with code 1 and leaves no output
// file behind.
//
//===----------------------------------------------------------------------===//

#include "compiler/Compiler.h"
#include "compiler/Flags.h"
#include "compiler/Phases.h"
#include "passes/Passes.h"
#include "runtime/Files.h"
#include "runtime/Text.h"
#include "tools/ToolSupport.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

#include <cstdio>

using namespace mlir;
using namespace ::engram::compiler;
namespace cl = llvm::cl;

namespace {

// Categories sort by name in --help: engram's come first ('E' < 'G', 'M').
cl::OptionCategory category("Engram options");
cl::OptionCategory snnCategory("Engram options of spiking conversion "
                               "(--emit=snn, lava, nir, spinnaker; "
                               "docs/spiking.md)");
cl::OptionCategory nirCategory("Engram options of .nir inputs");

cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<model package directory, model.json, "
                                        ".mlir file ('-' for stdin MLIR) or "
                                        "spiking network (.pb, .nir)>"),
                               cl::cat(category));
cl::opt<std::string> outputPath("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
// --target and --emit take names from the target registry (added in main);
// a value is the index of its name.
enum Choice : int { kNone = -1 };
/// Lists the valid names when a value is none of them.
using ChoiceParser = mlir::engram::NamedValueParser<Choice>;
std::vector<llvm::StringRef> targetNames, emitNames;
cl::opt<Choice, false, ChoiceParser>
    target("target", cl::desc("Compile for a target"), cl::init(kNone),
           cl::cat(category));
cl::opt<Choice, false, ChoiceParser>
    emit("emit", cl::desc("Stage to stop after and print"), cl::init(kNone),
         cl::cat(category));

/// Adds `name` to the values of `option`.
void addChoice(cl::opt<Choice, false, ChoiceParser> &option,
               std::vector<llvm::StringRef> &names, llvm::StringRef name,
               llvm::StringRef help) {
  if (llvm::is_contained(names, name))
    return;
  option.getParser().addLiteralOption(name, Choice(names.size()), help);
  names.push_back(name);
}

std::string nameOf(Choice choice, const std::vector<llvm::StringRef> &names) {
  return choice == kNone ? "" : names[choice].str();
}
cl::opt<bool> printPipeline(
    "print-pipeline",
    cl::desc("Print the passes engramc would run, as a pipeline for "
             "engram-opt --pass-pipeline, and stop"),
    cl::init(false), cl::cat(category));

int fail(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "engramc")
      << ::engram::runtime::printable(message.str()) << "\n";
  return 1;
}
void report(const Twine &message) { fail(message); }
void warn(const Twine &message) {
  llvm::WithColor::warning(llvm::errs(), "engramc")
      << ::engram::runtime::printable(message.str()) << "\n";
}

/// Adds the registered targets and stages to --target and --emit.
void addChoices() {
  for (Target *t : allTargets()) {
    addChoice(target, targetNames, t->name(), t->description());
    for (const Stage &stage : t->stages())
      addChoice(emit, emitNames, stage.name, stage.description);
  }
  addChoice(emit, emitNames, "engram", "the engram dialect");
  addChoice(emit, emitNames, "snn",
            "the spiking network (snn dialect) of convert-engram-to-snn; "
            "needs --snn-calibration");
}

/// The options the command line asks for; false after an error.
bool makeOptions(CompilerFlags &flags, ForwardedOptions &forwarded,
                 TargetFlags &targetFlags, CompilerOptions &options) {
  if (!forwarded.apply() || failed(toCompilerOptions(flags, options, report)))
    return false;
  options.target = nameOf(target, targetNames);
  options.emit = nameOf(emit, emitNames);
  // --emit=llvm implies --target=cpu.
  const Target *chosen = options.target.empty()
                             ? targetImpliedByStage(options.emit)
                             : lookupTarget(options.target);
  return targetFlags.apply(chosen, options.targetOptions, report);
}

/// Writes the companions, then the main output; nothing is left on failure.
int writeOutput(const Output &output, const std::string &path) {
  for (const auto &[companion, bytes] : output.companions)
    if (auto status = ::engram::runtime::writeFileAtomic(companion, bytes);
        !status)
      return fail(status.message());
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file) {
    for (const auto &companion : output.companions)
      std::remove(companion.first.c_str());
    return fail(error);
  }
  file->os() << output.bytes;
  file->keep();
  return 0;
}

int printPipelineOf(ModuleOp module, const CompilerOptions &options,
                    const Plan &plan) {
  auto pm = PassManager::on<ModuleOp>(module.getContext());
  if (failed(populatePlan(pm, options, plan, module, report)))
    return 1;
  pm.printAsTextualPipeline(llvm::outs());
  llvm::outs() << "\n";
  return 0;
}

/// Checks the plan and the output path before any work; the plan, or
/// failure after a message.
FailureOr<Plan> checkRequest(const CompilerOptions &options) {
  FailureOr<Plan> plan = makePlan(options, report);
  if (failed(plan))
    return failure();
  if (outputPath != "-")
    if (auto status = ::engram::runtime::checkOutputPath(outputPath);
        !status) {
      fail(status.message());
      return failure();
    }
  if (plan->binary() && !printPipeline && outputPath == "-" &&
      llvm::sys::Process::StandardOutIsDisplayed()) {
    fail("refusing to write a compiled artifact to the terminal; use -o");
    return failure();
  }
  return plan;
}

/// Reads the input, then prints the pipeline or compiles and writes.
int compileInput(const CompilerOptions &options, const Plan &plan) {
  // lld, which the CPU backend runs in process, resets every command-line
  // option when it finishes: keep what is needed after it.
  std::string outputFile = outputPath, input = inputPath;
  bool pipelineOnly = printPipeline;
  DialectRegistry registry;
  mlir::engram::registerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // One message per error: the location says where, no IR dump after it.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  ::engram::tools::PrintableDiagnostics diagnostics(sourceMgr, &context);
  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  TimingScope timing = timingManager.getRootScope();
  TimingScope loadTimer = timing.nest("Load and verify");
  OwningOpRef<ModuleOp> module =
      loadInput(context, sourceMgr, input, options.input, report);
  loadTimer.stop();
  if (!module)
    return 1;
  if (pipelineOnly)
    return printPipelineOf(*module, options, plan);
  FailureOr<Output> output = compile(
      *module, options, plan, outputFile, timing,
      [](PassManager &pm) { return applyPassManagerCLOptions(pm); }, report,
      warn);
  return failed(output) ? 1 : writeOutput(*output, outputFile);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllTargets();
  CompilerFlags flags;
  ForwardedOptions forwarded(flags, [](StringRef name) -> cl::OptionCategory & {
    return name.starts_with("snn-")   ? snnCategory
           : name.starts_with("nir-") ? nirCategory
                                      : category;
  });
  TargetFlags targetFlags;
  addChoices();
  ::engram::tools::organizeOptions("engramc", [] {
    registerAsmPrinterCLOptions();
    registerMLIRContextCLOptions();
    registerPassManagerCLOptions();
    registerDefaultTimingManagerCLOptions();
  });
  cl::ParseCommandLineOptions(argc, argv, "engram compiler\n");
  // A missing model is reported before any option.
  if (inputPath != "-" && !llvm::sys::fs::exists(inputPath))
    return fail(inputPath + ": cannot read: No such file or directory");
  CompilerOptions options;
  if (!makeOptions(flags, forwarded, targetFlags, options))
    return 1;
  FailureOr<Plan> plan = checkRequest(options);
  return failed(plan) ? 1 : compileInput(options, *plan);
}

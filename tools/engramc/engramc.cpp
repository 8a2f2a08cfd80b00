//===- engramc.cpp - the engram compiler driver ---------------------------===//
//
// engramc MODEL [--emit=engram] [-o FILE]
//
// Reads a model package (directory or model.json) or engram MLIR text,
// verifies it and prints the engram IR. Targets arrive with the backends;
// every failure exits with code 1 and leaves no output file behind.
//
//===----------------------------------------------------------------------===//

#include "passes/Import.h"
#include "passes/Passes.h"
#include "runtime/Package.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Emit { Engram };

cl::OptionCategory category("engramc options");

cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<model package directory, model.json "
                                        "or .mlir file ('-' for stdin MLIR)>"),
                               cl::cat(category));

cl::opt<std::string> outputPath("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));

cl::opt<Emit> emit("emit", cl::desc("Stage to stop after and print"),
                   cl::values(clEnumValN(Emit::Engram, "engram",
                                         "the engram dialect (default)")),
                   cl::init(Emit::Engram), cl::cat(category));

cl::opt<bool> hoistEncoder(
    "hoist-encoder",
    cl::desc("Run --engram-hoist-encoder: encode the whole sequence before "
             "the time loop"),
    cl::init(false), cl::cat(category));

int fail(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "engramc") << message << "\n";
  return 1;
}

/// Reads the input as a package or as MLIR text; diagnostics are printed.
OwningOpRef<ModuleOp> loadInput(MLIRContext &context,
                                llvm::SourceMgr &sourceMgr) {
  if (inputPath != "-" && ::engram::runtime::isPackagePath(inputPath)) {
    auto model = ::engram::runtime::loadPackage(inputPath);
    if (!model) {
      fail(model.status().message());
      return nullptr;
    }
    return mlir::engram::importModel(&context, *model, inputPath);
  }
  std::string error;
  auto file = openInputFile(inputPath, &error);
  if (!file) {
    fail(error);
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &context);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::HideUnrelatedOptions({&category, &cl::getGeneralCategory()});
  cl::ParseCommandLineOptions(argc, argv, "engram compiler\n");

  DialectRegistry registry;
  mlir::engram::registerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  OwningOpRef<ModuleOp> module = loadInput(context, sourceMgr);
  if (!module || failed(verify(*module)))
    return 1;

  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return 1;
  if (hoistEncoder)
    pm.addNestedPass<func::FuncOp>(mlir::engram::createEngramHoistEncoder());
  if (failed(pm.run(*module)))
    return 1;

  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, OpPrintingFlags());
  std::string error;
  auto output = openOutputFile(outputPath, &error);
  if (!output)
    return fail(error);
  output->os() << text;
  output->keep();
  return 0;
}

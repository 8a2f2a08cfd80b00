//===- ToolSupport.cpp - the command-line conventions of engram's tools ---===//
//
// libLLVM registers its options at load time in the general category, so
// everything registered before organizeOptions runs is LLVM's (or the
// tool's own, in an "Engram ..." category).
//
//===----------------------------------------------------------------------===//

#include "tools/ToolSupport.h"

#include "runtime/Text.h"
#include "runtime/Version.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;

namespace engram::tools {

void organizeOptions(llvm::StringRef tool,
                     llvm::function_ref<void()> registerMlirOptions) {
  static cl::OptionCategory mlirCategory(
      "MLIR options (printing, pass manager, timing)");
  auto &options = cl::getRegisteredOptions();
  llvm::DenseSet<cl::Option *> before;
  for (auto &entry : options)
    before.insert(entry.second);
  registerMlirOptions();
  for (auto &entry : options) {
    cl::Option *option = entry.second;
    auto inCategory = [&](llvm::StringRef prefix) {
      return llvm::any_of(option->Categories, [&](cl::OptionCategory *c) {
        return c->getName().starts_with(prefix);
      });
    };
    if (inCategory("Engram") || inCategory("Generic"))
      continue;
    if (before.contains(option))
      option->setHiddenFlag(cl::Hidden);
    else
      option->addCategory(mlirCategory);
  }
  std::string name = tool.str();
  cl::SetVersionPrinter([name](llvm::raw_ostream &os) {
    os << runtime::versionText(name, LLVM_VERSION_STRING " (with MLIR)");
  });
}

PrintableDiagnostics::PrintableDiagnostics(llvm::SourceMgr &sourceMgr,
                                           mlir::MLIRContext *context)
    : format_(sourceMgr, context, os_),
      print_(context, [this](mlir::Diagnostic &diagnostic) {
        text_.clear();
        format_.emitDiagnostic(diagnostic);
        llvm::errs() << runtime::printable(text_);
        return mlir::success();
      }) {}

} // namespace engram::tools

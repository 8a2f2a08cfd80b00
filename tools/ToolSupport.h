//===- ToolSupport.h - conventions of engram's MLIR-based tools -*- C++ -*-===//
//
// What engramc and engram-opt share: `--version` prints engram's version,
// the source revision and the LLVM version; `--help` is not buried under the
// hundreds of options that libLLVM registers for its own back ends (they stay
// reachable through --help-hidden and --help-list-hidden); diagnostics never
// write raw bytes of a file to the terminal.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_TOOLS_TOOLSUPPORT_H
#define ENGRAM_TOOLS_TOOLSUPPORT_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace engram::tools {

/// Hides every option registered so far except engram's own (categories
/// whose name starts with "Engram") and the generic ones (--help,
/// --version); then calls `registerMlirOptions`, whose options are listed
/// in an "MLIR options" category; and installs the version printer of
/// `tool`. Call it first in main, before parsing.
void organizeOptions(llvm::StringRef tool,
                     llvm::function_ref<void()> registerMlirOptions);

/// Prints the diagnostics of `context` to stderr as MLIR's
/// SourceMgrDiagnosticHandler formats them (file, line, the source line),
/// with every byte that is not printable UTF-8 escaped.
class PrintableDiagnostics {
public:
  PrintableDiagnostics(llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context);

private:
  /// MLIR's formatting, writing into text_.
  struct Formatter : mlir::SourceMgrDiagnosticHandler {
    using SourceMgrDiagnosticHandler::emitDiagnostic;
    using SourceMgrDiagnosticHandler::SourceMgrDiagnosticHandler;
  };
  std::string text_;
  llvm::raw_string_ostream os_{text_};
  Formatter format_;
  mlir::ScopedDiagnosticHandler print_;
};

} // namespace engram::tools

#endif // ENGRAM_TOOLS_TOOLSUPPORT_H

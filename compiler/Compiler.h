//===- Compiler.h - from an input file to what a target writes --*- C++ -*-===//
//
// The compiler as a library: read an input (a model package, MLIR text, or a
// file of a registered input format), then run the phases for the target
// and stage CompilerOptions ask for and translate the result. engramc only
// maps its flags onto CompilerOptions and writes what compile returns.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_COMPILER_COMPILER_H
#define ENGRAM_COMPILER_COMPILER_H

#include "compiler/Options.h"
#include "compiler/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/SourceMgr.h"

#include <functional>

namespace engram::compiler {

/// Reports an error that has no location in the IR.
using FailFn = llvm::function_ref<void(const llvm::Twine &)>;

/// Reads `path` ("-": MLIR text on stdin) as a model package, a file of a
/// registered input format (by extension) or MLIR text, and verifies it.
/// Parse errors are diagnostics (MLIR text is kept in `sourceMgr` for
/// them), other errors go through `fail`.
mlir::OwningOpRef<mlir::ModuleOp> loadInput(mlir::MLIRContext &context,
                                            llvm::SourceMgr &sourceMgr,
                                            llvm::StringRef path,
                                            const InputOptions &options,
                                            FailFn fail);

/// What a compilation will do: the target and stage after defaults.
struct Plan {
  Target *target = nullptr; ///< null: IR is printed
  std::string stage;        ///< empty: the target's artifact
  /// Whether the output is binary (a target's artifact, not text).
  bool binary() const;
};

/// Resolves and checks the target and stage of `options`.
mlir::FailureOr<Plan> makePlan(const CompilerOptions &options, FailFn fail);

/// Adds every pass compile runs on `module` for `plan` to `pm`.
mlir::LogicalResult populatePlan(mlir::OpPassManager &pm,
                                 const CompilerOptions &options,
                                 const Plan &plan, mlir::ModuleOp module,
                                 FailFn fail);

/// Runs the phases of `plan` on `module` and returns what to write: the IR
/// of an `--emit` stage as text, or the target's output. `configure` sets up
/// the pass manager (timing, IR printing) before it runs; `warn` gets what
/// the output lacks.
mlir::FailureOr<Output>
compile(mlir::ModuleOp module, const CompilerOptions &options,
        const Plan &plan, llvm::StringRef outputPath,
        mlir::TimingScope &timing,
        llvm::function_ref<mlir::LogicalResult(mlir::PassManager &)> configure,
        FailFn fail, FailFn warn);

/// The module's spiking network, if it has one.
mlir::Operation *findNetwork(mlir::ModuleOp module);

} // namespace engram::compiler

#endif // ENGRAM_COMPILER_COMPILER_H

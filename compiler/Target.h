//===- Target.h - the registry of engram's targets and input formats -*- C++ -*-===//
//
// A target turns engram IR into what a user runs: a shared object, a `.cuda`
// bundle, a Lava graph, a PyNN script, a NIR file. Each backend defines one
// in its own folder and registers it by name (engram_add_target in its
// CMakeLists.txt); engramc and engram-opt ask this
// registry and never name a backend. A target says what it needs of the IR
// (the passes up to the last IR it consumes, registered as
// `engram-<name>-pipeline`) and how the IR leaves MLIR (its translation).
//
// Input formats work the same way: a backend that reads a file of its own
// (a Lava `.pb` graph, a `.nir` file) registers an importer for its
// extension.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_COMPILER_TARGET_H
#define ENGRAM_COMPILER_TARGET_H

#include "compiler/OptionSet.h"
#include "compiler/Options.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace engram::compiler {

/// What a target writes.
enum class OutputKind {
  File,   ///< one binary file (-o): a shared object, a .cuda, a .pb, a .nir
  Bundle, ///< a file and companions beside it (a PyNN script and its .npz)
  Text,   ///< text that may go to the terminal (an --emit stage)
};

/// What a compilation produces: the -o file and the files written beside it.
struct Output {
  std::string bytes;
  /// (path, bytes) of each companion; written before the main file and
  /// removed again when the main file cannot be written.
  std::vector<std::pair<std::string, std::string>> companions;
};

/// A stage a target can stop after (`engramc --emit=NAME`): an IR or a text
/// on the way to its artifact.
struct Stage {
  std::string name;
  std::string description;
  /// Whether `--emit=NAME` alone selects this target (true for the CPU's
  /// linalg, llvm, llvm-ir, asm); otherwise `--target` must name it.
  bool impliesTarget = false;
};

/// What a target's translation is given besides the module.
struct EmitRequest {
  const CompilerOptions &options;
  /// The stage to stop after; empty for the target's artifact.
  llvm::StringRef stage;
  /// The -o path ("-" for stdout); a bundle names its companions after it.
  llvm::StringRef outputPath;
  mlir::TimingScope &timing;
  /// An error or a warning that has no place in the IR, for the user.
  llvm::function_ref<void(const llvm::Twine &)> fail;
  llvm::function_ref<void(const llvm::Twine &)> warn;
};

class Target {
public:
  virtual ~Target();
  /// The name of --target=NAME.
  virtual llvm::StringRef name() const = 0;
  /// One line for --help and docs.
  virtual llvm::StringRef description() const = 0;
  virtual OutputKind outputKind() const = 0;
  /// The --emit stages of this target besides its artifact.
  virtual llvm::ArrayRef<Stage> stages() const { return {}; }
  /// Whether the target consumes a spiking network (snn dialect): engramc
  /// then converts engram models with the --snn-* options first.
  virtual bool spiking() const { return false; }
  /// The hardware profile its spiking conversion defaults to.
  virtual llvm::StringRef defaultSnnProfile() const { return "generic"; }
  /// The code its spiking conversion defaults to: the most accurate one the
  /// target carries, graded events unless it has none (docs/spiking.md).
  virtual mlir::engram::SnnEncoding defaultSnnEncoding() const {
    return mlir::engram::SnnEncoding::Graded;
  }
  /// What the target writes by default, for messages ("a shared object").
  virtual llvm::StringRef artifact() const = 0;
  /// A new set of the target's own options (--cpu, --cuda-arch, ...), or
  /// null: engramc forwards its flags of the same names to it, engram-opt's
  /// `engram-<name>-pipeline{...}` parses them, and the target reads them
  /// back from CompilerOptions::targetOptions.
  virtual std::unique_ptr<OptionSet> createOptions() const { return nullptr; }
  /// Adds the passes that take engram IR, after the compression phase (and
  /// for spiking targets the conversion), to the last IR this target
  /// consumes, stopping early for `stage`. May fail for options only the
  /// target can check (an unknown CPU); errors go through `fail`. By
  /// default none: the target consumes what the phases before it leave.
  virtual mlir::LogicalResult
  buildPipeline(mlir::OpPassManager &pm, const CompilerOptions &options,
                llvm::StringRef stage,
                llvm::function_ref<void(const llvm::Twine &)> fail) const;
  /// Translates the IR that buildPipeline left into the output. Errors are
  /// diagnostics on `module` or messages through the request's `fail`.
  virtual mlir::FailureOr<Output> emit(mlir::ModuleOp module,
                                       const EmitRequest &request) const = 0;
};

/// An importer of a file format that is not a model package or MLIR text:
/// it builds a module from the file (engram or snn dialect).
struct InputFormat {
  /// The file extension it reads, with its dot (".pb").
  std::string extension;
  /// Reads the file; errors without a place in the IR go through `fail`.
  std::function<mlir::OwningOpRef<mlir::ModuleOp>(
      mlir::MLIRContext &context, llvm::StringRef path,
      const InputOptions &options,
      llvm::function_ref<void(const llvm::Twine &)> fail)>
      import;
};

/// Registers a target; its name must be new.
void registerTarget(std::unique_ptr<Target> target);
/// The target named `name`, or null.
Target *lookupTarget(llvm::StringRef name);
/// Every registered target, sorted by name.
std::vector<Target *> allTargets();
/// The target whose stage `stage` implies it (`--emit=linalg` → cpu), or
/// null.
Target *targetImpliedByStage(llvm::StringRef stage);

void registerInputFormat(InputFormat format);
/// The format reading files that end with `path`'s extension, or null.
const InputFormat *lookupInputFormat(llvm::StringRef path);

/// Registers every target and input format built into this binary (the
/// generated AllTargets.cpp calls each backend's registration function).
/// Idempotent.
void registerAllTargets();

} // namespace engram::compiler

#endif // ENGRAM_COMPILER_TARGET_H

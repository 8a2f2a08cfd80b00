//===- OptionSet.h - options defined once, on every command line -*- C++ -*-===//
//
// engram's compiler options are pass options (mlir::detail::PassOptions):
// each is declared once, with its name, type and description, in the struct
// of the phase or target that reads it. engramc exposes each as a flag of the
// same name (forwardToCommandLine), and engram-opt's pipelines accept the
// same names between braces (`engram-cpu-pipeline{cpu=x86-64-v3}`), so the
// two tools cannot drift apart.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_COMPILER_OPTIONSET_H
#define ENGRAM_COMPILER_OPTIONSET_H

#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/CommandLine.h"

#include <memory>
#include <string>
#include <vector>

namespace engram::compiler {

/// A struct of pass options whose options can be listed and looked up.
class OptionSet : public virtual mlir::detail::PassOptions {
public:
  virtual ~OptionSet() = default;
  /// The options, sorted by name.
  std::vector<llvm::cl::Option *> list();
  /// The option named `name`, or null.
  llvm::cl::Option *find(llvm::StringRef name);
};

/// Command-line flags that forward to the options of an OptionSet: each flag
/// has its option's name, description and value name; a value given on the
/// command line is parsed by the option itself, so its type and its valid
/// values are checked where they are declared.
class ForwardedOptions {
public:
  /// Registers a flag for every option of `set` in the category `category`
  /// returns for its name.
  ForwardedOptions(
      OptionSet &set,
      llvm::function_ref<llvm::cl::OptionCategory &(llvm::StringRef)>
          category);
  /// Parses the values given on the command line into the set; false after
  /// an error, which the option has printed.
  bool apply();
  /// Whether any flag was given.
  bool anyGiven() const;

private:
  OptionSet &set_;
  std::vector<std::unique_ptr<llvm::cl::opt<std::string>>> flags_;
  /// cl keeps descriptions and value names by reference.
  std::vector<std::unique_ptr<std::string>> texts_;
};

class Target;

/// The flags of every registered target's options (Target::createOptions),
/// each target's in the --help category "Engram options of --target=NAME".
class TargetFlags {
public:
  /// Registers the flags; call before parsing the command line.
  TargetFlags();
  ~TargetFlags();
  /// Parses the flags given on the command line into the options of
  /// `chosen` and returns them (null if it has none); a flag of another
  /// target is an error through `fail`. False after an error.
  bool apply(const Target *chosen, OptionSet *&options,
             llvm::function_ref<void(const llvm::Twine &)> fail);

private:
  struct Entry;
  std::vector<std::unique_ptr<Entry>> entries_;
};

/// Parses `text` (`name=value name=value ...`, values may be quoted or in
/// braces) into whichever of `sets` declares each name; errors go through
/// `fail`.
mlir::LogicalResult
parseIntoSets(llvm::StringRef text, llvm::ArrayRef<OptionSet *> sets,
              llvm::function_ref<mlir::LogicalResult(const llvm::Twine &)>
                  fail);

} // namespace engram::compiler

#endif // ENGRAM_COMPILER_OPTIONSET_H

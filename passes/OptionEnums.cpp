//===- OptionEnums.cpp - names of the passes' enumerated options ----------===//

#include "passes/OptionEnums.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/ManagedStatic.h"

using namespace mlir::engram;

namespace {
using NamedValues = std::vector<std::pair<llvm::StringRef, llvm::StringRef>>;
llvm::ManagedStatic<llvm::DenseMap<const llvm::cl::Option *, NamedValues>>
    namedValues;
} // namespace

const NamedValues *
mlir::engram::namedValuesOf(const llvm::cl::Option *option) {
  auto it = namedValues->find(option);
  return it == namedValues->end() ? nullptr : &it->second;
}

void mlir::engram::setNamedValues(const llvm::cl::Option *option,
                                  llvm::StringRef name, llvm::StringRef help) {
  (*namedValues)[option].emplace_back(name, help);
}

void mlir::engram::forgetNamedValues(const llvm::cl::Option *option) {
  namedValues->erase(option);
}

llvm::StringRef mlir::engram::stringifySnnEncoding(SnnEncoding value) {
  return value == SnnEncoding::Rate ? "rate" : "graded";
}

llvm::StringRef mlir::engram::stringifySnnRecall(SnnRecall value) {
  return value == SnnRecall::Linear ? "linear" : "kwta";
}

llvm::StringRef mlir::engram::stringifySnnLearning(SnnLearning value) {
  switch (value) {
  case SnnLearning::Auto:
    return "auto";
  case SnnLearning::On:
    return "on";
  case SnnLearning::Off:
    return "off";
  }
  llvm_unreachable("unknown learning");
}

llvm::StringRef mlir::engram::stringifySnnZeroInput(SnnZeroInput value) {
  switch (value) {
  case SnnZeroInput::Auto:
    return "auto";
  case SnnZeroInput::Exact:
    return "exact";
  case SnnZeroInput::Ignore:
    return "ignore";
  }
  llvm_unreachable("unknown zero-input");
}

llvm::StringRef mlir::engram::stringifyQuantizeWhat(QuantizeWhat value) {
  switch (value) {
  case QuantizeWhat::Memory:
    return "memory";
  case QuantizeWhat::Trace:
    return "trace";
  case QuantizeWhat::Both:
    return "both";
  }
  llvm_unreachable("unknown what");
}

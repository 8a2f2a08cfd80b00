//===- OptionEnums.cpp - names of the passes' enumerated options ----------===//

#include "passes/OptionEnums.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/ManagedStatic.h"

using namespace mlir::engram;

namespace {
llvm::ManagedStatic<llvm::DenseMap<const llvm::cl::Option *,
                                   const llvm::cl::generic_parser_base *>>
    parsers;
} // namespace

const llvm::cl::generic_parser_base *
mlir::engram::namedValuesOf(const llvm::cl::Option *option) {
  return parsers->lookup(option);
}

void mlir::engram::rememberParser(const llvm::cl::Option *option,
                                  const llvm::cl::generic_parser_base *parser) {
  (*parsers)[option] = parser;
}

void mlir::engram::forgetParser(const llvm::cl::Option *option) {
  parsers->erase(option);
}

llvm::StringRef mlir::engram::stringifySnnEncoding(SnnEncoding value) {
  return value == SnnEncoding::Rate ? "rate" : "graded";
}

llvm::StringRef mlir::engram::stringifySnnRecall(SnnRecall value) {
  switch (value) {
  case SnnRecall::Auto:
    return "auto";
  case SnnRecall::Linear:
    return "linear";
  case SnnRecall::Kwta:
    return "kwta";
  }
  llvm_unreachable("unknown SnnRecall");
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

llvm::StringRef
mlir::engram::stringifyQuantizeTraceFormat(QuantizeTraceFormat value) {
  switch (value) {
  case QuantizeTraceFormat::Fixed:
    return "fixed";
  case QuantizeTraceFormat::Bf16:
    return "bf16";
  }
  llvm_unreachable("unknown trace format");
}

//===- SnnDialect.h - snn dialect declaration -------------------*- C++ -*-===//
//
// Declares the snn dialect, its population type, its enum attributes and
// the learning-rule attribute.
// Include SnnOps.h for the ops.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_DIALECTS_SNN_SNNDIALECT_H
#define ENGRAM_DIALECTS_SNN_SNNDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "spiking/Rule.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/bit.h"

#include "dialects/snn/SnnDialect.h.inc"
#include "dialects/snn/SnnEnums.h.inc"

namespace engram::spiking {
/// For the terms of #snn.rule, which the context uniques.
inline llvm::hash_code hash_value(const RuleTerm &term) {
  auto [mantissa, exponent] = term.mantissaExponent.value_or(std::pair(0, 0));
  return llvm::hash_combine(
      llvm::bit_cast<uint64_t>(term.coefficient),
      term.mantissaExponent.has_value(), mantissa, exponent,
      static_cast<int>(term.dependency),
      llvm::hash_combine_range(term.powers.begin(), term.powers.end()));
}
} // namespace engram::spiking

#define GET_ATTRDEF_CLASSES
#include "dialects/snn/SnnAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/snn/SnnTypes.h.inc"

#endif // ENGRAM_DIALECTS_SNN_SNNDIALECT_H

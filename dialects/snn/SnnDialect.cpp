//===- SnnDialect.cpp - snn dialect registration --------------------------===//
//
// Registers the snn ops, the population type and the enum attributes, and
// reads and prints #snn.rule with the grammar of spiking/Rule.h.
//
//===----------------------------------------------------------------------===//

#include "dialects/snn/SnnDialect.h"
#include "dialects/snn/SnnOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::snn;

#include "dialects/snn/SnnDialect.cpp.inc"
#include "dialects/snn/SnnEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/snn/SnnAttrs.cpp.inc"
#pragma GCC diagnostic pop

#define GET_TYPEDEF_CLASSES
#include "dialects/snn/SnnTypes.cpp.inc"

LogicalResult
PopulationType::verify(function_ref<InFlightDiagnostic()> emitError,
                       int64_t size) {
  if (size <= 0)
    return emitError() << "a population needs at least one neuron, not "
                       << size;
  return success();
}

//===----------------------------------------------------------------------===//
// #snn.rule
//===----------------------------------------------------------------------===//

/// `<"dw = ...">`: the text is read by spiking::parseRule, whose message
/// (naming the term) is the parse error.
Attribute RuleAttr::parse(AsmParser &parser, Type) {
  std::string text;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseString(&text) || parser.parseGreater())
    return {};
  auto terms = engram::spiking::parseRule(text);
  if (!terms.ok()) {
    parser.emitError(loc) << terms.status().message();
    return {};
  }
  return parser.getChecked<RuleAttr>(loc, parser.getContext(), *terms);
}

void RuleAttr::print(AsmPrinter &printer) const {
  printer << '<';
  printer.printString(str());
  printer << '>';
}

LogicalResult
RuleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                 ArrayRef<engram::spiking::RuleTerm> terms) {
  if (terms.empty())
    return emitError() << "a learning rule needs at least one term";
  for (const auto &term : terms)
    if (!std::isfinite(term.coefficient))
      return emitError() << "a learning rule's coefficients must be finite";
  return success();
}

std::string RuleAttr::str() const {
  return engram::spiking::formatRule(getTerms().data(), getTerms().size());
}

bool RuleAttr::uses(engram::spiking::RuleFactor factor) const {
  return llvm::any_of(getTerms(), [&](const auto &t) { return t.uses(factor); });
}

void SnnDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/snn/SnnTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/snn/SnnAttrs.cpp.inc"
#pragma GCC diagnostic pop
      >();
}

void SnnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/snn/SnnOps.cpp.inc"
#pragma GCC diagnostic pop
      >();
  registerTypes();
}

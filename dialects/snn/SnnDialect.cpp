//===- SnnDialect.cpp - snn dialect registration --------------------------===//
//
// Registers the snn ops, the population type and the enum attributes.
//
//===----------------------------------------------------------------------===//

#include "dialects/snn/SnnDialect.h"
#include "dialects/snn/SnnOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

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

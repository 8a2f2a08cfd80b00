//===- EngramDialect.cpp - engram dialect registration --------------------===//
//
// Registers the engram ops and types with MLIR.
//
//===----------------------------------------------------------------------===//

#include "dialects/engram/EngramDialect.h"
#include "dialects/engram/EngramOps.h"
#include "dialects/engram/EngramTypes.h"

using namespace mlir;
using namespace mlir::engram;

#include "dialects/engram/EngramDialect.cpp.inc"

void EngramDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/engram/EngramOps.cpp.inc"
      >();
  registerTypes();
}

//===- EngramDialect.cpp - engram dialect registration --------------------===//
//
// Registers the engram ops, types and the inliner interface with MLIR.
//
//===----------------------------------------------------------------------===//

#include "dialects/engram/EngramDialect.h"
#include "dialects/engram/EngramOps.h"
#include "dialects/engram/EngramTypes.h"

#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mlir::engram;

#include "dialects/engram/EngramDialect.cpp.inc"

namespace {

/// Every engram op is pure or has a self-contained region, so calls to
/// functions of engram ops (the batch tiles of engram-tile-batch) inline.
struct EngramInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
  bool isLegalToInline(Region *, Region *, bool, IRMapping &) const final {
    return true;
  }
};

} // namespace

void EngramDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/engram/EngramOps.cpp.inc"
#pragma GCC diagnostic pop
      >();
  registerTypes();
  registerAttributes();
  addInterfaces<EngramInlinerInterface>();
}

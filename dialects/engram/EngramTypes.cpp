//===- EngramTypes.cpp - engram memory bank and trace types ---------------===//
//
// Parsing, printing and verification of !engram.memory and !engram.trace.
// Both print their shape like a tensor: `!engram.trace<?x32x64xf32>`.
//
//===----------------------------------------------------------------------===//

#include "dialects/engram/EngramTypes.h"
#include "dialects/engram/EngramDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::engram;

#include "dialects/engram/EngramEnums.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/engram/EngramTypes.cpp.inc"

void EngramDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/engram/EngramTypes.cpp.inc"
      >();
}

ArrayRef<int64_t> mlir::engram::getShapeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.getShape();
  if (auto memory = dyn_cast<MemoryType>(type))
    return memory.getShape();
  if (auto trace = dyn_cast<TraceType>(type))
    return trace.getShape();
  return {};
}

Type mlir::engram::getElementTypeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.getElementType();
  if (auto memory = dyn_cast<MemoryType>(type))
    return memory.getElementType();
  if (auto trace = dyn_cast<TraceType>(type))
    return trace.getElementType();
  return {};
}

/// Parses `<` dims `x` element-type `>`.
static LogicalResult parseShapeAndElement(AsmParser &parser, bool allowDynamic,
                                          SmallVectorImpl<int64_t> &shape,
                                          Type &elementType) {
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, allowDynamic, /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseGreater())
    return failure();
  return success();
}

static void printShapeAndElement(AsmPrinter &printer, ArrayRef<int64_t> shape,
                                 Type elementType) {
  printer << '<';
  for (int64_t dim : shape) {
    if (ShapedType::isDynamic(dim))
      printer << '?';
    else
      printer << dim;
    printer << 'x';
  }
  printer << elementType << '>';
}

/// Checks the slots × width tail shared by both types.
static LogicalResult
verifySlotsAndWidth(function_ref<InFlightDiagnostic()> emitError,
                    StringRef typeName, ArrayRef<int64_t> slotsAndWidth,
                    Type elementType) {
  for (int64_t dim : slotsAndWidth)
    if (ShapedType::isDynamic(dim) || dim <= 0)
      return emitError() << typeName
                         << " slots and width must be static and positive";
  if (!isa<FloatType>(elementType))
    return emitError() << typeName << " element type must be a float type, got "
                       << elementType;
  return success();
}

//===----------------------------------------------------------------------===//
// MemoryType
//===----------------------------------------------------------------------===//

Type MemoryType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<int64_t> shape;
  Type elementType;
  if (failed(parseShapeAndElement(parser, /*allowDynamic=*/false, shape,
                                  elementType)))
    return {};
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), shape, elementType);
}

void MemoryType::print(AsmPrinter &printer) const {
  printShapeAndElement(printer, getShape(), getElementType());
}

LogicalResult MemoryType::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<int64_t> shape, Type elementType) {
  if (shape.size() != 2)
    return emitError() << "memory bank must have shape NxH (slots x width), "
                          "got rank "
                       << shape.size();
  return verifySlotsAndWidth(emitError, "memory bank", shape, elementType);
}

//===----------------------------------------------------------------------===//
// TraceType
//===----------------------------------------------------------------------===//

Type TraceType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<int64_t> shape;
  Type elementType;
  if (failed(parseShapeAndElement(parser, /*allowDynamic=*/true, shape,
                                  elementType)))
    return {};
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), shape, elementType);
}

void TraceType::print(AsmPrinter &printer) const {
  printShapeAndElement(printer, getShape(), getElementType());
}

LogicalResult TraceType::verify(function_ref<InFlightDiagnostic()> emitError,
                                ArrayRef<int64_t> shape, Type elementType) {
  if (shape.size() != 2 && shape.size() != 3)
    return emitError() << "trace must have shape NxH (shared, batch_mean) or "
                          "BxNxH (per_sequence), got rank "
                       << shape.size();
  if (shape.size() == 3 && !ShapedType::isDynamic(shape[0]) && shape[0] <= 0)
    return emitError() << "trace batch size must be positive or dynamic";
  return verifySlotsAndWidth(emitError, "trace", shape.take_back(2),
                             elementType);
}

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

#include <cmath>

using namespace mlir;
using namespace mlir::engram;

#include "dialects/engram/EngramEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/engram/EngramAttrs.cpp.inc"
#pragma GCC diagnostic pop

#define GET_TYPEDEF_CLASSES
#include "dialects/engram/EngramTypes.cpp.inc"

void EngramDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/engram/EngramAttrs.cpp.inc"
#pragma GCC diagnostic pop
      >();
}

//===----------------------------------------------------------------------===//
// Encodings
//===----------------------------------------------------------------------===//

LogicalResult QuantAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                unsigned bits, QuantScale /*scale*/,
                                Rounding rounding, uint64_t seed) {
  if (bits != 1 && bits != 4 && bits != 8)
    return emitError() << "a quantized memory bank has 8, 4 or 1 bits, got "
                       << bits;
  if (seed != 0 && rounding != Rounding::Stochastic)
    return emitError() << "a seed only applies to stochastic rounding";
  return success();
}

LogicalResult FixedAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                unsigned bits, FloatAttr bound) {
  if (bits == 1)
    return emitError() << "a binary trace cannot accumulate Hebbian "
                          "updates; a fixed-point trace has 4, 8 or 16 bits";
  if (bits != 4 && bits != 8 && bits != 16)
    return emitError() << "a fixed-point trace has 4, 8 or 16 bits, got "
                       << bits;
  if (!bound)
    return emitError() << "a fixed-point trace needs a bound";
  double value = bound.getValueAsDouble();
  if (!std::isfinite(value) || value <= 0)
    return emitError() << "the bound of a fixed-point trace must be finite "
                          "and > 0";
  return success();
}

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

/// Parses `<` dims `x` element-type (`,` encoding)* `>`.
static LogicalResult parseShapeAndElement(AsmParser &parser, bool allowDynamic,
                                          SmallVectorImpl<int64_t> &shape,
                                          Type &elementType,
                                          SmallVectorImpl<Attribute> &encodings) {
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, allowDynamic, /*withTrailingX=*/true) ||
      parser.parseType(elementType))
    return failure();
  while (succeeded(parser.parseOptionalComma())) {
    Attribute encoding;
    if (parser.parseAttribute(encoding))
      return failure();
    encodings.push_back(encoding);
  }
  return parser.parseGreater();
}

static void printShapeAndElement(AsmPrinter &printer, ArrayRef<int64_t> shape,
                                 Type elementType,
                                 ArrayRef<Attribute> encodings) {
  printer << '<';
  for (int64_t dim : shape) {
    if (ShapedType::isDynamic(dim))
      printer << '?';
    else
      printer << dim;
    printer << 'x';
  }
  printer << elementType;
  for (Attribute encoding : encodings)
    if (encoding)
      printer << ", " << encoding;
  printer << '>';
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
  SmallVector<Attribute> encodings;
  if (failed(parseShapeAndElement(parser, /*allowDynamic=*/false, shape,
                                  elementType, encodings)))
    return {};
  QuantAttr quant;
  EllAttr sparsity;
  for (Attribute encoding : encodings) {
    if (auto q = dyn_cast<QuantAttr>(encoding); q && !quant)
      quant = q;
    else if (auto e = dyn_cast<EllAttr>(encoding); e && !sparsity)
      sparsity = e;
    else
      return parser.emitError(loc)
                 << "a memory bank takes at most one #engram.quant and one "
                    "#engram.ell encoding, got "
                 << encoding,
             Type();
  }
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), shape, elementType, quant, sparsity);
}

void MemoryType::print(AsmPrinter &printer) const {
  printShapeAndElement(printer, getShape(), getElementType(),
                       {getQuant(), getSparsity()});
}

LogicalResult MemoryType::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<int64_t> shape, Type elementType,
                                 QuantAttr /*quant*/, EllAttr sparsity) {
  if (shape.size() != 2)
    return emitError() << "memory bank must have shape NxH (slots x width), "
                          "got rank "
                       << shape.size();
  if (failed(verifySlotsAndWidth(emitError, "memory bank", shape, elementType)))
    return failure();
  if (sparsity &&
      (sparsity.getRowEntries() < 1 || sparsity.getRowEntries() > shape[1]))
    return emitError() << "a pruned memory bank keeps between 1 and "
                       << shape[1] << " entries per row, got "
                       << sparsity.getRowEntries();
  return success();
}

//===----------------------------------------------------------------------===//
// TraceType
//===----------------------------------------------------------------------===//

Type TraceType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<int64_t> shape;
  Type elementType;
  SmallVector<Attribute> encodings;
  if (failed(parseShapeAndElement(parser, /*allowDynamic=*/true, shape,
                                  elementType, encodings)))
    return {};
  FixedAttr fixed;
  Bf16Attr bf16;
  for (Attribute encoding : encodings) {
    if (auto f = dyn_cast<FixedAttr>(encoding); f && !fixed && !bf16)
      fixed = f;
    else if (auto h = dyn_cast<Bf16Attr>(encoding); h && !fixed && !bf16)
      bf16 = h;
    else
      return parser.emitError(loc)
                 << "a trace takes at most one storage encoding "
                    "(#engram.fixed or #engram.bf16), got "
                 << encoding,
             Type();
  }
  return getChecked([&] { return parser.emitError(loc); }, parser.getContext(),
                    shape, elementType, fixed, bf16);
}

void TraceType::print(AsmPrinter &printer) const {
  printShapeAndElement(printer, getShape(), getElementType(),
                       {getFixed(), getBf16()});
}

LogicalResult TraceType::verify(function_ref<InFlightDiagnostic()> emitError,
                                ArrayRef<int64_t> shape, Type elementType,
                                FixedAttr fixed, Bf16Attr bf16) {
  if (fixed && bf16)
    return emitError() << "a trace is stored either in fixed point or in "
                          "bfloat16, not both";
  if (bf16 && !elementType.isF32())
    return emitError() << "a bfloat16 trace computes in f32, got element "
                          "type "
                       << elementType;
  if (shape.size() != 2 && shape.size() != 3)
    return emitError() << "trace must have shape NxH (shared, batch_mean) or "
                          "BxNxH (per_sequence), got rank "
                       << shape.size();
  if (shape.size() == 3 && !ShapedType::isDynamic(shape[0]) && shape[0] <= 0)
    return emitError() << "trace batch size must be positive or dynamic";
  return verifySlotsAndWidth(emitError, "trace", shape.take_back(2),
                             elementType);
}

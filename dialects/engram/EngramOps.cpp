//===- EngramOps.cpp - engram dialect operations --------------------------===//
//
// Verifiers for every shape relation between the operands of the engram ops,
// the folder of `engram.pool sequence`, and the loop builder. Shapes are
// compared dimension by dimension; a dynamic dimension is compatible with
// any size.
//
//===----------------------------------------------------------------------===//

#include "dialects/engram/EngramOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::engram;

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

/// A dimension that may have any size in an expected shape.
static constexpr int64_t kAny = ShapedType::kDynamic;

static std::string shapeString(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "a scalar";
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shape, os,
      [&](int64_t dim) {
        if (ShapedType::isDynamic(dim))
          os << '?';
        else
          os << dim;
      },
      "x");
  return text;
}

static bool compatible(int64_t lhs, int64_t rhs) {
  return ShapedType::isDynamic(lhs) || ShapedType::isDynamic(rhs) ||
         lhs == rhs;
}

/// Checks that `type` has the `expected` shape; `meaning` names the dims.
static LogicalResult checkShape(Operation *op, StringRef name, Type type,
                                ArrayRef<int64_t> expected,
                                StringRef meaning) {
  ArrayRef<int64_t> actual = getShapeOf(type);
  bool ok = actual.size() == expected.size() &&
            llvm::all_of(llvm::zip(actual, expected), [](auto pair) {
              return compatible(std::get<0>(pair), std::get<1>(pair));
            });
  if (ok)
    return success();
  return op->emitOpError() << name << " must have shape "
                           << shapeString(expected) << " (" << meaning
                           << "), got " << shapeString(actual);
}

/// Checks that every tensor, memory and trace of `op` has one element type.
static LogicalResult checkOneElementType(Operation *op) {
  Type first;
  auto visit = [&](Type type) -> LogicalResult {
    Type element = getElementTypeOf(type);
    if (!element)
      return success();
    if (!first)
      first = element;
    else if (element != first)
      return op->emitOpError()
             << "operands and results must share one element type, got "
             << first << " and " << element;
    return success();
  };
  for (Type type : op->getOperandTypes())
    if (failed(visit(type)))
      return failure();
  for (Type type : op->getResultTypes())
    if (failed(visit(type)))
      return failure();
  return success();
}

static LogicalResult checkRank(Operation *op, StringRef name, Type type,
                               ArrayRef<size_t> ranks, StringRef meaning) {
  size_t rank = getShapeOf(type).size();
  if (llvm::is_contained(ranks, rank))
    return success();
  return op->emitOpError() << name << " must be " << meaning << ", got "
                           << shapeString(getShapeOf(type));
}

/// `shape` with its last dimension replaced by `last`.
static SmallVector<int64_t> withLast(ArrayRef<int64_t> shape, int64_t last) {
  SmallVector<int64_t> result(shape);
  result.back() = last;
  return result;
}

static LogicalResult checkPositiveFinite(Operation *op, StringRef name,
                                         double value, bool allowZero) {
  if (std::isfinite(value) && (value > 0 || (allowZero && value == 0)))
    return success();
  return op->emitOpError() << name << " must be "
                           << (allowZero ? "finite and >= 0" : "finite and > 0")
                           << ", got " << value;
}

//===----------------------------------------------------------------------===//
// State ops
//===----------------------------------------------------------------------===//

/// Checks the integers of a quantized bank against the type's range.
static LogicalResult checkQuantizedValues(MemoryOp op, QuantAttr quant) {
  auto value = dyn_cast<DenseIntElementsAttr>(op.getValue());
  if (!value)
    return op.emitOpError() << "a quantized bank holds dense integer values";
  int64_t bound = quant.getMaxMagnitude();
  for (const APInt &q : value.getValues<APInt>()) {
    int64_t v = q.getSExtValue();
    if (v < -bound || v > bound || (quant.getBits() == 1 && v == 0))
      return op.emitOpError()
             << "value " << v << " is outside the "
             << (quant.getBits() == 1 ? std::string("binary values ±1")
                                      : "range ±" + std::to_string(bound))
             << " of " << quant.getBits() << "-bit storage";
  }
  auto scales = op.getScalesAttr();
  if (!scales)
    return op.emitOpError() << "a quantized bank needs scales";
  int64_t expected =
      quant.getScale() == QuantScale::Row ? op.getType().getSlots() : 1;
  auto scaleType = cast<ShapedType>(scales.getType());
  if (!scaleType.getElementType().isF32() ||
      scaleType.getShape() != ArrayRef<int64_t>{expected})
    return op.emitOpError() << "scales must be tensor<" << expected
                            << "xf32> (one per "
                            << stringifyQuantScale(quant.getScale()) << ")";
  for (const APFloat &scale : cast<DenseFPElementsAttr>(scales)
                                  .getValues<APFloat>())
    if (!scale.isFinite() || scale.isNegative() || scale.isZero())
      return op.emitOpError() << "scales must be finite and > 0";
  return success();
}

/// Checks the column indices of a pruned (ELL) bank.
static LogicalResult checkIndices(MemoryOp op, EllAttr sparsity) {
  auto indices = dyn_cast_or_null<DenseIntElementsAttr>(op.getIndicesAttr());
  MemoryType type = op.getType();
  int64_t rows = type.getSlots(), kept = sparsity.getRowEntries();
  if (!indices || !indices.getElementType().isInteger(32) ||
      indices.getType().getShape() != ArrayRef<int64_t>{rows, kept})
    return op.emitOpError() << "a pruned bank needs indices of type tensor<"
                            << rows << "x" << kept << "xi32>";
  SmallVector<int64_t> all;
  for (const APInt &i : indices.getValues<APInt>())
    all.push_back(i.getSExtValue());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < kept; ++k) {
      int64_t column = all[r * kept + k];
      if (column < 0 || column >= type.getWidth() ||
          (k > 0 && column <= all[r * kept + k - 1]))
        return op.emitOpError()
               << "indices of row " << r
               << " must be increasing columns in [0, " << type.getWidth()
               << ")";
    }
  return success();
}

LogicalResult MemoryOp::verify() {
  auto valueType = cast<ShapedType>(getValue().getType());
  MemoryType type = getType();
  QuantAttr quant = type.getQuant();
  EllAttr sparsity = type.getSparsity();
  if (!quant && getScalesAttr())
    return emitOpError() << "scales given for a bank that is not quantized";
  if (!sparsity && getIndicesAttr())
    return emitOpError() << "indices given for a bank that is not pruned";
  if (!quant && valueType.getElementType() != type.getElementType())
    return emitOpError() << "value element type " << valueType.getElementType()
                         << " does not match the memory bank's "
                         << type.getElementType();
  if (quant && !valueType.getElementType().isInteger(8))
    return emitOpError() << "a quantized bank stores i8 values, got "
                         << valueType.getElementType();
  if (failed(checkShape(*this, "value", valueType,
                        {type.getSlots(), type.getStoredColumns()},
                        sparsity ? "slots x stored entries per row"
                                 : "slots x width of the result")))
    return failure();
  if (quant && failed(checkQuantizedValues(*this, quant)))
    return failure();
  if (sparsity && failed(checkIndices(*this, sparsity)))
    return failure();
  return success();
}

LogicalResult TraceInitOp::verify() {
  TraceType type = getType();
  if (getInit()) {
    if (failed(checkOneElementType(*this)))
      return failure();
    // N×H: the model's T₀, copied to every sequence; the trace's own shape:
    // a state to resume from (a per-sequence trace only, the shared one
    // being N×H either way).
    ArrayRef<int64_t> shape = getShapeOf(getInit().getType());
    bool resumes = !type.isShared() && shape.size() == 3;
    if (failed(checkShape(
            *this, "init", getInit().getType(),
            resumes ? type.getShape()
                    : ArrayRef<int64_t>{type.getSlots(), type.getWidth()},
            resumes ? "the shape of the trace" : "slots x width")))
      return failure();
  }
  bool needsBatch = !type.isShared() && ShapedType::isDynamic(type.getBatch());
  if (needsBatch && !getBatch())
    return emitOpError() << "a per-sequence trace with a dynamic batch needs "
                            "the batch size operand";
  if (!needsBatch && getBatch())
    return emitOpError() << "batch operand given for a trace whose batch is "
                         << (type.isShared() ? "shared" : "static");
  return success();
}

LogicalResult ReadTraceOp::verify() {
  TraceType trace = getTrace().getType();
  if (failed(checkOneElementType(*this)))
    return failure();
  return checkShape(*this, "result", getType(), trace.getShape(),
                    "the shape of the trace");
}

//===----------------------------------------------------------------------===//
// Step ops
//===----------------------------------------------------------------------===//

LogicalResult EncodeOp::verify() {
  Type input = getInput().getType();
  if (failed(checkOneElementType(*this)) ||
      failed(checkRank(*this, "input", input, {2, 3}, "BxD or BxSxD")) ||
      failed(checkRank(*this, "kernel", getKernel().getType(), {2}, "DxH")))
    return failure();
  ArrayRef<int64_t> kernel = getShapeOf(getKernel().getType());
  ArrayRef<int64_t> inShape = getShapeOf(input);
  if (failed(checkShape(*this, "kernel", getKernel().getType(),
                        {inShape.back(), kAny}, "input width x hidden width")) ||
      failed(checkShape(*this, "bias", getBias().getType(), {kernel[1]},
                        "hidden width")))
    return failure();
  return checkShape(*this, "result", getType(), withLast(inShape, kernel[1]),
                    "the input with its last dimension encoded");
}

LogicalResult LayerNormOp::verify() {
  Type input = getInput().getType();
  if (failed(checkOneElementType(*this)) ||
      failed(checkRank(*this, "input", input, {2, 3}, "BxH or BxSxH")))
    return failure();
  int64_t width = getShapeOf(input).back();
  if (failed(checkShape(*this, "gamma", getGamma().getType(), {width},
                        "the normalized width")) ||
      failed(checkShape(*this, "beta", getBeta().getType(), {width},
                        "the normalized width")) ||
      failed(checkShape(*this, "result", getType(), getShapeOf(input),
                        "the shape of the input")))
    return failure();
  return checkPositiveFinite(*this, "epsilon", getEpsilon().convertToDouble(),
                             /*allowZero=*/false);
}

LogicalResult RecallOp::verify() {
  MemoryType memory = getMemory().getType();
  TraceType trace = getTrace().getType();
  int64_t slots = memory.getSlots(), width = memory.getWidth();
  if (failed(checkOneElementType(*this)))
    return failure();
  if (trace.getSlots() != slots || trace.getWidth() != width)
    return emitOpError() << "trace " << shapeString(trace.getShape())
                         << " does not match the memory bank "
                         << shapeString(memory.getShape());
  int64_t batch = trace.isShared() ? kAny : trace.getBatch();
  if (failed(checkShape(*this, "query", getQuery().getType(), {batch, width},
                        "batch x width of the memory bank")))
    return failure();
  int64_t queryBatch = getShapeOf(getQuery().getType())[0];
  if (failed(checkShape(*this, "weights", getWeights().getType(),
                        {queryBatch, slots}, "batch x memory slots")) ||
      failed(checkShape(*this, "recalled", getRecalled().getType(),
                        {queryBatch, width}, "batch x width")))
    return failure();
  if (failed(checkPositiveFinite(*this, "temperature",
                                 getTemperature().convertToDouble(), false)) ||
      failed(checkPositiveFinite(*this, "sparsity_strength",
                                 getSparsityStrength().convertToDouble(),
                                 true)))
    return failure();
  if (!std::isfinite(getScaleFactor().convertToDouble()))
    return emitOpError() << "scale_factor must be finite";
  if (std::optional<int64_t> k = getTopK(); k && (*k < 1 || *k > slots))
    return emitOpError() << "top_k must be in [1, " << slots << "], got "
                         << *k;
  return success();
}

LogicalResult IntegrateOp::verify() {
  if (failed(checkOneElementType(*this)) ||
      failed(checkRank(*this, "hidden", getHidden().getType(), {2}, "BxH")))
    return failure();
  ArrayRef<int64_t> hidden = getShapeOf(getHidden().getType());
  int64_t width = hidden[1];
  if (ShapedType::isDynamic(width))
    return emitOpError() << "hidden width must be static";
  int64_t wide = 3 * width;
  if (failed(checkShape(*this, "encoded", getEncoded().getType(), hidden,
                        "batch x hidden width")) ||
      failed(checkShape(*this, "recalled", getRecalled().getType(), hidden,
                        "batch x hidden width")) ||
      failed(checkShape(*this, "integrator_kernel",
                        getIntegratorKernel().getType(), {wide, wide},
                        "3H x 3H for the concatenation [z, m, h]")) ||
      failed(checkShape(*this, "integrator_bias",
                        getIntegratorBias().getType(), {wide}, "3H")) ||
      failed(checkShape(*this, "output_kernel", getOutputKernel().getType(),
                        {wide, width}, "3H x H")) ||
      failed(checkShape(*this, "output_bias", getOutputBias().getType(),
                        {width}, "H")))
    return failure();
  return checkShape(*this, "result", getType(), hidden,
                    "batch x hidden width");
}

LogicalResult HebbianUpdateOp::verify() {
  TraceType trace = getTrace().getType();
  if (failed(checkOneElementType(*this)))
    return failure();
  if (getType() != trace)
    return emitOpError() << "result type " << getType()
                         << " must equal the trace type " << trace;
  int64_t batch = trace.isShared() ? kAny : trace.getBatch();
  if (failed(checkShape(*this, "weights", getWeights().getType(),
                        {batch, trace.getSlots()}, "batch x memory slots")))
    return failure();
  int64_t weightsBatch = getShapeOf(getWeights().getType())[0];
  if (failed(checkShape(*this, "encoded", getEncoded().getType(),
                        {weightsBatch, trace.getWidth()},
                        "batch x hidden width")))
    return failure();
  double rate = getLearningRate().convertToDouble();
  if (!(rate >= 0 && rate <= 1))
    return emitOpError() << "learning_rate must be in [0, 1], got " << rate;
  double clip = getClip().convertToDouble();
  if (failed(checkPositiveFinite(*this, "clip", clip, /*allowZero=*/false)))
    return failure();
  if (FixedAttr fixed = trace.getFixed()) {
    double bound = fixed.getBound().getValueAsDouble();
    if (std::abs(bound - clip) > 1e-12 * clip)
      return emitOpError() << "a fixed-point trace saturates at its bound "
                           << bound << ", which must be the clip " << clip;
    if (trace.isShared())
      return emitOpError() << "a fixed-point trace must be per-sequence: the "
                              "batch mean of a shared trace is not an "
                              "integer update";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LoopOp
//===----------------------------------------------------------------------===//

void LoopOp::build(OpBuilder &, OperationState &state, Value input,
                   Value initHidden, Value initTrace,
                   RankedTensorType statesType) {
  state.addOperands({input, initHidden, initTrace});
  state.addTypes({statesType, initHidden.getType(), initTrace.getType()});
  auto inputType = cast<RankedTensorType>(input.getType());
  auto stepType = RankedTensorType::get(
      {inputType.getDimSize(0), inputType.getDimSize(2)},
      inputType.getElementType());
  Region *body = state.addRegion();
  Block *block = new Block();
  body->push_back(block);
  block->addArguments({stepType, initHidden.getType(), initTrace.getType()},
                      {state.location, state.location, state.location});
}

LogicalResult LoopOp::verifyRegions() {
  if (failed(checkOneElementType(*this)) ||
      failed(checkRank(*this, "input", getInput().getType(), {3}, "BxSxF")) ||
      failed(checkRank(*this, "init_hidden", getInitHidden().getType(), {2},
                       "BxH")))
    return failure();
  ArrayRef<int64_t> input = getShapeOf(getInput().getType());
  ArrayRef<int64_t> hidden = getShapeOf(getInitHidden().getType());
  TraceType trace = getInitTrace().getType();
  if (failed(checkShape(*this, "init_hidden", getInitHidden().getType(),
                        {input[0], kAny}, "batch of the input x H")))
    return failure();
  if (!trace.isShared() && !compatible(trace.getBatch(), input[0]))
    return emitOpError() << "per-sequence trace batch "
                         << shapeString(trace.getBatch())
                         << " does not match the input batch "
                         << shapeString(input[0]);
  if (trace.getWidth() != hidden[1] && !ShapedType::isDynamic(hidden[1]))
    return emitOpError() << "trace width " << trace.getWidth()
                         << " does not match the hidden width " << hidden[1];
  if (failed(checkShape(*this, "states", getStates().getType(),
                        {input[0], input[1], hidden[1]},
                        "batch x steps x hidden width")))
    return failure();
  if (getFinalHidden().getType() != getInitHidden().getType() ||
      getFinalTrace().getType() != trace)
    return emitOpError() << "final state types must equal the initial ones";

  Block &body = getBodyBlock();
  Type stepType = RankedTensorType::get(
      {input[0], input[2]},
      cast<RankedTensorType>(getInput().getType()).getElementType());
  SmallVector<Type> expected = {stepType, getInitHidden().getType(), trace};
  if (body.getNumArguments() != 3 ||
      TypeRange(body.getArgumentTypes()) != TypeRange(expected))
    return emitOpError() << "body must take (x_t: " << stepType
                         << ", h: " << expected[1] << ", T: " << trace << ")";
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "body must end with engram.yield";
  if (TypeRange(yield.getValues().getTypes()) !=
      TypeRange(ArrayRef<Type>(expected).drop_front()))
    return yield.emitOpError()
           << "must yield the new (h, T) with types (" << expected[1] << ", "
           << trace << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Heads
//===----------------------------------------------------------------------===//

LogicalResult PoolOp::verify() {
  Type states = getStates().getType();
  if (failed(checkOneElementType(*this)) ||
      failed(checkRank(*this, "states", states, {3}, "BxSxH")))
    return failure();
  ArrayRef<int64_t> shape = getShapeOf(states);
  bool hasWeights = getKernel() || getBias();
  if (getKind() == PoolingKind::Attention) {
    if (!getKernel() || !getBias())
      return emitOpError() << "attention pooling needs weights(kernel, bias)";
    if (failed(checkShape(*this, "kernel", getKernel().getType(),
                          {shape[2], 1}, "H x 1")) ||
        failed(checkShape(*this, "bias", getBias().getType(), {1}, "1")))
      return failure();
  } else if (hasWeights) {
    return emitOpError() << stringifyPoolingKind(getKind())
                         << " pooling takes no weights";
  }
  if (getKind() == PoolingKind::Sequence)
    return checkShape(*this, "result", getType(), shape,
                      "the shape of the states");
  return checkShape(*this, "result", getType(), {shape[0], shape[2]},
                    "batch x hidden width");
}

OpFoldResult PoolOp::fold(FoldAdaptor) {
  // Pooling `sequence` keeps every state: it is the identity.
  if (getKind() == PoolingKind::Sequence && getType() == getStates().getType())
    return getStates();
  return {};
}

LogicalResult ReadoutOp::verify() {
  Type input = getInput().getType();
  if (failed(checkOneElementType(*this)) ||
      failed(checkRank(*this, "input", input, {2, 3}, "BxH or BxSxH")) ||
      failed(checkRank(*this, "kernel", getKernel().getType(), {2}, "HxC")))
    return failure();
  ArrayRef<int64_t> inShape = getShapeOf(input);
  if (failed(checkShape(*this, "kernel", getKernel().getType(),
                        {inShape.back(), kAny}, "hidden width x units")))
    return failure();
  int64_t units = getShapeOf(getKernel().getType())[1];
  if (failed(checkShape(*this, "bias", getBias().getType(), {units},
                        "units")))
    return failure();
  return checkShape(*this, "result", getType(), withLast(inShape, units),
                    "the input with its last dimension read out");
}

//===----------------------------------------------------------------------===//
// Names in the printed IR
//===----------------------------------------------------------------------===//

void MemoryOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), "memory");
}
void TraceInitOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), "trace0");
}
void ReadTraceOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), "trace_value");
}
void EncodeOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), "z");
}
void LayerNormOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), "norm");
}
void IntegrateOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), "h_next");
}
void HebbianUpdateOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), "trace_next");
}
void PoolOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), "pooled");
}
void ReadoutOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), "y");
}

void LoopOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getStates(), "states");
  setName(getFinalHidden(), "final_h");
  setName(getFinalTrace(), "final_trace");
}

void LoopOp::getAsmBlockArgumentNames(Region &region,
                                      OpAsmSetValueNameFn setName) {
  if (region.empty() || region.front().getNumArguments() != 3)
    return;
  setName(region.front().getArgument(0), "x_t");
  setName(region.front().getArgument(1), "h");
  setName(region.front().getArgument(2), "trace");
}

#define GET_OP_CLASSES
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/engram/EngramOps.cpp.inc"
#pragma GCC diagnostic pop

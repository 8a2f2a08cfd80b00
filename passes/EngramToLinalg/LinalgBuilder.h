//===- LinalgBuilder.h - building blocks for lowering to linalg -*- C++ -*-===//
//
// Small helpers that build the tensor-level linalg the engram ops lower to:
// empty/filled tensors with mixed static and dynamic sizes, linalg.generic
// with affine maps given as dimension lists, reductions over the last
// dimension, dense layers (matmul + bias + activation) and softmax.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_ENGRAMTOLINALG_LINALGBUILDER_H
#define ENGRAM_PASSES_ENGRAMTOLINALG_LINALGBUILDER_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace mlir::engram {

/// An operand of a generic: the value and the loop dimensions that index it,
/// e.g. {bias, {2}} reads bias[d2].
struct GenericInput {
  Value value;
  SmallVector<unsigned> dims;
};

/// The affine map over `loops` loops that reads dimensions `dims`.
AffineMap dimsMap(MLIRContext *context, unsigned loops,
                  ArrayRef<unsigned> dims);

/// `value`, through a tensor.cast when its type is not `type`.
Value castTo(OpBuilder &b, Location loc, Value value, Type type);

class LinalgBuilder {
public:
  LinalgBuilder(OpBuilder &builder, Location loc) : b(builder), loc(loc) {}

  Type f32() { return b.getF32Type(); }
  Value f32Constant(double value);
  Value indexConstant(int64_t value);

  /// The sizes of `value` (a ranked tensor), static where known.
  SmallVector<OpFoldResult> sizes(Value value);
  /// A tensor.empty of the given sizes, float32.
  Value empty(ArrayRef<OpFoldResult> sizes);
  /// A tensor of the given sizes filled with `value`.
  Value filled(ArrayRef<OpFoldResult> sizes, double value);

  /// A linalg.generic over `iterators.size()` loops writing one output of
  /// `outputSizes` indexed by `outputDims`, initialized with `init` (or left
  /// empty for all-parallel generics). `body` gets the input elements and
  /// the current output element and returns the new output element.
  Value generic(ArrayRef<GenericInput> inputs, ArrayRef<unsigned> outputDims,
                ArrayRef<OpFoldResult> outputSizes,
                ArrayRef<utils::IteratorType> iterators,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body,
                std::optional<double> init = std::nullopt);

  /// Elementwise map over tensors of one shape (`inputs` may also be
  /// tensors broadcast along leading dims, given with their dims).
  Value map(ArrayRef<GenericInput> inputs, ArrayRef<OpFoldResult> outputSizes,
            function_ref<Value(OpBuilder &, Location, ValueRange)> body);

  /// Σ over the last dimension of `value` of body(elements), rank r → r-1.
  Value sumLastDim(ArrayRef<GenericInput> inputs, Value shapeSource,
                   function_ref<Value(OpBuilder &, Location, ValueRange)> body);
  /// max over the last dimension of `value`.
  Value maxLastDim(Value value);

  /// y = x·W + b over the last dimension of x (rank 2 or 3), then relu if
  /// `relu`.
  Value dense(Value x, Value kernel, Value bias, bool relu);

  /// Softmax over the last dimension of `value` after multiplying by `scale`.
  Value softmaxLastDim(Value value);

  /// max(v, 0) elementwise.
  Value relu(Value value);

  OpBuilder &builder() { return b; }
  Location location() { return loc; }

private:
  OpBuilder &b;
  Location loc;
};

} // namespace mlir::engram

#endif // ENGRAM_PASSES_ENGRAMTOLINALG_LINALGBUILDER_H

//===- LinalgBuilder.cpp - building blocks for lowering to linalg ---------===//

#include "passes/EngramToLinalg/LinalgBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::engram;

Value LinalgBuilder::f32Constant(double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value LinalgBuilder::indexConstant(int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

SmallVector<OpFoldResult> LinalgBuilder::sizes(Value value) {
  return tensor::getMixedSizes(b, loc, value);
}

Value LinalgBuilder::empty(ArrayRef<OpFoldResult> sizes) {
  return tensor::EmptyOp::create(b, loc, sizes, f32());
}

Value LinalgBuilder::filled(ArrayRef<OpFoldResult> sizes, double value) {
  return linalg::FillOp::create(b, loc, ValueRange{f32Constant(value)},
                                ValueRange{empty(sizes)})
      .getResult(0);
}

AffineMap mlir::engram::dimsMap(MLIRContext *context, unsigned loops,
                                ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned dim : dims)
    exprs.push_back(getAffineDimExpr(dim, context));
  return AffineMap::get(loops, 0, exprs, context);
}

Value mlir::engram::castTo(OpBuilder &b, Location loc, Value value,
                           Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

Value LinalgBuilder::generic(
    ArrayRef<GenericInput> inputs, ArrayRef<unsigned> outputDims,
    ArrayRef<OpFoldResult> outputSizes,
    ArrayRef<utils::IteratorType> iterators,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body,
    std::optional<double> init) {
  MLIRContext *context = b.getContext();
  unsigned loops = iterators.size();
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (const GenericInput &input : inputs) {
    operands.push_back(input.value);
    maps.push_back(dimsMap(context, loops, input.dims));
  }
  maps.push_back(dimsMap(context, loops, outputDims));
  Value output = init ? filled(outputSizes, *init) : empty(outputSizes);
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{output.getType()}, operands, ValueRange{output}, maps,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args);
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return op.getResult(0);
}

Value LinalgBuilder::map(
    ArrayRef<GenericInput> inputs, ArrayRef<OpFoldResult> outputSizes,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<unsigned> dims;
  for (unsigned i = 0; i < outputSizes.size(); ++i)
    dims.push_back(i);
  SmallVector<utils::IteratorType> iterators(outputSizes.size(),
                                             utils::IteratorType::parallel);
  return generic(inputs, dims, outputSizes, iterators, body);
}

/// Loop dims 0..n-1, and the same without the last one.
static std::pair<SmallVector<unsigned>, SmallVector<unsigned>>
allAndLeading(unsigned rank) {
  SmallVector<unsigned> all, leading;
  for (unsigned i = 0; i < rank; ++i) {
    all.push_back(i);
    if (i + 1 < rank)
      leading.push_back(i);
  }
  return {all, leading};
}

Value LinalgBuilder::sumLastDim(
    ArrayRef<GenericInput> inputs, Value shapeSource,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = cast<RankedTensorType>(shapeSource.getType()).getRank();
  auto [all, leading] = allAndLeading(rank);
  SmallVector<OpFoldResult> outSizes = sizes(shapeSource);
  outSizes.pop_back();
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  return generic(
      inputs, leading, outSizes, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value term = body(nb, l, args.drop_back());
        return arith::AddFOp::create(nb, l, args.back(), term).getResult();
      },
      0.0);
}

Value LinalgBuilder::maxLastDim(Value value) {
  unsigned rank = cast<RankedTensorType>(value.getType()).getRank();
  auto [all, leading] = allAndLeading(rank);
  SmallVector<OpFoldResult> outSizes = sizes(value);
  outSizes.pop_back();
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  return generic(
      {{value, all}}, leading, outSizes, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        return arith::MaximumFOp::create(nb, l, args[0], args[1]).getResult();
      },
      -std::numeric_limits<double>::infinity());
}

Value LinalgBuilder::relu(Value value) {
  unsigned rank = cast<RankedTensorType>(value.getType()).getRank();
  auto [all, leading] = allAndLeading(rank);
  return map({{value, all}}, sizes(value),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value zero = arith::ConstantOp::create(
                   nb, l, nb.getF32FloatAttr(0.0f));
               return arith::MaximumFOp::create(nb, l, args[0], zero)
                   .getResult();
             });
}

Value LinalgBuilder::dense(Value x, Value kernel, Value bias, bool applyRelu) {
  auto inputType = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> outSizes = sizes(x);
  outSizes.back() = sizes(kernel)[1];
  Value init = linalg::BroadcastOp::create(
                   b, loc, bias, empty(outSizes),
                   inputType.getRank() == 3 ? ArrayRef<int64_t>{0, 1}
                                            : ArrayRef<int64_t>{0})
                   .getResult()[0];
  Value y;
  if (inputType.getRank() == 2) {
    y = linalg::MatmulOp::create(b, loc, ValueRange{x, kernel},
                                 ValueRange{init})
            .getResult(0);
  } else {
    // y[b, s, n] += Σ_k x[b, s, k]·W[k, n]; a generic rather than
    // collapse + matmul + expand_shape, whose dynamic expand the LLVM 22
    // expand-strided-metadata pass cannot lower.
    MLIRContext *context = b.getContext();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0, {d(0), d(1), d(3)}, context),
        AffineMap::get(4, 0, {d(3), d(2)}, context),
        AffineMap::get(4, 0, {d(0), d(1), d(2)}, context)};
    SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    y = linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{x, kernel},
            ValueRange{init}, maps, iterators,
            [](OpBuilder &nb, Location l, ValueRange args) {
              Value p = arith::MulFOp::create(nb, l, args[0], args[1]);
              Value sum = arith::AddFOp::create(nb, l, args[2], p);
              linalg::YieldOp::create(nb, l, sum);
            })
            .getResult(0);
  }
  return applyRelu ? relu(y) : y;
}

Value LinalgBuilder::softmaxLastDim(Value value) {
  unsigned rank = cast<RankedTensorType>(value.getType()).getRank();
  auto [all, leading] = allAndLeading(rank);
  SmallVector<OpFoldResult> shape = sizes(value);
  Value top = maxLastDim(value);
  Value shifted = map({{value, all}, {top, leading}}, shape,
                      [&](OpBuilder &nb, Location l, ValueRange args) {
                        Value d = arith::SubFOp::create(nb, l, args[0], args[1]);
                        return math::ExpOp::create(nb, l, d).getResult();
                      });
  Value total = sumLastDim({{shifted, all}}, shifted,
                           [](OpBuilder &, Location, ValueRange args) {
                             return args[0];
                           });
  return map({{shifted, all}, {total, leading}}, shape,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               return arith::DivFOp::create(nb, l, args[0], args[1])
                   .getResult();
             });
}

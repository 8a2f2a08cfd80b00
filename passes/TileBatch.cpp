//===- TileBatch.cpp - run per-sequence models on batch tiles -------------===//
//
// Implements --engram-tile-batch. The tile function is a clone of @forward
// whose leading (batch) dimensions are made static; @forward becomes a loop
// over padded tiles calling it.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/engram/EngramOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Verifier.h"

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMTILEBATCH
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

/// `type` with a dynamic leading (batch) dimension replaced by `tile`.
Type withBatch(Type type, int64_t tile) {
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    if (tensor.getRank() < 2 || !tensor.isDynamicDim(0))
      return type;
    SmallVector<int64_t> shape(tensor.getShape());
    shape[0] = tile;
    return RankedTensorType::get(shape, tensor.getElementType(),
                                 tensor.getEncoding());
  }
  if (auto trace = dyn_cast<TraceType>(type)) {
    if (trace.isShared() || !ShapedType::isDynamic(trace.getBatch()))
      return type;
    SmallVector<int64_t> shape(trace.getShape());
    shape[0] = tile;
    return trace.withShape(shape);
  }
  return type;
}

/// Makes the batch of `func` static: block arguments and results get the
/// tile size, and the ops that carried the batch as an operand drop it.
LogicalResult refineBatch(func::FuncOp func, int64_t tile) {
  func.walk([&](Block *block) {
    for (BlockArgument argument : block->getArguments())
      argument.setType(withBatch(argument.getType(), tile));
  });
  SmallVector<Operation *> ops;
  func.walk<WalkOrder::PreOrder>([&](Operation *op) { ops.push_back(op); });
  OpBuilder b(func.getContext());
  for (Operation *op : ops) {
    if (auto dim = dyn_cast<tensor::DimOp>(op)) {
      auto source = cast<RankedTensorType>(dim.getSource().getType());
      std::optional<int64_t> index = dim.getConstantIndex();
      if (index && !source.isDynamicDim(*index)) {
        b.setInsertionPoint(dim);
        dim.replaceAllUsesWith(arith::ConstantIndexOp::create(
            b, dim.getLoc(), source.getDimSize(*index)).getResult());
        dim.erase();
      }
      continue;
    }
    for (OpResult result : op->getResults())
      result.setType(withBatch(result.getType(), tile));
    if (auto splat = dyn_cast<tensor::SplatOp>(op)) {
      auto type = cast<RankedTensorType>(splat.getType());
      if (splat.getDynamicSizes().size() != type.getNumDynamicDims()) {
        // Only the batch could have been static'ized: drop its size.
        b.setInsertionPoint(splat);
        SmallVector<Value> sizes(splat.getDynamicSizes().drop_front());
        auto replacement = tensor::SplatOp::create(b, splat.getLoc(),
                                                   splat.getInput(), type, sizes);
        splat.replaceAllUsesWith(replacement.getResult());
        splat.erase();
      }
    } else if (auto init = dyn_cast<TraceInitOp>(op)) {
      if (init.getBatch() && !ShapedType::isDynamic(init.getType().getBatch()))
        init.getBatchMutable().clear();
    }
  }
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  func.setType(FunctionType::get(
      func.getContext(), func.getBody().front().getArgumentTypes(),
      ret.getOperandTypes()));
  return verify(func);
}

/// Whether @forward has the shape this transformation assumes.
bool isTileable(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  if (func.isExternal() || type.getNumInputs() < 1)
    return false;
  auto input = dyn_cast<RankedTensorType>(type.getInput(0));
  if (!input || input.getRank() != 3 || !input.isDynamicDim(0) ||
      input.isDynamicDim(2))
    return false;
  // Further inputs (an initial state) are sliced along the batch too.
  for (Type other : type.getInputs().drop_front()) {
    auto tensor = dyn_cast<RankedTensorType>(other);
    if (!tensor || tensor.getRank() < 2 || !tensor.isDynamicDim(0) ||
        tensor.getNumDynamicDims() != 1)
      return false;
  }
  for (Type result : type.getResults()) {
    auto tensor = dyn_cast<RankedTensorType>(result);
    if (!tensor || tensor.getRank() < 2 || !tensor.isDynamicDim(0))
      return false;
    for (int64_t i = 1; i < tensor.getRank(); ++i)
      if (tensor.isDynamicDim(i) && i != 1)
        return false;
  }
  bool shared = false, hasLoop = false;
  func.walk([&](Operation *op) {
    hasLoop |= isa<LoopOp>(op);
    for (Type t : op->getResultTypes())
      if (auto trace = dyn_cast<TraceType>(t))
        shared |= trace.isShared();
  });
  return hasLoop && !shared;
}

/// The tile of `value` (batch first) starting at sequence `start`, of
/// type `type`; the steps of the input are `steps` long.
Value batchSlice(OpBuilder &b, Location loc, Value value, RankedTensorType type,
                 Value start, Value steps) {
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets(type.getRank(), zero),
      strides(type.getRank(), one), sizes;
  offsets[0] = start;
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(type.isDynamicDim(i) ? OpFoldResult(steps)
                                         : b.getIndexAttr(type.getDimSize(i)));
  return tensor::ExtractSliceOp::create(b, loc, type, value, offsets, sizes,
                                        strides);
}

/// A loop from `lower` to `upper` in steps of `tile`'s batch size, calling
/// it on each slice of the inputs and inserting its results into
/// `accumulators`; returns the updated accumulators.
ValueRange tileLoop(OpBuilder &b, Location loc, func::FuncOp tile,
                    ValueRange inputs, Value steps, Value lower, Value upper,
                    ValueRange accumulators) {
  int64_t size =
      cast<RankedTensorType>(tile.getFunctionType().getInput(0)).getDimSize(0);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  Value step = arith::ConstantIndexOp::create(b, loc, size);
  auto loop = scf::ForOp::create(b, loc, lower, upper, step, accumulators);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value start = loop.getInductionVar();
  SmallVector<Value> slices;
  for (auto [input, type] :
       llvm::zip(inputs, tile.getFunctionType().getInputs()))
    slices.push_back(
        batchSlice(b, loc, input, cast<RankedTensorType>(type), start, steps));
  auto call = func::CallOp::create(b, loc, tile, slices);
  SmallVector<Value> updated;
  for (auto [result, acc] :
       llvm::zip(call.getResults(), loop.getRegionIterArgs())) {
    int64_t rank = cast<RankedTensorType>(result.getType()).getRank();
    SmallVector<OpFoldResult> offsets(rank, zero), strides(rank, one);
    offsets[0] = start;
    updated.push_back(tensor::InsertSliceOp::create(
        b, loc, result, acc, offsets, tensor::getMixedSizes(b, loc, result),
        strides));
  }
  scf::YieldOp::create(b, loc, updated);
  return loop.getResults();
}

/// Replaces the body of `func` by a loop calling `tile` on every whole tile
/// of the batch, then `single` on each remaining sequence.
void buildTileLoops(func::FuncOp func, func::FuncOp tile, func::FuncOp single,
                    bool destinationPassing) {
  Block &entry = func.getBody().front();
  Location loc = func.getLoc();
  const unsigned numInputs = func.getNumArguments();
  Value input = entry.getArgument(0);
  while (!entry.empty())
    entry.back().erase();
  TypeRange resultTypes = func.getFunctionType().getResults();
  if (destinationPassing) {
    SmallVector<Type> inputs(func.getArgumentTypes());
    llvm::append_range(inputs, resultTypes);
    for (Type type : resultTypes)
      entry.addArgument(type, loc);
    func.setType(FunctionType::get(func.getContext(), inputs, resultTypes));
  }
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  int64_t size =
      cast<RankedTensorType>(tile.getFunctionType().getInput(0)).getDimSize(0);
  Value batch = tensor::DimOp::create(b, loc, input, 0);
  Value steps = tensor::DimOp::create(b, loc, input, 1);
  Value tileSize = arith::ConstantIndexOp::create(b, loc, size);
  Value whole = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, batch, tileSize), tileSize);

  // The results, batch first, S (if any) second, written tile by tile
  // into the destination arguments or into new tensors.
  SmallVector<Value> accumulators;
  if (destinationPassing)
    llvm::append_range(accumulators,
                       entry.getArguments().drop_front(numInputs));
  for (Type t : destinationPassing ? TypeRange() : resultTypes) {
    auto type = cast<RankedTensorType>(t);
    SmallVector<OpFoldResult> sizes = {batch};
    for (int64_t i = 1; i < type.getRank(); ++i)
      sizes.push_back(type.isDynamicDim(i) ? OpFoldResult(steps)
                                           : b.getIndexAttr(type.getDimSize(i)));
    accumulators.push_back(
        tensor::EmptyOp::create(b, loc, sizes, type.getElementType()));
  }
  SmallVector<Value> inputs(entry.getArguments().take_front(numInputs));
  ValueRange tiled =
      tileLoop(b, loc, tile, inputs, steps,
               arith::ConstantIndexOp::create(b, loc, 0), whole, accumulators);
  ValueRange results = tiled;
  if (single)
    results = tileLoop(b, loc, single, inputs, steps, whole, batch, tiled);
  SmallVector<Value> returned;
  for (auto [value, type] : llvm::zip(results, resultTypes))
    returned.push_back(value.getType() == type
                           ? Value(value)
                           : tensor::CastOp::create(b, loc, type, value));
  func::ReturnOp::create(b, loc, returned);
}

/// A private copy of `func` whose batch is `size`, or null if the copy does
/// not verify.
func::FuncOp cloneForBatch(func::FuncOp func, int64_t size, StringRef suffix,
                           SymbolTable &symbols) {
  func::FuncOp clone = func.clone();
  clone.setName((func.getName() + suffix).str());
  clone.setPrivate();
  clone->removeAttr("llvm.emit_c_interface");
  if (failed(refineBatch(clone, size))) {
    clone.erase();
    return nullptr;
  }
  symbols.insert(clone);
  return clone;
}

struct TileBatchPass
    : public mlir::engram::impl::EngramTileBatchBase<TileBatchPass> {
  using EngramTileBatchBase::EngramTileBatchBase;

  void runOnOperation() override {
    if (tileSize < 1) {
      getOperation().emitError() << "engram-tile-batch: tile-size must be "
                                    "at least 1";
      return signalPassFailure();
    }
    SymbolTable symbols(getOperation());
    SmallVector<func::FuncOp> funcs(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      if (!func.isPublic() || !isTileable(func))
        continue;
      func::FuncOp tile = cloneForBatch(func, tileSize, "_tile", symbols);
      if (!tile)
        continue;
      func::FuncOp single =
          tileSize > 1 ? cloneForBatch(func, 1, "_single", symbols) : nullptr;
      if (tileSize > 1 && !single) {
        tile.erase();
        continue;
      }
      buildTileLoops(func, tile, single, destinationPassing);
    }
  }
};

} // namespace

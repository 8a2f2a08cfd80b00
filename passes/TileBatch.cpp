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
    return TraceType::get(type.getContext(), shape, trace.getElementType());
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
      if (static_cast<int64_t>(splat.getDynamicSizes().size()) !=
          type.getNumDynamicDims()) {
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
  if (func.isExternal() || type.getNumInputs() != 1)
    return false;
  auto input = dyn_cast<RankedTensorType>(type.getInput(0));
  if (!input || input.getRank() != 3 || !input.isDynamicDim(0) ||
      input.isDynamicDim(2))
    return false;
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

/// Replaces the body of `func` by a loop over tiles calling `tile`: every
/// tile is a slice of up to `size` sequences padded with zero sequences to
/// `size` (a no-op but for the last tile), so one call serves all of them.
void buildTileLoop(func::FuncOp func, func::FuncOp tile, int64_t size,
                   bool destinationPassing) {
  Block &entry = func.getBody().front();
  Location loc = func.getLoc();
  Value input = entry.getArgument(0);
  while (!entry.empty())
    entry.back().erase();
  TypeRange resultTypes = func.getFunctionType().getResults();
  if (destinationPassing) {
    SmallVector<Type> inputs = {input.getType()};
    llvm::append_range(inputs, resultTypes);
    for (Type type : resultTypes)
      entry.addArgument(type, loc);
    func.setType(FunctionType::get(func.getContext(), inputs, resultTypes));
  }
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto inputType = cast<RankedTensorType>(input.getType());
  auto tileInputType =
      cast<RankedTensorType>(tile.getFunctionType().getInput(0));
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  OpFoldResult width = b.getIndexAttr(inputType.getDimSize(2));
  Value batch = tensor::DimOp::create(b, loc, input, 0);
  Value steps = tensor::DimOp::create(b, loc, input, 1);
  Value tileSize = index(size);

  // The results, batch first, S (if any) second, written tile by tile
  // into the destination arguments or into new tensors.
  SmallVector<Value> inits;
  if (destinationPassing)
    llvm::append_range(inits, entry.getArguments().drop_front());
  for (Type t : destinationPassing ? TypeRange() : resultTypes) {
    auto type = cast<RankedTensorType>(t);
    SmallVector<OpFoldResult> sizes = {batch};
    for (int64_t i = 1; i < type.getRank(); ++i)
      sizes.push_back(type.isDynamicDim(i) ? OpFoldResult(steps)
                                           : b.getIndexAttr(type.getDimSize(i)));
    inits.push_back(
        tensor::EmptyOp::create(b, loc, sizes, type.getElementType()));
  }
  auto loop = scf::ForOp::create(b, loc, index(0), batch, tileSize, inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value start = loop.getInductionVar();
    Value left = arith::SubIOp::create(b, loc, batch, start);
    Value rows = arith::MinUIOp::create(b, loc, left, tileSize);
    Value part = tensor::ExtractSliceOp::create(
        b, loc, input, {start, zero, zero}, {rows, steps, width},
        {one, one, one});
    Value missing = arith::SubIOp::create(b, loc, tileSize, rows);
    Value zeroF = arith::ConstantOp::create(
        b, loc, b.getFloatAttr(inputType.getElementType(), 0.0));
    Value padded = tensor::PadOp::create(
        b, loc, tileInputType, part, ArrayRef<OpFoldResult>{zero, zero, zero},
        ArrayRef<OpFoldResult>{missing, zero, zero}, zeroF);
    auto call = func::CallOp::create(b, loc, tile, ValueRange{padded});
    SmallVector<Value> updated;
    for (auto [result, acc] :
         llvm::zip(call.getResults(), loop.getRegionIterArgs())) {
      int64_t rank = cast<RankedTensorType>(result.getType()).getRank();
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, result);
      sizes[0] = rows;
      SmallVector<OpFoldResult> offsets(rank, zero), strides(rank, one);
      Value valid = tensor::ExtractSliceOp::create(b, loc, result, offsets,
                                                   sizes, strides);
      offsets[0] = start;
      updated.push_back(tensor::InsertSliceOp::create(b, loc, valid, acc,
                                                      offsets, sizes, strides));
    }
    scf::YieldOp::create(b, loc, updated);
  }
  SmallVector<Value> results;
  for (auto [value, type] :
       llvm::zip(loop.getResults(), func.getFunctionType().getResults()))
    results.push_back(value.getType() == type
                          ? Value(value)
                          : tensor::CastOp::create(b, loc, type, value));
  func::ReturnOp::create(b, loc, results);
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
      func::FuncOp tile = func.clone();
      tile.setName((func.getName() + "_tile").str());
      tile.setPrivate();
      tile->removeAttr("llvm.emit_c_interface");
      if (failed(refineBatch(tile, tileSize))) {
        tile.erase();
        continue;
      }
      symbols.insert(tile);
      buildTileLoop(func, tile, tileSize, destinationPassing);
    }
  }
};

} // namespace

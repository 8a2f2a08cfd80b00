//===- SparsifyMemory.cpp - top-k recall and pruned memory banks ----------===//
//
// Implements --engram-sparsify-memory: the recall's top_k attribute, and
// per-row magnitude pruning of the memory bank into ELL storage.
//
//===----------------------------------------------------------------------===//

#include "passes/ConstantData.h"
#include "passes/Passes.h"

#include "dialects/engram/EngramOps.h"

#include "mlir/IR/Builders.h"

#include <cmath>
#include <numeric>

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMSPARSIFYMEMORY
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

struct SparsifyMemoryPass
    : public mlir::engram::impl::EngramSparsifyMemoryBase<SparsifyMemoryPass> {
  using EngramSparsifyMemoryBase::EngramSparsifyMemoryBase;

  /// Keeps the `kept` largest magnitudes of every row of `memory`.
  LogicalResult prune(MemoryOp memory, int64_t kept) {
    MemoryType type = memory.getType();
    if (type.getQuant() || type.getSparsity())
      return memory.emitError()
             << "engram-sparsify-memory: prune the memory bank before "
                "quantizing it, and once";
    FailureOr<SmallVector<float>> values = readFloats(memory.getValue());
    if (failed(values))
      return memory.emitError() << "engram-sparsify-memory: the memory bank's "
                                   "float data is not in the module";
    const int64_t rows = type.getSlots(), width = type.getWidth();
    SmallVector<float> stored;
    SmallVector<int32_t> indices;
    for (int64_t r = 0; r < rows; ++r) {
      ArrayRef<float> row = ArrayRef<float>(*values).slice(r * width, width);
      SmallVector<int32_t> order(width);
      std::iota(order.begin(), order.end(), 0);
      // Largest magnitude first, ties and NaN (last) by column: a strict
      // total order.
      auto key = [&](int32_t i) {
        return std::isnan(row[i]) ? -1.0f : std::abs(row[i]);
      };
      llvm::sort(order, [&](int32_t x, int32_t y) {
        return key(x) > key(y) || (key(x) == key(y) && x < y);
      });
      order.resize(kept);
      llvm::sort(order);
      for (int32_t column : order) {
        indices.push_back(column);
        stored.push_back(row[column]);
      }
    }
    OpBuilder b(memory);
    auto valueType = RankedTensorType::get({rows, kept}, b.getF32Type());
    auto indexType = RankedTensorType::get({rows, kept}, b.getI32Type());
    auto newType = MemoryType::get(
        memory.getContext(), type.getShape(), type.getElementType(),
        QuantAttr(), EllAttr::get(memory.getContext(), kept));
    auto replacement = MemoryOp::create(
        b, memory.getLoc(), newType,
        DenseElementsAttr::get(valueType, ArrayRef<float>(stored)),
        /*scales=*/ElementsAttr(),
        DenseElementsAttr::get(indexType, ArrayRef<int32_t>(indices)));
    memory.replaceAllUsesWith(replacement.getResult());
    memory.erase();
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (topK < 0 || !(density > 0 && density <= 1)) {
      // Not module.emitError(): that would print the whole module.
      mlir::emitError(module.getLoc())
          << "engram-sparsify-memory: top-k must be >= 0 and density in "
             "(0, 1], got top-k="
          << int64_t(topK) << " density=" << double(density);
      return signalPassFailure();
    }
    if (topK > 0) {
      WalkResult walk = module.walk([&](RecallOp recall) {
        int64_t slots = recall.getMemory().getType().getSlots();
        if (topK > slots) {
          recall.emitError() << "engram-sparsify-memory: top-k=" << int64_t(topK)
                             << " exceeds the " << slots << " memory slots";
          return WalkResult::interrupt();
        }
        recall.setTopK(topK);
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return signalPassFailure();
    }
    if (density < 1) {
      SmallVector<MemoryOp> memories;
      module.walk([&](MemoryOp op) { memories.push_back(op); });
      for (MemoryOp memory : memories) {
        int64_t width = memory.getType().getWidth();
        int64_t kept = std::max<int64_t>(
            1, std::llround(density * double(width)));
        if (kept < width && failed(prune(memory, kept)))
          return signalPassFailure();
      }
    }
  }
};

} // namespace

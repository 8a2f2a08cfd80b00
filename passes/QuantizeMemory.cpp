//===- QuantizeMemory.cpp - memory bank and trace in few bits -------------===//
//
// Implements --engram-quantize-memory. The memory bank is a constant, so it
// is rounded here once and stored as integers with scales; the trace is
// state, so its type becomes fixed point or bfloat16 and every op that
// touches it follows (docs/quantization.md defines them).
//
//===----------------------------------------------------------------------===//

#include "passes/ConstantData.h"
#include "passes/Passes.h"

#include "dialects/engram/EngramOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include <cmath>
#include <limits>

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMQUANTIZEMEMORY
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

/// splitmix64: the uniform numbers of stochastic rounding, in [0, 1).
class Uniform {
public:
  explicit Uniform(uint64_t seed) : state(seed) {}
  double next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return double(z >> 11) * 0x1.0p-53;
  }

private:
  uint64_t state;
};

/// Integers and scales of `values` (rows × columns) for `quant`.
void quantize(ArrayRef<float> values, int64_t rows, int64_t columns,
              QuantAttr quant, SmallVectorImpl<int8_t> &q,
              SmallVectorImpl<float> &scales) {
  const bool perRow = quant.getScale() == QuantScale::Row;
  const int64_t groups = perRow ? rows : 1,
                groupSize = perRow ? columns : rows * columns;
  const double bound = double(quant.getMaxMagnitude());
  Uniform uniform(quant.getSeed());
  q.resize(values.size());
  for (int64_t g = 0; g < groups; ++g) {
    ArrayRef<float> group = values.slice(g * groupSize, groupSize);
    double scale = 0;
    if (quant.getBits() == 1) {
      for (float v : group)
        scale += std::abs(double(v));
      scale /= double(groupSize);
    } else {
      for (float v : group)
        scale = std::max(scale, std::abs(double(v)));
      scale /= bound;
    }
    float stored = static_cast<float>(scale);
    if (!(stored > 0))
      stored = std::numeric_limits<float>::min(); // An all-zero group.
    scales.push_back(stored);
    for (int64_t i = 0; i < groupSize; ++i) {
      double v = double(group[i]);
      double level;
      if (quant.getBits() == 1)
        level = v >= 0 ? 1 : -1;
      else if (quant.getRounding() == Rounding::Stochastic)
        level = std::floor(v / double(stored) + uniform.next());
      else
        level = std::round(v / double(stored));
      q[g * groupSize + i] =
          static_cast<int8_t>(std::clamp(level, -bound, bound));
    }
  }
}

struct QuantizeMemoryPass
    : public mlir::engram::impl::EngramQuantizeMemoryBase<QuantizeMemoryPass> {
  using EngramQuantizeMemoryBase::EngramQuantizeMemoryBase;

  LogicalResult quantizeMemory(MemoryOp memory, QuantAttr quant) {
    MemoryType type = memory.getType();
    if (type.getQuant())
      return memory.emitError() << "engram-quantize-memory: the memory bank "
                                   "is already quantized";
    FailureOr<SmallVector<float>> values = readFloats(memory.getValue());
    if (failed(values))
      return memory.emitError() << "engram-quantize-memory: the memory bank's "
                                   "float data is not in the module";
    int64_t rows = type.getSlots(), columns = type.getStoredColumns();
    SmallVector<int8_t> q;
    SmallVector<float> scales;
    quantize(*values, rows, columns, quant, q, scales);
    OpBuilder b(memory);
    auto valueType = RankedTensorType::get({rows, columns}, b.getI8Type());
    auto scaleType = RankedTensorType::get(
        {int64_t(scales.size())}, b.getF32Type());
    auto newType = MemoryType::get(memory.getContext(), type.getShape(),
                                   type.getElementType(), quant,
                                   type.getSparsity());
    auto replacement = MemoryOp::create(
        b, memory.getLoc(), newType,
        DenseElementsAttr::get(valueType, ArrayRef<int8_t>(q)),
        DenseElementsAttr::get(scaleType, ArrayRef<float>(scales)),
        memory.getIndicesAttr());
    memory.replaceAllUsesWith(replacement.getResult());
    memory.erase();
    return success();
  }

  /// The clip shared by the Hebbian updates of `func` (none when nothing
  /// updates a trace); fails when they differ or, for a fixed-point trace
  /// (`fixed`), when a trace is shared.
  FailureOr<std::optional<double>> sharedClip(func::FuncOp func, bool fixed) {
    std::optional<double> clip;
    WalkResult walk = func.walk([&](HebbianUpdateOp update) {
      double c = update.getClip().convertToDouble();
      if (fixed && clip && *clip != c) {
        update.emitError() << "engram-quantize-memory: the Hebbian updates "
                              "of a function must share one clip";
        return WalkResult::interrupt();
      }
      if (fixed && update.getTrace().getType().isShared()) {
        update.emitError() << "engram-quantize-memory: a fixed-point trace "
                              "must be per-sequence (batch_mean averages "
                              "updates over the batch)";
        return WalkResult::interrupt();
      }
      clip = c;
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    return clip;
  }

  /// Gives every trace of `func` the encoding of `traceFormat`: fixed point
  /// saturating at the clip, or bfloat16.
  LogicalResult quantizeTraces(func::FuncOp func) {
    bool fixed = traceFormat == QuantizeTraceFormat::Fixed;
    FailureOr<std::optional<double>> clip = sharedClip(func, fixed);
    if (failed(clip))
      return failure();
    if (!*clip)
      return success(); // No trace is updated here.
    Builder b(func.getContext());
    FixedAttr fixedAttr = fixed ? FixedAttr::get(func.getContext(), bits,
                                                 b.getF64FloatAttr(**clip))
                                : FixedAttr();
    Bf16Attr bf16 = fixed ? Bf16Attr() : Bf16Attr::get(func.getContext());
    auto retype = [&](Value value) {
      if (auto trace = dyn_cast<TraceType>(value.getType()))
        value.setType(trace.withStorage(fixedAttr, bf16));
    };
    func.walk([&](Block *block) {
      for (BlockArgument argument : block->getArguments())
        retype(argument);
    });
    func.walk([&](Operation *op) {
      for (Value result : op->getResults())
        retype(result);
    });
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    func.setType(FunctionType::get(func.getContext(),
                                   func.getBody().front().getArgumentTypes(),
                                   ret.getOperandTypes()));
    return verify(func);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fail = [&](const Twine &message) {
      // Not module.emitError(): that would print the whole module.
      mlir::emitError(module.getLoc()) << "engram-quantize-memory: " << message;
      signalPassFailure();
    };
    bool memory = what != QuantizeWhat::Trace;
    bool trace = what != QuantizeWhat::Memory;
    bool fixedTrace = trace && traceFormat == QuantizeTraceFormat::Fixed;
    if (!trace && traceFormat != QuantizeTraceFormat::Fixed)
      return fail("trace-format applies to the trace; use what=trace or "
                  "what=both");
    if (bits != 8 && bits != 4 && bits != 1 && bits != 16)
      return fail("bits must be 8, 4 or 1 (memory) or 16 (trace), got " +
                  Twine(bits));
    if (memory && bits == 16)
      return fail("a quantized memory bank has 8, 4 or 1 bits; 16 bits "
                  "applies to what=trace only");
    if (fixedTrace && bits == 1)
      return fail("a binary trace cannot accumulate Hebbian updates; use "
                  "what=memory with bits=1");
    if (bits == 1 && rounding == Rounding::Stochastic)
      return fail("binary memory is sign(M); stochastic rounding needs 8 or "
                  "4 bits");
    if (seed != 0 && rounding != Rounding::Stochastic)
      return fail("a seed only applies to rounding=stochastic");

    if (memory) {
      auto quant = QuantAttr::get(&getContext(), bits, scale, rounding, seed);
      SmallVector<MemoryOp> memories;
      module.walk([&](MemoryOp op) { memories.push_back(op); });
      for (MemoryOp op : memories)
        if (failed(quantizeMemory(op, quant)))
          return signalPassFailure();
    }
    if (trace)
      for (func::FuncOp func : module.getOps<func::FuncOp>())
        if (failed(quantizeTraces(func)))
          return signalPassFailure();
  }
};

} // namespace

//===- CellPlan.h - the engram cell a module computes -----------*- C++ -*-===//
//
// The backends that take the cell as a whole (the CUDA kernels, the
// conversion to spiking networks) read it from the IR with this analysis:
// sizes, hyper-parameters, head, the float weights, and every storage choice
// of the compression passes as the IR states it (docs/quantization.md): the
// bank's integers, scales and ELL columns, the trace's fixed-point format,
// the recall's top-k. Nothing is rounded or dequantized here; a backend that
// needs the dense bank asks for it (BankStorage::dense) and says so.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_CELLPLAN_H
#define ENGRAM_PASSES_CELLPLAN_H

#include "dialects/engram/EngramOps.h"
#include "runtime/Model.h"
#include "runtime/PackedBank.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::engram {

/// The memory bank as `engram.memory` stores it.
struct BankStorage {
  int64_t rows = 0, width = 0;
  /// Values stored per row: the ELL row entries, or `width` when dense.
  int64_t columns = 0;
  /// 0 for float32; 8, 4 or 1 for a quantized bank.
  int64_t bits = 0;
  /// One scale per row, or one for the bank (quantized banks only).
  bool rowScale = false;
  std::vector<float> scales;
  /// rows × columns stored integers (quantized) or floats (not).
  std::vector<int64_t> integers;
  std::vector<float> values;
  /// rows × columns column indices of an ELL bank; empty when dense.
  std::vector<int64_t> columnOf;

  bool quantized() const { return bits != 0; }
  bool pruned() const { return !columnOf.empty(); }
  /// The largest stored integer magnitude the bits allow (127, 7, 1).
  int64_t maxInteger() const { return ::engram::runtime::bankMaxInteger(bits); }
  float scaleOf(int64_t row) const { return scales[rowScale ? row : 0]; }
  /// The column of stored entry `c` of row `r`.
  int64_t columnAt(int64_t r, int64_t c) const {
    return pruned() ? columnOf[r * columns + c] : c;
  }
  /// The dense rows × width bank M̂ = q·scale that the semantics define,
  /// with the entries an ELL bank drops at 0.
  std::vector<float> dense() const;
  /// The bank as rows × width integers (0 where an ELL bank has none);
  /// quantized banks only.
  std::vector<int64_t> denseIntegers() const;
  /// The bank as the artifacts store it: densified integers, packed
  /// (runtime/PackedBank.h), and scales; quantized banks only.
  ::engram::runtime::PackedBank packed() const;
};

/// The trace's storage: float, `#engram.fixed<bits, bound>` or
/// `#engram.bf16`.
struct TraceStorage {
  /// 0 for float and bfloat16; 4, 8 or 16 for a fixed-point trace.
  int64_t bits = 0;
  /// Stored in bfloat16, updated in float32 (`#engram.bf16`).
  bool bf16 = false;
  /// The clip c; a fixed-point trace steps by c / (2^(bits−1) − 1).
  double bound = ::engram::runtime::kTraceClip;

  bool fixed() const { return bits != 0; }
};

/// The cell of `@forward` with everything the IR says about its storage.
struct CellPlan {
  /// Sizes, hyper-parameters and head (`cell.memorySize` is the bank's rows).
  ::engram::runtime::ModelConfig config;
  /// The float tensors other than the bank, by their package names
  /// ("cell.encoder.kernel", …, "readout.bias"; "cell.trace_init" when the
  /// trace starts from a constant).
  std::map<std::string, ::engram::runtime::WeightTensor> weights;
  BankStorage bank;
  TraceStorage trace;
  /// Slots the recall keeps (top_k); 0 when it keeps them all.
  int64_t topK = 0;
  /// The ops the storage choices are on, for diagnostics.
  MemoryOp memoryOp;
  RecallOp recallOp;
  HebbianUpdateOp updateOp;

  /// The tensor called `name`, or null.
  const ::engram::runtime::WeightTensor *find(const std::string &name) const;
};

/// The bank as `memory` stores it; a diagnostic on `memory`, led by
/// `purpose`, when its data is not in the module.
FailureOr<BankStorage> readBank(MemoryOp memory, StringRef purpose);

/// The cell of `module`; a diagnostic on the offending op, led by `purpose`
/// (the option or pass that needs it), when `@forward` is not one.
FailureOr<CellPlan> analyzeCell(ModuleOp module, StringRef purpose);

} // namespace mlir::engram

#endif // ENGRAM_PASSES_CELLPLAN_H

//===- Quantized.h - lowering quantized and pruned engram state -*- C++ -*-===//
//
// Scalar building blocks (used inside linalg.generic bodies) for fixed-point
// and bfloat16 traces, and the dense float bank of a quantized or pruned
// engram.memory, following docs/quantization.md exactly as the reference
// interpreter does.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_ENGRAMTOLINALG_QUANTIZED_H
#define ENGRAM_PASSES_ENGRAMTOLINALG_QUANTIZED_H

#include "dialects/engram/EngramOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::engram {

/// q·δ·factor as f32, for an integer `q` of a fixed-point trace: one
/// multiply by the constant δ·factor (rounded once, from double).
Value fixedToFloat(OpBuilder &b, Location loc, Value q, FixedAttr fixed,
                   double factor = 1.0);

/// clamp(round(v / δ), −Q, Q) as the storage integer type `storage`.
Value floatToFixed(OpBuilder &b, Location loc, Value v, FixedAttr fixed,
                   Type storage);

/// The tensor a trace of `type` is lowered to: its storage tensor, with a
/// bfloat16 trace's bits held as i16 (LLVM then sees no bfloat arithmetic,
/// which x86 without AVX-512 BF16 would widen element by element).
RankedTensorType loweredTraceType(TraceType type);

/// The float32 value of a stored trace element times `factor`: q·(δ·factor)
/// for a fixed-point trace, the bfloat16 widened exactly for a bfloat16
/// trace (its i16 bits), the value itself for a float trace (no multiply when
/// factor = 1).
Value traceElementToFloat(OpBuilder &b, Location loc, Value stored,
                          TraceType type, double factor = 1.0);

/// A float32 trace value in the storage of `type`: the fixed-point integer
/// (floatToFixed), the bits of the nearest bfloat16 (ties to even), or
/// itself.
Value floatToTraceElement(OpBuilder &b, Location loc, Value v, TraceType type);

/// The fixed-point Hebbian update of one element:
///   clamp(((q·D + 2^14) >> 15) + round(η/δ·a·z), −Q, Q).
Value fixedHebbianElement(OpBuilder &b, Location loc, Value q, Value a,
                          Value z, double learningRate, FixedAttr fixed);

/// The dense float32 N×H bank of `memory`: its value when plain; otherwise
/// the (densified at compile time) stored values times their scales.
/// Fails, with an error, when the stored data is not in the module.
FailureOr<Value> denseMemoryBank(OpBuilder &b, Location loc, MemoryOp memory);

/// Softmax over the last dimension of `logits` (B×N) restricted to the `k`
/// largest entries of each row (ties: the lower index); the others are 0.
Value topKSoftmax(OpBuilder &b, Location loc, Value logits, int64_t k);

} // namespace mlir::engram

#endif // ENGRAM_PASSES_ENGRAMTOLINALG_QUANTIZED_H

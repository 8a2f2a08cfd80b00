//===- Quantized.cpp - lowering quantized and pruned engram state ---------===//

#include "passes/EngramToLinalg/Quantized.h"

#include "passes/CellPlan.h"
#include "passes/EngramToLinalg/LinalgBuilder.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::engram;
namespace rt = ::engram::runtime;

static Value f32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

static Value intConstant(OpBuilder &b, Location loc, Type type,
                         int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value mlir::engram::fixedToFloat(OpBuilder &b, Location loc, Value q,
                                 FixedAttr fixed, double factor) {
  Value value = arith::SIToFPOp::create(b, loc, b.getF32Type(), q);
  return arith::MulFOp::create(b, loc, value,
                               f32Constant(b, loc, fixed.getStep() * factor));
}

Value mlir::engram::floatToFixed(OpBuilder &b, Location loc, Value v,
                                 FixedAttr fixed, Type storage) {
  double bound = double(fixed.getMaxMagnitude());
  Value scaled = arith::DivFOp::create(b, loc, v,
                                       f32Constant(b, loc, fixed.getStep()));
  Value rounded = math::RoundOp::create(b, loc, scaled);
  Value low = arith::MaximumFOp::create(b, loc, rounded,
                                        f32Constant(b, loc, -bound));
  Value high = arith::MinimumFOp::create(b, loc, low,
                                         f32Constant(b, loc, bound));
  return arith::FPToSIOp::create(b, loc, storage, high);
}

RankedTensorType mlir::engram::loweredTraceType(TraceType type) {
  RankedTensorType storage = type.getStorageTensorType();
  if (!type.getBf16())
    return storage;
  return RankedTensorType::get(storage.getShape(),
                               IntegerType::get(type.getContext(), 16));
}

// bfloat16 conversions on the i16 bits of a bfloat16, as integer operations
// (arith.extf/truncf on bfloat16 would leave LLVM bfloat selects, which x86
// without AVX-512 BF16 widens element by element).

/// The float32 whose high half is the bfloat16 with bits `v` (exact).
static Value bf16ToFloat(OpBuilder &b, Location loc, Value v) {
  Type i32 = b.getI32Type();
  Value bits = arith::ExtUIOp::create(b, loc, i32, v);
  Value high =
      arith::ShLIOp::create(b, loc, bits, intConstant(b, loc, i32, 16));
  return arith::BitcastOp::create(b, loc, b.getF32Type(), high);
}

/// The bits of the bfloat16 nearest to the float32 `v`, ties to even: add
/// 0x7FFF plus the lowest kept bit, keep the high half (a carry into the
/// exponent is the correct rounding up, to infinity at the top); a NaN stays a
/// quiet NaN (0x7FC0) whatever its payload.
static Value floatToBf16(OpBuilder &b, Location loc, Value v) {
  Type i16 = b.getI16Type(), i32 = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, i32, v);
  Value lowestKept = arith::AndIOp::create(
      b, loc,
      arith::ShRUIOp::create(b, loc, bits, intConstant(b, loc, i32, 16)),
      intConstant(b, loc, i32, 1));
  Value biased = arith::AddIOp::create(
      b, loc, bits,
      arith::AddIOp::create(b, loc, lowestKept,
                            intConstant(b, loc, i32, 0x7FFF)));
  Value high = arith::TruncIOp::create(
      b, loc, i16,
      arith::ShRUIOp::create(b, loc, biased, intConstant(b, loc, i32, 16)));
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, v, v);
  return arith::SelectOp::create(b, loc, isNan,
                                 intConstant(b, loc, i16, 0x7FC0), high);
}

Value mlir::engram::traceElementToFloat(OpBuilder &b, Location loc,
                                        Value stored, TraceType type,
                                        double factor) {
  if (FixedAttr fixed = type.getFixed())
    return fixedToFloat(b, loc, stored, fixed, factor);
  Value value = type.getBf16() ? bf16ToFloat(b, loc, stored) : stored;
  if (factor == 1.0)
    return value;
  return arith::MulFOp::create(b, loc, value, f32Constant(b, loc, factor));
}

Value mlir::engram::floatToTraceElement(OpBuilder &b, Location loc, Value v,
                                        TraceType type) {
  if (FixedAttr fixed = type.getFixed())
    return floatToFixed(b, loc, v, fixed,
                        type.getStorageTensorType().getElementType());
  if (type.getBf16())
    return floatToBf16(b, loc, v);
  return v;
}

/// (q·D + 2^14) >> 15 in 32-bit lanes.
static Value decayWide(OpBuilder &b, Location loc, Value q, int64_t decay) {
  Type i32 = b.getI32Type();
  Value wide = arith::ExtSIOp::create(b, loc, i32, q);
  Value product = arith::MulIOp::create(b, loc, wide,
                                        intConstant(b, loc, i32, decay));
  Value biased = arith::AddIOp::create(b, loc, product,
                                       intConstant(b, loc, i32, 16384));
  return arith::ShRSIOp::create(b, loc, biased, intConstant(b, loc, i32, 15));
}

/// The same value in 16-bit lanes, for |q| < 2^14 and D < 2^15: with
/// x = 2q, (q·D + 2^14) >> 15 = (x·D + 2^15) >> 16, the high half of the
/// product x·D plus bit 15 of its low half (a multiply-high, a multiply-low
/// and a shift: twice the lanes of the 32-bit form).
static Value decayNarrow(OpBuilder &b, Location loc, Value q, int64_t decay) {
  Type i16 = b.getI16Type(), i32 = b.getI32Type();
  Value x =
      arith::ShLIOp::create(b, loc, arith::ExtSIOp::create(b, loc, i16, q),
                            intConstant(b, loc, i16, 1));
  Value d = intConstant(b, loc, i16, decay);
  // The high half as ext, multiply, shift, trunc: LLVM selects a
  // multiply-high for it (x86 pmulhw).
  Value product =
      arith::MulIOp::create(b, loc, arith::ExtSIOp::create(b, loc, i32, x),
                            intConstant(b, loc, i32, decay));
  Value high = arith::TruncIOp::create(
      b, loc, i16,
      arith::ShRSIOp::create(b, loc, product, intConstant(b, loc, i32, 16)));
  Value low = arith::MulIOp::create(b, loc, x, d);
  Value carry =
      arith::ShRUIOp::create(b, loc, low, intConstant(b, loc, i16, 15));
  return arith::AddIOp::create(b, loc, high, carry);
}

Value mlir::engram::fixedHebbianElement(OpBuilder &b, Location loc, Value q,
                                        Value a, Value z, double learningRate,
                                        FixedAttr fixed) {
  Type storage = q.getType();
  const int64_t decay = std::llround((1.0 - learningRate) * 32768.0);
  const int64_t bound = fixed.getMaxMagnitude();
  // Traces of at most 8 bits run in 16-bit lanes. The increment is then
  // clamped to ±(2^15 − 1 − 2^7) instead of ±2^30, which changes nothing:
  // beyond 2^15 − 1 − 2^7 − Q the sum saturates at ±Q either way.
  const bool narrow =
      storage.getIntOrFloatBitWidth() <= 8 && decay >= 0 && decay < 32768;
  Type lane = narrow ? Type(b.getI16Type()) : Type(b.getI32Type());
  const double limit = narrow ? 32767 - 128 : double(1 << 30);
  Value decayed =
      narrow ? decayNarrow(b, loc, q, decay) : decayWide(b, loc, q, decay);
  // Increment η/δ·a·z rounded half away from zero, kept within ±limit.
  Value gain = f32Constant(b, loc, learningRate / fixed.getStep());
  Value scaledA = arith::MulFOp::create(b, loc, gain, a);
  Value increment = math::RoundOp::create(
      b, loc, arith::MulFOp::create(b, loc, scaledA, z));
  increment =
      arith::MaximumFOp::create(b, loc, increment, f32Constant(b, loc, -limit));
  increment =
      arith::MinimumFOp::create(b, loc, increment, f32Constant(b, loc, limit));
  Value sum = arith::AddIOp::create(
      b, loc, decayed, arith::FPToSIOp::create(b, loc, lane, increment));
  Value low =
      arith::MaxSIOp::create(b, loc, sum, intConstant(b, loc, lane, -bound));
  Value high =
      arith::MinSIOp::create(b, loc, low, intConstant(b, loc, lane, bound));
  return arith::TruncIOp::create(b, loc, storage, high);
}

/// The dense rows×width constant of `values`, of `elementType`.
template <typename T>
static Value denseConstant(OpBuilder &b, Location loc, ArrayRef<T> values,
                           int64_t rows, int64_t width, Type elementType) {
  auto type = RankedTensorType::get({rows, width}, elementType);
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

/// The integer at column `c` of its byte `byte` (the layout of
/// runtime/PackedBank.h), as i8.
static Value unpack(OpBuilder &b, Location loc, Value byte, Value c,
                    int64_t perByte) {
  Type i8 = b.getI8Type();
  if (perByte == 1)
    return byte;
  Value column = arith::IndexCastOp::create(b, loc, i8, c);
  if (perByte == 2) {
    // Even column: low nibble, shifted up then arithmetically down.
    Value odd = arith::AndIOp::create(b, loc, column, intConstant(b, loc, i8, 1));
    Value up = arith::ShLIOp::create(
        b, loc, byte,
        arith::MulIOp::create(
            b, loc, arith::SubIOp::create(b, loc, intConstant(b, loc, i8, 1), odd),
            intConstant(b, loc, i8, 4)));
    return arith::ShRSIOp::create(b, loc, up, intConstant(b, loc, i8, 4));
  }
  Value bit = arith::AndIOp::create(
      b, loc,
      arith::ShRUIOp::create(
          b, loc, byte,
          arith::AndIOp::create(b, loc, column, intConstant(b, loc, i8, 7))),
      intConstant(b, loc, i8, 1));
  // 1 → +1, 0 → −1.
  return arith::SubIOp::create(
      b, loc, arith::ShLIOp::create(b, loc, bit, intConstant(b, loc, i8, 1)),
      intConstant(b, loc, i8, 1));
}

/// q·scale over the N×H bank whose integers `packed` holds `perByte` to a
/// byte, with per-row or per-tensor `scales`.
static Value dequantize(OpBuilder &b, Location loc, Value packed, Value scales,
                        bool perRow, int64_t rows, int64_t width,
                        int64_t perByte) {
  LinalgBuilder lb(b, loc);
  MLIRContext *context = b.getContext();
  AffineMap scaleMap =
      perRow ? dimsMap(context, 2, {0})
             : AffineMap::get(2, 0, {getAffineConstantExpr(0, context)},
                              context);
  AffineMap byteMap = AffineMap::get(
      2, 0,
      {getAffineDimExpr(0, context),
       getAffineDimExpr(1, context).floorDiv(perByte)},
      context);
  Value init = lb.empty({b.getIndexAttr(rows), b.getIndexAttr(width)});
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{packed, scales},
             ValueRange{init},
             ArrayRef<AffineMap>{byteMap, scaleMap,
                                 dimsMap(context, 2, {0, 1})},
             SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange v) {
               Value c = linalg::IndexOp::create(nb, l, 1);
               Value q = unpack(nb, l, v[0], c, perByte);
               Value value = arith::SIToFPOp::create(nb, l, nb.getF32Type(), q);
               linalg::YieldOp::create(
                   nb, l, arith::MulFOp::create(nb, l, value, v[1]).getResult());
             })
      .getResult(0);
}

/// A quantized bank stays integers in the artifact, packed as
/// runtime/PackedBank.h says (int4 two and binary eight to a byte); q·scale
/// at run time.
static Value quantizedBank(OpBuilder &b, Location loc, MemoryOp memory,
                           const BankStorage &bank) {
  rt::PackedBank packed = bank.packed();
  ArrayRef<int8_t> bytes(reinterpret_cast<const int8_t *>(packed.values.data()),
                         packed.values.size());
  Value q = denseConstant(b, loc, bytes, bank.rows,
                          rt::packedRowBytes(bank.width, packed.perByte),
                          b.getI8Type());
  Value scales = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(memory.getScalesAttr()));
  return dequantize(b, loc, q, scales, bank.rowScale, bank.rows, bank.width,
                    packed.perByte);
}

FailureOr<Value> mlir::engram::denseMemoryBank(OpBuilder &b, Location loc,
                                               MemoryOp memory) {
  MemoryType type = memory.getType();
  if (!type.getQuant() && !type.getSparsity())
    return arith::ConstantOp::create(b, loc,
                                     cast<TypedAttr>(memory.getValue()))
        .getResult();
  FailureOr<BankStorage> bank = readBank(memory, "convert-engram-to-linalg");
  if (failed(bank))
    return failure();
  if (bank->quantized())
    return quantizedBank(b, loc, memory, *bank);
  // Densify a pruned bank at compile time: it is small next to the
  // per-sequence trace, and dense rows vectorize.
  std::vector<float> dense = bank->dense();
  return denseConstant(b, loc, ArrayRef<float>(dense), bank->rows, bank->width,
                       b.getF32Type());
}

Value mlir::engram::topKSoftmax(OpBuilder &b, Location loc, Value logits,
                                int64_t k) {
  LinalgBuilder lb(b, loc);
  SmallVector<OpFoldResult> sizes = lb.sizes(logits);
  // rank[b, n] = #{m : l[b, m] > l[b, n], or equal with m < n}; the k
  // entries of rank < k are the top k (a stable sort's first k).
  Value rank = lb.generic(
      {{logits, {0, 2}}, {logits, {0, 1}}}, {0, 1}, sizes,
      {utils::IteratorType::parallel, utils::IteratorType::parallel,
       utils::IteratorType::reduction},
      [](OpBuilder &nb, Location l, ValueRange v) {
        Value n = linalg::IndexOp::create(nb, l, 1);
        Value m = linalg::IndexOp::create(nb, l, 2);
        Value greater = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                              v[0], v[1]);
        Value equal = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                            v[0], v[1]);
        Value before = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult,
                                             m, n);
        Value ahead = arith::OrIOp::create(
            nb, l, greater, arith::AndIOp::create(nb, l, equal, before));
        Value one = f32Constant(nb, l, 1.0), zero = f32Constant(nb, l, 0.0);
        Value count = arith::SelectOp::create(nb, l, ahead, one, zero);
        return arith::AddFOp::create(nb, l, v[2], count).getResult();
      },
      0.0);
  Value top = lb.maxLastDim(logits);
  Value shifted = lb.map(
      {{logits, {0, 1}}, {top, {0}}, {rank, {0, 1}}}, sizes,
      [&](OpBuilder &nb, Location l, ValueRange v) {
        Value e = math::ExpOp::create(nb, l,
                                      arith::SubFOp::create(nb, l, v[0], v[1]));
        Value kept = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT,
                                           v[2], f32Constant(nb, l, double(k)));
        return arith::SelectOp::create(nb, l, kept, e, f32Constant(nb, l, 0.0))
            .getResult();
      });
  Value total = lb.sumLastDim({{shifted, {0, 1}}}, shifted,
                              [](OpBuilder &, Location, ValueRange v) {
                                return v[0];
                              });
  return lb.map({{shifted, {0, 1}}, {total, {0}}}, sizes,
                [](OpBuilder &nb, Location l, ValueRange v) {
                  return arith::DivFOp::create(nb, l, v[0], v[1]).getResult();
                });
}

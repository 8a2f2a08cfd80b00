//===- StepOps.cpp - lowering the cell-step ops to linalg -----------------===//
//
// encode, layer_norm, recall, integrate and hebbian_update, each as the
// equations of ENGRAM_SEMANTICS.md in linalg on tensors. Loop dimensions are
// named in comments as (b, n, h): batch, memory slot, hidden unit.
//
//===----------------------------------------------------------------------===//

#include "passes/EngramToLinalg/LinalgBuilder.h"
#include "passes/EngramToLinalg/Patterns.h"
#include "passes/EngramToLinalg/Quantized.h"

#include "dialects/engram/EngramOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::engram;

namespace {

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

Value constantF32(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

/// 1 / sqrt(max(s, 1e-12)), the l2-normalisation factor.
Value inverseNorm(OpBuilder &b, Location loc, Value squaredNorm) {
  Value floor = constantF32(b, loc, 1e-12);
  Value clamped = arith::MaximumFOp::create(b, loc, squaredNorm, floor);
  Value root = math::SqrtOp::create(b, loc, clamped);
  return arith::DivFOp::create(b, loc, constantF32(b, loc, 1.0), root);
}

struct EncodeLowering : OpConversionPattern<EncodeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EncodeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgBuilder lb(rewriter, op.getLoc());
    rewriter.replaceOp(op, lb.dense(adaptor.getInput(), adaptor.getKernel(),
                                    adaptor.getBias(), /*relu=*/true));
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgBuilder lb(rewriter, loc);
    Value v = adaptor.getInput();
    auto type = cast<RankedTensorType>(v.getType());
    unsigned rank = type.getRank();
    SmallVector<unsigned> all, leading;
    for (unsigned i = 0; i < rank; ++i) {
      all.push_back(i);
      if (i + 1 < rank)
        leading.push_back(i);
    }
    double width = static_cast<double>(type.getShape().back());
    double epsilon = op.getEpsilon().convertToDouble();
    SmallVector<OpFoldResult> rows = lb.sizes(v);
    rows.pop_back();
    // mean = Σv / W; var = Σ(v − mean)² / W (population variance).
    Value sum = lb.sumLastDim({{v, all}}, v, [](OpBuilder &, Location,
                                                 ValueRange a) { return a[0]; });
    Value mean = lb.map({{sum, leading}}, rows,
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          return arith::DivFOp::create(
                                     b, l, a[0], constantF32(b, l, width))
                              .getResult();
                        });
    Value squares = lb.sumLastDim(
        {{v, all}, {mean, leading}}, v,
        [](OpBuilder &b, Location l, ValueRange a) {
          Value d = arith::SubFOp::create(b, l, a[0], a[1]);
          return arith::MulFOp::create(b, l, d, d).getResult();
        });
    rewriter.replaceOp(
        op, lb.map({{v, all},
                    {mean, leading},
                    {squares, leading},
                    {adaptor.getGamma(), {rank - 1}},
                    {adaptor.getBeta(), {rank - 1}}},
                   lb.sizes(v), [&](OpBuilder &b, Location l, ValueRange a) {
                     Value variance = arith::DivFOp::create(
                         b, l, a[2], constantF32(b, l, width));
                     Value shifted = arith::AddFOp::create(
                         b, l, variance, constantF32(b, l, epsilon));
                     Value scale = arith::DivFOp::create(
                         b, l, constantF32(b, l, 1.0),
                         math::SqrtOp::create(b, l, shifted));
                     Value centered = arith::SubFOp::create(b, l, a[0], a[1]);
                     Value normed = arith::MulFOp::create(b, l, centered, scale);
                     Value scaled = arith::MulFOp::create(b, l, normed, a[3]);
                     return arith::AddFOp::create(b, l, scaled, a[4])
                         .getResult();
                   }));
    return success();
  }
};

/// clip((1 − η)·t + η·a·z, −c, c), one element of the Hebbian update.
Value hebbianElement(OpBuilder &b, Location l, Value old, Value outer,
                     Value rate, double learningRate, double clip) {
  Value decayed =
      arith::MulFOp::create(b, l, old, constantF32(b, l, 1.0 - learningRate));
  Value step = arith::MulFOp::create(b, l, outer, rate);
  Value sum = arith::AddFOp::create(b, l, decayed, step);
  Value low = arith::MaximumFOp::create(b, l, sum, constantF32(b, l, -clip));
  return arith::MinimumFOp::create(b, l, low, constantF32(b, l, clip));
}

/// One element of the Hebbian update of a trace of `type` from its stored
/// value: the fixed-point integer update, or the float update computed in
/// float32 and stored back (a bfloat16 trace rounds it to nearest even).
Value traceUpdateElement(OpBuilder &b, Location l, TraceType type, Value stored,
                         Value a, Value z, double rate, double clip) {
  if (FixedAttr fixed = type.getFixed())
    return fixedHebbianElement(b, l, stored, a, z, rate, fixed);
  Value next = hebbianElement(b, l, traceElementToFloat(b, l, stored, type),
                              arith::MulFOp::create(b, l, a, z),
                              constantF32(b, l, rate), rate, clip);
  return floatToTraceElement(b, l, next, type);
}

/// Lowers engram.recall without materializing E = M + s·T: every pass over
/// the N×H state recomputes it. With a per-sequence trace whose Hebbian
/// update reads the same weights and query, the update is fused into the
/// pass that computes the recalled memory, which reads the same state:
///
///   pass 1 (b, n, h; h reduced): |E_n|², E_n·z               reads T
///   softmax over n
///   pass 2 (b, n, h; n reduced): m += a_n·E_n, T'_n = update  reads, writes T
struct RecallLowering : OpConversionPattern<RecallOp> {
  using OpConversionPattern::OpConversionPattern;

  /// What both passes over the state read: operands, sizes and constants.
  struct State {
    Value z, memory, trace;
    OpFoldResult batch, width, slots;
    /// Loops (b, n, h); the trace is indexed (b, n, h) or, shared, (n, h).
    SmallVector<unsigned> traceDims;
    TraceType traceType;
    double scale;
  };

  /// The hebbian_update consuming this recall's trace, weights and query.
  static HebbianUpdateOp fusableUpdate(RecallOp op) {
    if (op.getTrace().getType().isShared())
      return nullptr;
    for (Operation *user : op.getWeights().getUsers())
      if (auto update = dyn_cast<HebbianUpdateOp>(user))
        if (update.getTrace() == op.getTrace() &&
            update.getWeights() == op.getWeights() &&
            update.getEncoded() == op.getQuery())
          return update;
    return nullptr;
  }

  /// Gathers the state `op` reads and its sizes (tensor.dim where dynamic).
  static State stateOf(RecallOp op, OpAdaptor adaptor, LinalgBuilder &lb) {
    State s;
    s.z = adaptor.getQuery();
    s.memory = adaptor.getMemory();
    s.trace = adaptor.getTrace();
    SmallVector<OpFoldResult> zSizes = lb.sizes(s.z);
    s.batch = zSizes[0];
    s.width = zSizes[1];
    s.slots = lb.sizes(s.memory)[0];
    bool shared = op.getTrace().getType().isShared();
    s.traceDims =
        shared ? SmallVector<unsigned>{1, 2} : SmallVector<unsigned>{0, 1, 2};
    s.traceType = op.getTrace().getType();
    s.scale = op.getScaleFactor().convertToDouble();
    return s;
  }

  /// E = M + s·T, reading a fixed-point trace as q·(δ·s).
  static Value effective(OpBuilder &b, Location l, const State &s, Value m,
                         Value t) {
    Value st = traceElementToFloat(b, l, t, s.traceType, s.scale);
    return arith::AddFOp::create(b, l, m, st).getResult();
  }

  /// Pass 1: |E_n|² and E_n·z for every (b, n).
  static std::pair<Value, Value> similarities(OpBuilder &rewriter, Location loc,
                                              const State &s) {
    MLIRContext *context = rewriter.getContext();
    LinalgBuilder lb(rewriter, loc);
    Value zero = lb.filled({s.batch, s.slots}, 0.0);
    auto sims = linalg::GenericOp::create(
        rewriter, loc, TypeRange{zero.getType(), zero.getType()},
        ValueRange{s.memory, s.trace, s.z}, ValueRange{zero, zero},
        ArrayRef<AffineMap>{
            dimsMap(context, 3, {1, 2}), dimsMap(context, 3, s.traceDims),
            dimsMap(context, 3, {0, 2}), dimsMap(context, 3, {0, 1}),
            dimsMap(context, 3, {0, 1})},
        SmallVector<utils::IteratorType>{kPar, kPar, kRed},
        [&](OpBuilder &b, Location l, ValueRange v) {
          Value e = effective(b, l, s, v[0], v[1]);
          Value ee = arith::AddFOp::create(b, l, v[3],
                                           arith::MulFOp::create(b, l, e, e));
          Value ez = arith::AddFOp::create(
              b, l, v[4], arith::MulFOp::create(b, l, e, v[2]));
          linalg::YieldOp::create(b, l, ValueRange{ee, ez});
        });
    return {sims.getResult(0), sims.getResult(1)};
  }

  /// logits = (E_n·z)·|E_n|⁻¹·|z|⁻¹ / τ' for every (b, n).
  static Value cosineLogits(LinalgBuilder &lb, const State &s, Value eNorm,
                            Value dot, double invTemperature) {
    Value zNorm = lb.sumLastDim(
        {{s.z, {0, 1}}}, s.z, [](OpBuilder &b, Location l, ValueRange a) {
          return arith::MulFOp::create(b, l, a[0], a[0]).getResult();
        });
    return lb.map(
        {{dot, {0, 1}}, {eNorm, {0, 1}}, {zNorm, {0}}}, {s.batch, s.slots},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value cosine = arith::MulFOp::create(
              b, l, arith::MulFOp::create(b, l, a[0], inverseNorm(b, l, a[1])),
              inverseNorm(b, l, a[2]));
          return arith::MulFOp::create(b, l, cosine,
                                       constantF32(b, l, invTemperature))
              .getResult();
        });
  }

  /// One element of pass 2: m += a·E and, when fused, T' of `update`.
  static void recallElement(OpBuilder &b, Location l, ValueRange v,
                            const State &s, HebbianUpdateOp update, double rate,
                            double clip) {
    // v: a, M, z, [T], m_acc, [T as output]
    Value t = update ? v[4] : v[3];
    Value e = effective(b, l, s, v[1], t);
    Value acc = update ? v[3] : v[4];
    Value m =
        arith::AddFOp::create(b, l, acc, arith::MulFOp::create(b, l, v[0], e));
    if (!update) {
      linalg::YieldOp::create(b, l, ValueRange{m});
      return;
    }
    Value next =
        traceUpdateElement(b, l, s.traceType, t, v[0], v[2], rate, clip);
    linalg::YieldOp::create(b, l, ValueRange{m, next});
  }

  /// Pass 2: m[b, h] = Σ_n a[b, n]·E[(b,) n, h], and the fused update.
  static linalg::GenericOp recallPass(OpBuilder &rewriter, Location loc,
                                      const State &s, Value weights,
                                      HebbianUpdateOp update) {
    MLIRContext *context = rewriter.getContext();
    LinalgBuilder lb(rewriter, loc);
    Value recallInit = lb.filled({s.batch, s.width}, 0.0);
    SmallVector<Value> outputs = {recallInit};
    SmallVector<AffineMap> maps = {dimsMap(context, 3, {0, 1}),
                                   dimsMap(context, 3, {1, 2}),
                                   dimsMap(context, 3, {0, 2})};
    SmallVector<Value> inputs = {weights, s.memory, s.z};
    if (!update) {
      inputs.push_back(s.trace);
      maps.push_back(dimsMap(context, 3, s.traceDims));
    } else {
      outputs.push_back(s.trace); // Read as T, written as T'.
    }
    maps.push_back(dimsMap(context, 3, {0, 2}));
    if (update)
      maps.push_back(dimsMap(context, 3, {0, 1, 2}));
    double rate = update ? update.getLearningRate().convertToDouble() : 0;
    double clip = update ? update.getClip().convertToDouble() : 0;
    return linalg::GenericOp::create(
        rewriter, loc, ValueRange(outputs).getTypes(), inputs, outputs, maps,
        SmallVector<utils::IteratorType>{kPar, kRed, kPar},
        [&](OpBuilder &b, Location l, ValueRange v) {
          recallElement(b, l, v, s, update, rate, clip);
        });
  }

  LogicalResult
  matchAndRewrite(RecallOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgBuilder lb(rewriter, loc);
    State s = stateOf(op, adaptor, lb);
    auto [eNorm, dot] = similarities(rewriter, loc, s);
    // a = softmax_n(logits), over the top k logits when k is given.
    Value logits =
        cosineLogits(lb, s, eNorm, dot, 1.0 / op.getEffectiveTemperature());
    std::optional<int64_t> topK = op.getTopK();
    Value weights = topK ? topKSoftmax(rewriter, loc, logits, *topK)
                         : lb.softmaxLastDim(logits);
    HebbianUpdateOp update = fusableUpdate(op);
    linalg::GenericOp pass2 = recallPass(rewriter, loc, s, weights, update);
    if (update)
      rewriter.replaceOp(update, castTo(rewriter, loc, pass2.getResult(1),
                                        loweredTraceType(update.getType())));
    rewriter.replaceOp(
        op, {castTo(rewriter, loc, weights, op.getWeights().getType()),
             castTo(rewriter, loc, pass2.getResult(0),
                    op.getRecalled().getType())});
    return success();
  }
};

struct IntegrateLowering : OpConversionPattern<IntegrateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IntegrateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgBuilder lb(rewriter, op.getLoc());
    // [z, m, h] → B×3H, then the two dense layers.
    Value joined = tensor::ConcatOp::create(
        rewriter, op.getLoc(), /*dim=*/1,
        ValueRange{adaptor.getEncoded(), adaptor.getRecalled(),
                   adaptor.getHidden()});
    Value g = lb.dense(joined, adaptor.getIntegratorKernel(),
                       adaptor.getIntegratorBias(), /*relu=*/true);
    Value next = lb.dense(g, adaptor.getOutputKernel(),
                          adaptor.getOutputBias(), /*relu=*/true);
    rewriter.replaceOp(op, castTo(rewriter, op.getLoc(), next, op.getType()));
    return success();
  }
};

/// The Hebbian update when it was not fused into the recall (a shared
/// trace, or operands that differ from the recall's).
struct HebbianUpdateLowering : OpConversionPattern<HebbianUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  /// T'[b, n, h] = clip((1 − η)·T + η·a[b, n]·z[b, h]), written into T's
  /// own tensor so that bufferization can update the trace in place.
  static Value perSequenceUpdate(OpBuilder &rewriter, Location loc,
                                 HebbianUpdateOp op, Value trace, Value a,
                                 Value z) {
    MLIRContext *context = rewriter.getContext();
    double rate = op.getLearningRate().convertToDouble();
    double clip = op.getClip().convertToDouble();
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{trace.getType()}, ValueRange{a, z},
               ValueRange{trace},
               ArrayRef<AffineMap>{dimsMap(context, 3, {0, 1}),
                                   dimsMap(context, 3, {0, 2}),
                                   dimsMap(context, 3, {0, 1, 2})},
               SmallVector<utils::IteratorType>(3, kPar),
               [&](OpBuilder &b, Location l, ValueRange v) {
                 linalg::YieldOp::create(
                     b, l,
                     traceUpdateElement(b, l, op.getTrace().getType(), v[2],
                                        v[0], v[1], rate, clip));
               })
        .getResult(0);
  }

  /// batch_mean: O[n, h] = Σ_b a[b, n]·z[b, h]; T' = clip((1 − η)T + η/B·O).
  static Value batchMeanUpdate(OpBuilder &rewriter, Location loc,
                               HebbianUpdateOp op, Value trace, Value a,
                               Value z) {
    LinalgBuilder lb(rewriter, loc);
    double rate = op.getLearningRate().convertToDouble();
    double clip = op.getClip().convertToDouble();
    SmallVector<OpFoldResult> traceSizes = lb.sizes(trace);
    Value outer = lb.generic(
        {{a, {0, 1}}, {z, {0, 2}}}, {1, 2}, {traceSizes[0], traceSizes[1]},
        {kRed, kPar, kPar},
        [](OpBuilder &b, Location l, ValueRange v) {
          Value p = arith::MulFOp::create(b, l, v[0], v[1]);
          return arith::AddFOp::create(b, l, v[2], p).getResult();
        },
        0.0);
    Value batchSize =
        getValueOrCreateConstantIndexOp(rewriter, loc, lb.sizes(a)[0]);
    Value batchF = arith::UIToFPOp::create(
        rewriter, loc, rewriter.getF32Type(),
        arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                     batchSize));
    Value scale = arith::DivFOp::create(
        rewriter, loc, constantF32(rewriter, loc, rate), batchF);
    // Written into T's own tensor, in its storage (f32 or bfloat16).
    TraceType type = op.getTrace().getType();
    MLIRContext *context = rewriter.getContext();
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{trace.getType()}, ValueRange{outer},
               ValueRange{trace},
               ArrayRef<AffineMap>{dimsMap(context, 2, {0, 1}),
                                   dimsMap(context, 2, {0, 1})},
               SmallVector<utils::IteratorType>(2, kPar),
               [&](OpBuilder &b, Location l, ValueRange v) {
                 Value next =
                     hebbianElement(b, l, traceElementToFloat(b, l, v[1], type),
                                    v[0], scale, rate, clip);
                 linalg::YieldOp::create(b, l,
                                         floatToTraceElement(b, l, next, type));
               })
        .getResult(0);
  }

  LogicalResult
  matchAndRewrite(HebbianUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value trace = adaptor.getTrace(), a = adaptor.getWeights(),
          z = adaptor.getEncoded();
    Value next =
        op.getTrace().getType().isShared()
            ? batchMeanUpdate(rewriter, op.getLoc(), op, trace, a, z)
            : perSequenceUpdate(rewriter, op.getLoc(), op, trace, a, z);
    rewriter.replaceOp(op, next);
    return success();
  }
};

} // namespace

void mlir::engram::populateStepOpsToLinalgPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<EncodeLowering, LayerNormLowering, RecallLowering,
               IntegrateLowering, HebbianUpdateLowering>(converter,
                                                         patterns.getContext());
}

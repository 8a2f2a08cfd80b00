//===- StepOps.cpp - lowering the cell-step ops to linalg -----------------===//
//
// encode, layer_norm, recall, integrate and hebbian_update, each as the
// equations of ENGRAM_SEMANTICS.md in linalg on tensors. Loop dimensions are
// named in comments as (b, n, h): batch, memory slot, hidden unit.
//
//===----------------------------------------------------------------------===//

#include "passes/EngramToLinalg/LinalgBuilder.h"
#include "passes/EngramToLinalg/Patterns.h"

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

struct RecallLowering : OpConversionPattern<RecallOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RecallOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgBuilder lb(rewriter, loc);
    Value z = adaptor.getQuery(), memory = adaptor.getMemory(),
          trace = adaptor.getTrace();
    bool shared = op.getTrace().getType().isShared();
    double scale = op.getScaleFactor().convertToDouble();
    double invTemperature = 1.0 / op.getEffectiveTemperature();
    SmallVector<OpFoldResult> zSizes = lb.sizes(z);
    OpFoldResult batch = zSizes[0], width = zSizes[1];
    OpFoldResult slots = lb.sizes(memory)[0];

    // E = M + s·T over (b, n, h), or (n, h) for a shared trace.
    SmallVector<unsigned> eDims = shared ? SmallVector<unsigned>{1, 2}
                                         : SmallVector<unsigned>{0, 1, 2};
    SmallVector<unsigned> memDims = shared ? SmallVector<unsigned>{0, 1}
                                           : SmallVector<unsigned>{1, 2};
    SmallVector<unsigned> ownDims = shared ? SmallVector<unsigned>{0, 1}
                                           : SmallVector<unsigned>{0, 1, 2};
    Value effective = lb.map(
        {{memory, memDims}, {trace, ownDims}}, lb.sizes(trace),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value st = arith::MulFOp::create(b, l, a[1], constantF32(b, l, scale));
          return arith::AddFOp::create(b, l, a[0], st).getResult();
        });
    auto square = [](OpBuilder &b, Location l, ValueRange a) {
      return arith::MulFOp::create(b, l, a[0], a[0]).getResult();
    };
    Value zNorm = lb.sumLastDim({{z, {0, 1}}}, z, square);
    Value eNorm = lb.sumLastDim({{effective, ownDims}}, effective, square);

    // dot[b, n] = Σ_h E[(b,) n, h]·z[b, h]; logits = dot·|E|⁻¹·|z|⁻¹ / τ'.
    Value dot = lb.generic(
        {{effective, eDims}, {z, {0, 2}}}, {0, 1}, {batch, slots},
        {kPar, kPar, kRed},
        [](OpBuilder &b, Location l, ValueRange a) {
          Value p = arith::MulFOp::create(b, l, a[0], a[1]);
          return arith::AddFOp::create(b, l, a[2], p).getResult();
        },
        0.0);
    SmallVector<unsigned> eNormDims =
        shared ? SmallVector<unsigned>{1} : SmallVector<unsigned>{0, 1};
    Value logits = lb.map(
        {{dot, {0, 1}}, {eNorm, eNormDims}, {zNorm, {0}}}, {batch, slots},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value cosine = arith::MulFOp::create(
              b, l,
              arith::MulFOp::create(b, l, a[0], inverseNorm(b, l, a[1])),
              inverseNorm(b, l, a[2]));
          return arith::MulFOp::create(b, l, cosine,
                                       constantF32(b, l, invTemperature))
              .getResult();
        });
    Value weights = lb.softmaxLastDim(logits);

    // m[b, h] = Σ_n a[b, n]·E[(b,) n, h].
    Value recalled = lb.generic(
        {{weights, {0, 1}}, {effective, eDims}}, {0, 2}, {batch, width},
        {kPar, kRed, kPar},
        [](OpBuilder &b, Location l, ValueRange a) {
          Value p = arith::MulFOp::create(b, l, a[0], a[1]);
          return arith::AddFOp::create(b, l, a[2], p).getResult();
        },
        0.0);
    return rewriteResults(op, rewriter, weights, recalled);
  }

  static LogicalResult rewriteResults(RecallOp op,
                                      ConversionPatternRewriter &rewriter,
                                      Value weights, Value recalled) {
    rewriter.replaceOp(op, {castTo(rewriter, op.getLoc(), weights,
                                   op.getWeights().getType()),
                            castTo(rewriter, op.getLoc(), recalled,
                                   op.getRecalled().getType())});
    return success();
  }

  static Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
    if (value.getType() == type)
      return value;
    return tensor::CastOp::create(b, loc, type, value);
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
    if (next.getType() != op.getType())
      next = tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), next);
    rewriter.replaceOp(op, next);
    return success();
  }
};

struct HebbianUpdateLowering : OpConversionPattern<HebbianUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(HebbianUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgBuilder lb(rewriter, loc);
    Value trace = adaptor.getTrace(), a = adaptor.getWeights(),
          z = adaptor.getEncoded();
    double rate = op.getLearningRate().convertToDouble();
    double clip = op.getClip().convertToDouble();
    auto update = [&](OpBuilder &b, Location l, Value old, Value outer,
                      Value outerScale) {
      Value decayed = arith::MulFOp::create(b, l, old,
                                            constantF32(b, l, 1.0 - rate));
      Value step = arith::MulFOp::create(b, l, outer, outerScale);
      Value sum = arith::AddFOp::create(b, l, decayed, step);
      Value low = arith::MaximumFOp::create(b, l, sum, constantF32(b, l, -clip));
      return arith::MinimumFOp::create(b, l, low, constantF32(b, l, clip))
          .getResult();
    };
    Value next;
    if (!op.getTrace().getType().isShared()) {
      // T'[b, n, h] = clip((1 − η)·T + η·a[b, n]·z[b, h]).
      next = lb.map({{trace, {0, 1, 2}}, {a, {0, 1}}, {z, {0, 2}}},
                    lb.sizes(trace),
                    [&](OpBuilder &b, Location l, ValueRange v) {
                      Value outer = arith::MulFOp::create(b, l, v[1], v[2]);
                      return update(b, l, v[0], outer, constantF32(b, l, rate));
                    });
    } else {
      // batch_mean: O[n, h] = Σ_b a[b, n]·z[b, h]; T' = clip((1 − η)T + η/B·O).
      SmallVector<OpFoldResult> traceSizes = lb.sizes(trace);
      OpFoldResult batch = lb.sizes(a)[0];
      Value outer = lb.generic(
          {{a, {0, 1}}, {z, {0, 2}}}, {1, 2},
          {traceSizes[0], traceSizes[1]}, {kRed, kPar, kPar},
          [](OpBuilder &b, Location l, ValueRange v) {
            Value p = arith::MulFOp::create(b, l, v[0], v[1]);
            return arith::AddFOp::create(b, l, v[2], p).getResult();
          },
          0.0);
      Value batchSize = getValueOrCreateConstantIndexOp(rewriter, loc, batch);
      Value batchF = arith::UIToFPOp::create(
          rewriter, loc, rewriter.getF32Type(),
          arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                       batchSize));
      Value scale = arith::DivFOp::create(
          rewriter, loc, constantF32(rewriter, loc, rate), batchF);
      next = lb.map({{trace, {0, 1}}, {outer, {0, 1}}}, traceSizes,
                    [&](OpBuilder &b, Location l, ValueRange v) {
                      return update(b, l, v[0], v[1], scale);
                    });
    }
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

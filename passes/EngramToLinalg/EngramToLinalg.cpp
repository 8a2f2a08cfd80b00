//===- EngramToLinalg.cpp - the convert-engram-to-linalg pass -------------===//
//
// Two phases. First every engram.loop becomes an scf.for whose iter_args are
// (h, T, stacked states) — scf.for is type-agnostic, so the body's engram
// ops are untouched. Then a dialect conversion with a type converter
// (memory and trace → tensors) lowers every engram op and updates the
// scf.for and function signatures.
//
//===----------------------------------------------------------------------===//

#include "passes/EngramToLinalg/LinalgBuilder.h"
#include "passes/EngramToLinalg/Patterns.h"
#include "passes/EngramToLinalg/Quantized.h"
#include "passes/Passes.h"

#include "dialects/engram/EngramOps.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::engram {
#define GEN_PASS_DEF_CONVERTENGRAMTOLINALG
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

using utils::IteratorType;

//===----------------------------------------------------------------------===//
// Phase 1: engram.loop → scf.for
//===----------------------------------------------------------------------===//

void lowerLoopToScf(LoopOp loop, RewriterBase &rewriter) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  LinalgBuilder lb(rewriter, loc);
  Value input = loop.getInput();
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> in = lb.sizes(input);
  OpFoldResult width = lb.sizes(loop.getInitHidden())[1];
  Value states = lb.empty({in[0], in[1], width});
  Value steps = getValueOrCreateConstantIndexOp(rewriter, loc, in[1]);
  auto forOp = scf::ForOp::create(
      rewriter, loc, lb.indexConstant(0), steps, lb.indexConstant(1),
      ValueRange{loop.getInitHidden(), loop.getInitTrace(), states});

  Block *body = forOp.getBody();
  rewriter.setInsertionPointToStart(body);
  Value t = forOp.getInductionVar();
  OpFoldResult zero = rewriter.getIndexAttr(0), one = rewriter.getIndexAttr(1);
  auto stepType = RankedTensorType::get(
      {inputType.getDimSize(0), inputType.getDimSize(2)},
      inputType.getElementType());
  Value xt = tensor::ExtractSliceOp::create(
      rewriter, loc, stepType, input, {zero, t, zero}, {in[0], one, in[2]},
      {one, one, one});
  ValueRange carried = forOp.getRegionIterArgs();
  rewriter.mergeBlocks(&loop.getBodyBlock(), body,
                       {xt, carried[0], carried[1]});

  auto yield = cast<YieldOp>(body->getTerminator());
  rewriter.setInsertionPoint(yield);
  Value hidden = yield.getValues()[0];
  Value stored = tensor::InsertSliceOp::create(
      rewriter, loc, hidden, carried[2], {zero, t, zero},
      {in[0], one, width}, {one, one, one});
  rewriter.replaceOpWithNewOp<scf::YieldOp>(
      yield, ValueRange{hidden, yield.getValues()[1], stored});

  rewriter.setInsertionPointAfter(forOp);
  rewriter.replaceOp(loop, {castTo(rewriter, loc, forOp.getResult(2),
                                         loop.getStates().getType()),
                            forOp.getResult(0), forOp.getResult(1)});
}

//===----------------------------------------------------------------------===//
// Phase 2: state ops and heads (the step ops are in StepOps.cpp)
//===----------------------------------------------------------------------===//

struct MemoryLowering : OpConversionPattern<MemoryOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MemoryOp op, OpAdaptor /*adaptor*/,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> bank = denseMemoryBank(rewriter, op.getLoc(), op);
    if (failed(bank))
      return failure();
    rewriter.replaceOp(op, *bank);
    return success();
  }
};

struct TraceInitLowering : OpConversionPattern<TraceInitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TraceInitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgBuilder lb(rewriter, loc);
    TraceType type = op.getType();
    SmallVector<OpFoldResult> sizes;
    if (!type.isShared())
      sizes.push_back(adaptor.getBatch()
                          ? OpFoldResult(adaptor.getBatch())
                          : OpFoldResult(rewriter.getIndexAttr(type.getBatch())));
    sizes.push_back(rewriter.getIndexAttr(type.getSlots()));
    sizes.push_back(rewriter.getIndexAttr(type.getWidth()));
    Value init = adaptor.getInit();
    RankedTensorType storage = loweredTraceType(type);
    if (init && storage != type.getTensorType()) {
      // The initial values, rounded to the fixed-point grid or to bfloat16.
      auto initType = cast<RankedTensorType>(init.getType());
      int64_t rank = initType.getRank();
      Value empty = tensor::EmptyOp::create(
          rewriter, loc, tensor::getMixedSizes(rewriter, loc, init),
          storage.getElementType());
      AffineMap identity =
          AffineMap::getMultiDimIdentityMap(rank, getContext());
      init = linalg::GenericOp::create(
                 rewriter, loc, TypeRange{empty.getType()}, ValueRange{init},
                 ValueRange{empty}, ArrayRef<AffineMap>{identity, identity},
                 SmallVector<IteratorType>(rank, IteratorType::parallel),
                 [&](OpBuilder &b, Location l, ValueRange v) {
                   linalg::YieldOp::create(
                       b, l, floatToTraceElement(b, l, v[0], type));
                 })
                 .getResult(0);
    }
    Value result;
    if (!init) {
      Value zero = arith::ConstantOp::create(
          rewriter, loc, rewriter.getZeroAttr(storage.getElementType()));
      Value empty = tensor::EmptyOp::create(rewriter, loc, sizes,
                                            storage.getElementType());
      result = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                      ValueRange{empty})
                   .getResult(0);
    } else if (type.isShared() ||
               cast<RankedTensorType>(init.getType()).getRank() == 3) {
      // A shared trace, or a per-sequence state being resumed.
      result = init;
    } else {
      Value empty = tensor::EmptyOp::create(rewriter, loc, sizes,
                                            storage.getElementType());
      result = linalg::BroadcastOp::create(rewriter, loc, init, empty,
                                           ArrayRef<int64_t>{0})
                   .getResult()[0];
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, result, storage));
    return success();
  }
};

struct ReadTraceLowering : OpConversionPattern<ReadTraceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReadTraceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value trace = adaptor.getTrace();
    TraceType type = op.getTrace().getType();
    if (loweredTraceType(type) != type.getTensorType()) {
      // The values q·δ of a fixed-point trace, or a bfloat16 trace widened.
      LinalgBuilder lb(rewriter, loc);
      unsigned rank = cast<RankedTensorType>(trace.getType()).getRank();
      SmallVector<unsigned> dims;
      for (unsigned i = 0; i < rank; ++i)
        dims.push_back(i);
      trace = lb.map({{trace, dims}}, lb.sizes(trace),
                     [&](OpBuilder &b, Location l, ValueRange v) {
                       return traceElementToFloat(b, l, v[0], type);
                     });
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, trace, op.getType()));
    return success();
  }
};

struct PoolLowering : OpConversionPattern<PoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LinalgBuilder lb(rewriter, loc);
    Value states = adaptor.getStates();
    SmallVector<OpFoldResult> s = lb.sizes(states);
    Value result;
    switch (op.getKind()) {
    case PoolingKind::Sequence:
      result = states;
      break;
    case PoolingKind::Last:
      result = lastStep(rewriter, loc, states, s);
      break;
    case PoolingKind::Attention:
      result = attention(lb, states, adaptor.getKernel(), adaptor.getBias(), s);
      break;
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }

  static Value lastStep(OpBuilder &b, Location loc, Value states,
                        ArrayRef<OpFoldResult> s) {
    auto type = cast<RankedTensorType>(states.getType());
    Value steps = getValueOrCreateConstantIndexOp(b, loc, s[1]);
    Value last = arith::SubIOp::create(
        b, loc, steps, arith::ConstantIndexOp::create(b, loc, 1));
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    auto resultType = RankedTensorType::get(
        {type.getDimSize(0), type.getDimSize(2)}, type.getElementType());
    return tensor::ExtractSliceOp::create(b, loc, resultType, states,
                                          {zero, last, zero}, {s[0], one, s[2]},
                                          {one, one, one});
  }

  /// e_t = tanh(h_t·k + b), α = softmax_t(e), context = Σ_t α_t·h_t.
  static Value attention(LinalgBuilder &lb, Value states, Value kernel,
                         Value bias, ArrayRef<OpFoldResult> s) {
    OpBuilder &b = lb.builder();
    Location loc = lb.location();
    Value k = tensor::CollapseShapeOp::create(
        b, loc, kernel, ArrayRef<ReassociationIndices>{{0, 1}});
    Value b0 = tensor::ExtractOp::create(
        b, loc, bias, ValueRange{arith::ConstantIndexOp::create(b, loc, 0)});
    Value dot = lb.sumLastDim({{states, {0, 1, 2}}, {k, {2}}}, states,
                              [](OpBuilder &nb, Location l, ValueRange a) {
                                return arith::MulFOp::create(nb, l, a[0], a[1])
                                    .getResult();
                              });
    Value scores = lb.map({{dot, {0, 1}}}, {s[0], s[1]},
                          [&](OpBuilder &nb, Location l, ValueRange a) {
                            Value shifted = arith::AddFOp::create(nb, l, a[0], b0);
                            return math::TanhOp::create(nb, l, shifted)
                                .getResult();
                          });
    Value alpha = lb.softmaxLastDim(scores);
    return lb.generic(
        {{alpha, {0, 1}}, {states, {0, 1, 2}}}, {0, 2}, {s[0], s[2]},
        {IteratorType::parallel, IteratorType::reduction,
         IteratorType::parallel},
        [](OpBuilder &nb, Location l, ValueRange a) {
          Value p = arith::MulFOp::create(nb, l, a[0], a[1]);
          return arith::AddFOp::create(nb, l, a[2], p).getResult();
        },
        0.0);
  }
};

struct ReadoutLowering : OpConversionPattern<ReadoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReadoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    LinalgBuilder lb(rewriter, op.getLoc());
    Value y = lb.dense(adaptor.getInput(), adaptor.getKernel(),
                       adaptor.getBias(), /*relu=*/false);
    if (op.getActivation() == Activation::Softmax)
      y = lb.softmaxLastDim(y);
    rewriter.replaceOp(op, castTo(rewriter, op.getLoc(), y, op.getType()));
    return success();
  }
};

class EngramTypeConverter : public TypeConverter {
public:
  EngramTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion([](MemoryType type) -> Type { return type.getTensorType(); });
    addConversion(
        [](TraceType type) -> Type { return loweredTraceType(type); });
    auto cast = [](OpBuilder &b, Type type, ValueRange inputs,
                   Location loc) -> Value {
      return UnrealizedConversionCastOp::create(b, loc, type, inputs)
          .getResult(0);
    };
    addSourceMaterialization(cast);
    addTargetMaterialization(cast);
  }
};

struct ConvertEngramToLinalgPass
    : public mlir::engram::impl::ConvertEngramToLinalgBase<
          ConvertEngramToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<LoopOp> loops;
    module.walk([&](LoopOp loop) { loops.push_back(loop); });
    for (LoopOp loop : loops)
      lowerLoopToScf(loop, rewriter);

    EngramTypeConverter converter;
    ConversionTarget target(getContext());
    target.addIllegalDialect<EngramDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    RewritePatternSet patterns(&getContext());
    patterns.add<MemoryLowering, TraceInitLowering, ReadTraceLowering,
                 PoolLowering, ReadoutLowering>(converter, &getContext());
    populateStepOpsToLinalgPatterns(converter, patterns);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp func) {
      return converter.isSignatureLegal(func.getFunctionType());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp op) { return converter.isLegal(op); });
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

//===- CpuVectorize.cpp - tiling and vectorization for the CPU ------------===//
//
// Implements --engram-cpu-vectorize. Tile sizes are chosen per op so that
// every tile is static: dynamic dimensions get 1, static ones a divisor of
// their size, so no tile is partial and no masking is needed.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMCPUVECTORIZE
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

/// The largest divisor of `size` that is at most `cap` (at least 1).
int64_t divisorAtMost(int64_t size, int64_t cap) {
  for (int64_t d = std::min(size, cap); d > 1; --d)
    if (size % d == 0)
      return d;
  return 1;
}

/// Elements of an innermost reduction reduced in one vector.
constexpr int64_t kMaxReductionVector = 256;
/// Steps of an outer reduction accumulated in one vectorized tile.
constexpr int64_t kMaxReductionUnroll = 8;
/// The same for an op that updates integer state (a fixed-point trace, or
/// the bits of a bfloat16 one): its arithmetic widens each lane, and a tile
/// of 8 spills registers.
constexpr int64_t kMaxIntegerStateUnroll = 4;

struct CpuVectorizePass
    : public mlir::engram::impl::EngramCpuVectorizeBase<CpuVectorizePass> {
  using EngramCpuVectorizeBase::EngramCpuVectorizeBase;

  /// Tile sizes for `op`, one per loop; 0 leaves a loop untiled.
  SmallVector<int64_t> chooseTileSizes(linalg::LinalgOp op) const {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    SmallVector<int64_t> tiles(ranges.size(), 1);
    if (isa<linalg::MatmulOp>(op)) {
      // (m, n, k): a register tile of rows × vectors, k stepped by ≤ 8.
      int64_t caps[3] = {int64_t(tileRows),
                         int64_t(tileVectors) * int64_t(vectorWidth), 8};
      for (unsigned i = 0; i < 3; ++i)
        tiles[i] = ShapedType::isDynamic(ranges[i])
                       ? 1
                       : divisorAtMost(ranges[i], caps[i]);
      return tiles;
    }
    // A reduction over the innermost dimension becomes horizontal vector
    // reductions, one per element of the other dimensions: those are tiled
    // by 1 and the reduction is vectorized in pieces of up to 256 elements.
    // Otherwise the innermost parallel dimension is vectorized in pieces of
    // up to 4 vectors and the reductions accumulate across up to 8 of them
    // (4 for integer state).
    bool innermostReduction =
        !iterators.empty() &&
        iterators.back() == utils::IteratorType::reduction;
    int lastParallel = -1;
    for (unsigned i = 0; i < ranges.size(); ++i)
      if (iterators[i] == utils::IteratorType::parallel)
        lastParallel = i;
    bool integerState = llvm::any_of(op.getDpsInits(), [](Value init) {
      return isa<IntegerType>(getElementTypeOrSelf(init.getType()));
    });
    int64_t unroll =
        integerState ? kMaxIntegerStateUnroll : kMaxReductionUnroll;
    for (unsigned i = 0; i < ranges.size(); ++i) {
      if (ShapedType::isDynamic(ranges[i]))
        continue; // Stays 1.
      bool reduction = iterators[i] == utils::IteratorType::reduction;
      if (innermostReduction && i + 1 == ranges.size())
        tiles[i] = divisorAtMost(ranges[i], kMaxReductionVector);
      else if (!innermostReduction && int(i) == lastParallel)
        tiles[i] = divisorAtMost(ranges[i], 4 * int64_t(vectorWidth));
      else if (!innermostReduction && reduction)
        tiles[i] = divisorAtMost(ranges[i], unroll);
    }
    return tiles;
  }

  /// Tiles `op` as chosen and vectorizes the tile; leaves it scalar if the
  /// vectorizer declines.
  void tileAndVectorize(IRRewriter &rewriter, linalg::LinalgOp op) const {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<int64_t> tiles = chooseTileSizes(op);
    Operation *target = op;
    bool needsTiling = false;
    for (auto [range, tile] : llvm::zip(ranges, tiles))
      needsTiling |= ShapedType::isDynamic(range) || tile < range;
    if (needsTiling) {
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(op.getContext(), tiles));
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        return;
      rewriter.replaceOp(op, tiled->replacements);
      target = tiled->tiledOps.back();
    }
    rewriter.setInsertionPoint(target);
    FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
        rewriter, target, /*inputVectorSizes=*/{}, /*scalableDims=*/{},
        /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
        /*assumeDynamicDimsMatchVecSizes=*/false,
        /*createNamedContraction=*/true);
    if (succeeded(vectorized))
      rewriter.replaceOp(target, vectorized->replacements);
  }

  /// Reductions over outer dimensions (the innermost one parallel) become
  /// elementwise accumulation across vectors; reductions over the innermost
  /// dimension become horizontal reductions. Each strategy is applied only
  /// to the reductions it suits.
  LogicalResult lowerMultiReductions(func::FuncOp func) const {
    SmallVector<Operation *> outer, inner;
    func.walk([&](vector::MultiDimReductionOp op) {
      // The mask is returned by value: keep it alive while it is read.
      SmallVector<bool> mask = op.getReductionMask();
      (mask.back() ? inner : outer).push_back(op);
    });
    for (auto [ops, strategy] :
         {std::make_pair(outer,
                         vector::VectorMultiReductionLowering::InnerParallel),
          std::make_pair(inner,
                         vector::VectorMultiReductionLowering::InnerReduction)}) {
      if (ops.empty())
        continue;
      RewritePatternSet patterns(func.getContext());
      vector::populateVectorMultiReductionLoweringPatterns(patterns, strategy);
      GreedyRewriteConfig config;
      config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
      if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
        return failure();
    }
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *context = &getContext();
    IRRewriter rewriter(context);
    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops)
      tileAndVectorize(rewriter, op);

    // Contractions become broadcasts and FMAs (outer products); exp and
    // tanh become polynomials that stay in vector registers.
    RewritePatternSet patterns(context);
    vector::populateVectorContractLoweringPatterns(
        patterns, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorOuterProductLoweringPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) { return name == "exp" || name == "tanh"; });
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, context);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, context);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
    if (failed(lowerMultiReductions(func)))
      return signalPassFailure();

    // Let LLVM fuse multiply-add pairs into FMAs, and reduce a vector
    // horizontally as a tree rather than lane after lane.
    auto contract = arith::FastMathFlagsAttr::get(
        context, arith::FastMathFlags::contract);
    auto reassociate = arith::FastMathFlagsAttr::get(
        context, arith::FastMathFlags::contract | arith::FastMathFlags::reassoc);
    func.walk([&](Operation *op) {
      if (isa<arith::AddFOp, arith::MulFOp, arith::SubFOp>(op))
        op->setAttr("fastmath", contract);
      else if (auto reduction = dyn_cast<vector::ReductionOp>(op))
        reduction.setFastmathAttr(reassociate);
    });
  }
};

} // namespace

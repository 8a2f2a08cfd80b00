//===- HoistEncoder.cpp - encode the whole sequence before the loop -------===//
//
// Implements --engram-hoist-encoder: the encoder and LN1 depend only on the
// input, so they move out of the time loop and run on all S steps at once.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/engram/EngramOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMHOISTENCODER
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

bool isDefinedOutside(Value value, LoopOp loop) {
  return !loop.getBody().isAncestor(value.getParentRegion());
}

/// The single user of `value` if it is an op of type OpTy, else null.
template <typename OpTy> OpTy soleUser(Value value) {
  if (!value.hasOneUse())
    return nullptr;
  return dyn_cast<OpTy>(*value.getUsers().begin());
}

/// Hoists the encoder of `loop`; returns failure when the loop's step input
/// is not consumed by a hoistable encoder.
LogicalResult hoistEncoder(LoopOp loop) {
  BlockArgument step = loop.getStepInput();
  auto encode = soleUser<EncodeOp>(step);
  if (!encode || !isDefinedOutside(encode.getKernel(), loop) ||
      !isDefinedOutside(encode.getBias(), loop))
    return failure();
  auto norm = soleUser<LayerNormOp>(encode.getResult());
  if (norm && (norm.getInput() != encode.getResult() ||
               !isDefinedOutside(norm.getGamma(), loop) ||
               !isDefinedOutside(norm.getBeta(), loop)))
    norm = nullptr;

  OpBuilder b(loop);
  auto inputType = cast<RankedTensorType>(loop.getInput().getType());
  auto stepType = cast<RankedTensorType>(encode.getType());
  auto sequenceType = RankedTensorType::get(
      {inputType.getDimSize(0), inputType.getDimSize(1), stepType.getDimSize(1)},
      stepType.getElementType());
  Value sequence =
      EncodeOp::create(b, encode.getLoc(), sequenceType, loop.getInput(),
                       encode.getKernel(), encode.getBias());
  Value replaced = encode.getResult();
  if (norm) {
    sequence = LayerNormOp::create(b, norm.getLoc(), sequenceType, sequence,
                                   norm.getGamma(), norm.getBeta(),
                                   norm.getEpsilonAttr());
    replaced = norm.getResult();
  }

  loop.getInputMutable().assign(sequence);
  step.setType(stepType);
  replaced.replaceAllUsesWith(step);
  if (norm)
    norm.erase();
  encode.erase();
  return success();
}

struct HoistEncoderPass
    : public mlir::engram::impl::EngramHoistEncoderBase<HoistEncoderPass> {
  void runOnOperation() override {
    SmallVector<LoopOp> loops;
    getOperation().walk([&](LoopOp loop) { loops.push_back(loop); });
    for (LoopOp loop : loops)
      (void)hoistEncoder(loop);
  }
};

} // namespace

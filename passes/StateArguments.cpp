//===- StateArguments.cpp - the initial state as arguments of @forward ----===//
//
// engram-state-arguments: @forward as the importer builds it starts every
// run from h = 0 and T = T₀. This pass makes that start a pair of
// arguments, so that a run can resume from the final state of another (a
// stream fed in chunks): `@forward(%x)` becomes `@forward(%x, %h0, %t0)`,
// the loop starts from `%h0`, and the trace from `engram.trace_init from
// %t0` (rounded to a compressed trace's grid). The default each argument
// replaces is kept on it as `engram.default`.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/engram/EngramOps.h"

#include "mlir/IR/Matchers.h"

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMSTATEARGUMENTS
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

constexpr const char *kDefaultAttr = "engram.default";

/// The one engram.loop of `func`, or a diagnostic.
FailureOr<LoopOp> findLoop(func::FuncOp func) {
  SmallVector<LoopOp> loops(func.getBody().getOps<LoopOp>());
  if (loops.size() != 1)
    return func.emitError()
           << "engram-state-arguments: @" << func.getName()
           << " must hold one engram.loop, it holds " << loops.size();
  return loops.front();
}

/// What `init` started the trace from: its constant T₀, or "zeros".
Attribute defaultTrace(TraceInitOp init) {
  ElementsAttr constant;
  if (init.getInit() && matchPattern(init.getInit(), m_Constant(&constant)))
    return constant;
  return StringAttr::get(init.getContext(), "zeros");
}

} // namespace

LogicalResult mlir::engram::exposeInitialState(func::FuncOp func) {
  if (func.getNumArguments() == 3 && func.getArgAttr(2, kDefaultAttr))
    return success(); // Already done.
  FailureOr<LoopOp> found = findLoop(func);
  if (failed(found))
    return failure();
  LoopOp loop = *found;
  auto init = loop.getInitTrace().getDefiningOp<TraceInitOp>();
  if (!init || (init.getInit() && !matchPattern(init.getInit(), m_Constant())))
    return loop.emitOpError() << "engram-state-arguments: the initial trace "
                                 "must come from engram.trace_init of a "
                                 "constant or of zeros";
  TraceType traceType = init.getType();
  if (func.getNumArguments() != 1)
    return func.emitError() << "engram-state-arguments: @" << func.getName()
                            << " must take the input only, it takes "
                            << func.getNumArguments() << " arguments";

  MLIRContext *context = func.getContext();
  Location loc = loop.getLoc();
  Type hiddenType = loop.getInitHidden().getType();
  auto zeros = StringAttr::get(context, "zeros");
  auto attrs = [&](Attribute value) {
    return DictionaryAttr::get(context, {NamedAttribute(kDefaultAttr, value)});
  };
  if (failed(func.insertArgument(1, hiddenType, attrs(zeros), loc)) ||
      failed(func.insertArgument(2, traceType.getTensorType(),
                                 attrs(defaultTrace(init)), loc)))
    return failure();

  Value oldHidden = loop.getInitHidden();
  loop.getInitHiddenMutable().assign(func.getArgument(1));
  OpBuilder b(init);
  auto resumed = TraceInitOp::create(b, init.getLoc(), traceType,
                                     func.getArgument(2), init.getBatch());
  loop.getInitTraceMutable().assign(resumed);
  for (Value dead : {Value(init), oldHidden})
    if (Operation *op = dead.getDefiningOp(); op && op->use_empty())
      op->erase();
  return success();
}

namespace {

struct StateArguments
    : mlir::engram::impl::EngramStateArgumentsBase<StateArguments> {
  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>("forward");
    if (!func) {
      getOperation().emitError()
          << "engram-state-arguments: the module has no func.func @forward";
      return signalPassFailure();
    }
    if (failed(exposeInitialState(func)))
      signalPassFailure();
  }
};

} // namespace

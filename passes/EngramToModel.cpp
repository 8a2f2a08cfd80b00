//===- EngramToModel.cpp - the cell an engram module computes -------------===//
//
// The CUDA backend (one fused kernel for the whole recurrence) and the
// conversion to spiking networks need the cell as a whole: sizes,
// hyper-parameters, head and weights. This file recognises the engram cell in
// `@forward` (the structure the importer builds, with or without compression
// passes) and reads it back into a runtime::Model. Anything else gets a
// diagnostic on the op that does not fit. A quantized or pruned memory bank
// becomes its dense float values q·scale, exactly the bank the semantics define
// (docs/quantization.md).
//
//===----------------------------------------------------------------------===//

#include "passes/EngramToModel.h"

#include "dialects/engram/EngramOps.h"
#include "passes/ConstantData.h"
#include "passes/ModelToEngram.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::engram;
namespace rt = ::engram::runtime;

namespace {

/// Reads the constant tensor `value` into `model.weights[name]`.
LogicalResult readWeight(StringRef purpose, Operation *user, Value value,
                         StringRef name, rt::Model &model) {
  ElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return user->emitOpError() << purpose << ": operand for " << name
                               << " must be a constant tensor";
  FailureOr<SmallVector<float>> data = readFloats(attr);
  if (failed(data))
    return user->emitOpError() << purpose << ": the data of " << name
                               << " is not float32 values in the module "
                                  "(printed with elided resources?)";
  auto type = cast<ShapedType>(attr.getType());
  rt::WeightTensor &tensor = model.weights[name.str()];
  tensor.shape.assign(type.getShape().begin(), type.getShape().end());
  tensor.data.assign(data->begin(), data->end());
  return success();
}

/// The dense float bank M̂ of `memory`: q·scale, ELL rows scattered.
LogicalResult readMemory(StringRef purpose, MemoryOp memory, rt::Model &model) {
  MemoryType type = memory.getType();
  const int64_t rows = type.getSlots(), width = type.getWidth(),
                columns = type.getStoredColumns();
  SmallVector<float> stored;
  if (QuantAttr quant = type.getQuant()) {
    FailureOr<SmallVector<int64_t>> q = readIntegers(memory.getValue());
    FailureOr<SmallVector<float>> scales = readFloats(memory.getScalesAttr());
    if (failed(q) || failed(scales))
      return memory.emitOpError()
             << purpose << ": the quantized bank's data is not in the module";
    bool perRow = quant.getScale() == QuantScale::Row;
    for (int64_t i = 0; i < rows * columns; ++i)
      stored.push_back(float((*q)[i]) * (*scales)[perRow ? i / columns : 0]);
  } else {
    FailureOr<SmallVector<float>> values = readFloats(memory.getValue());
    if (failed(values))
      return memory.emitOpError() << purpose
                                  << ": the memory bank's data "
                                     "is not in the module (printed with "
                                     "elided resources?)";
    stored = std::move(*values);
  }
  rt::WeightTensor &bank = model.weights["cell.memory"];
  bank.shape = {rows, width};
  bank.data.assign(rows * width, 0.0f);
  SmallVector<int64_t> columnOf;
  if (type.getSparsity()) {
    FailureOr<SmallVector<int64_t>> indices =
        readIntegers(memory.getIndicesAttr());
    if (failed(indices))
      return memory.emitOpError() << purpose
                                  << ": the bank's indices are "
                                     "not dense integers";
    columnOf = std::move(*indices);
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      bank.data[r * width +
                (columnOf.empty() ? c : columnOf[r * columns + c])] =
          stored[r * columns + c];
  return success();
}

/// Requires `actual` to be the semantics' constant `expected`.
LogicalResult checkConstant(StringRef purpose, Operation *op, StringRef what,
                            double actual, double expected) {
  if (std::abs(actual - expected) <= 1e-12 * std::abs(expected))
    return success();
  return op->emitOpError() << purpose << ": " << what << " must be " << expected
                           << " (ENGRAM_SEMANTICS.md), got " << actual;
}

/// Reads the step ops of the loop body into a model, one op kind at a time.
class StepLifter {
public:
  StepLifter(StringRef purpose, rt::Model &model)
      : purpose(purpose), model(model), cell(model.config.cell) {}

  /// How many layer norms the step had.
  int layerNorms = 0;

  /// The encoder's kernel and bias.
  LogicalResult lift(EncodeOp encode) {
    return success(succeeded(readWeight(purpose, encode, encode.getKernel(),
                                        "cell.encoder.kernel", model)) &&
                   succeeded(readWeight(purpose, encode, encode.getBias(),
                                        "cell.encoder.bias", model)));
  }

  /// The first or second layer norm's gamma and beta, and its epsilon.
  LogicalResult lift(LayerNormOp norm) {
    std::string prefix = ++layerNorms == 1 ? "cell.norm1" : "cell.norm2";
    if (layerNorms > 2)
      return norm.emitOpError() << purpose
                                << ": the cell has two layer "
                                   "norms at most";
    return success(succeeded(checkConstant(purpose, norm, "epsilon",
                                           norm.getEpsilon().convertToDouble(),
                                           rt::kLayerNormEpsilon)) &&
                   succeeded(readWeight(purpose, norm, norm.getGamma(),
                                        prefix + ".gamma", model)) &&
                   succeeded(readWeight(purpose, norm, norm.getBeta(),
                                        prefix + ".beta", model)));
  }

  /// The recall's hyper-parameters and the memory bank.
  LogicalResult lift(RecallOp recall) {
    if (recall.getTopK())
      return recall.emitOpError() << purpose
                                  << ": top-k recall is not "
                                     "implemented by the CUDA kernels yet";
    cell.scaleFactor = recall.getScaleFactor().convertToDouble();
    cell.temperature = recall.getTemperature().convertToDouble();
    cell.sparsityStrength = recall.getSparsityStrength().convertToDouble();
    cell.memorySize = recall.getMemory().getType().getSlots();
    auto memory = recall.getMemory().getDefiningOp<MemoryOp>();
    if (!memory)
      return recall.emitOpError() << purpose
                                  << ": the memory bank must come "
                                     "from engram.memory";
    return readMemory(purpose, memory, model);
  }

  /// The integrator's and output layer's kernels and biases.
  LogicalResult lift(IntegrateOp integrate) {
    return success(
        succeeded(readWeight(purpose, integrate,
                             integrate.getIntegratorKernel(),
                             "cell.integrator.kernel", model)) &&
        succeeded(readWeight(purpose, integrate, integrate.getIntegratorBias(),
                             "cell.integrator.bias", model)) &&
        succeeded(readWeight(purpose, integrate, integrate.getOutputKernel(),
                             "cell.output.kernel", model)) &&
        succeeded(readWeight(purpose, integrate, integrate.getOutputBias(),
                             "cell.output.bias", model)));
  }

  /// The Hebbian learning rate, and the trace clip the kernels assume.
  LogicalResult lift(HebbianUpdateOp update) {
    if (update.getTrace().getType().getFixed())
      return update.emitOpError() << purpose
                                  << ": fixed-point traces are not "
                                     "implemented by the CUDA kernels yet";
    cell.hebbianLr = update.getLearningRate().convertToDouble();
    return checkConstant(purpose, update, "the trace clip",
                         update.getClip().convertToDouble(), rt::kTraceClip);
  }

private:
  StringRef purpose;
  rt::Model &model;
  rt::CellConfig &cell;
};

/// Reads the loop body: encoder, layer norms, recall, integrator, update.
LogicalResult liftStep(StringRef purpose, LoopOp loop, rt::Model &model) {
  Block &body = loop.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  StepLifter lifter(purpose, model);
  for (Operation &op : body.without_terminator()) {
    LogicalResult result =
        TypeSwitch<Operation *, LogicalResult>(&op)
            .Case<EncodeOp, LayerNormOp, RecallOp, IntegrateOp,
                  HebbianUpdateOp>([&](auto step) { return lifter.lift(step); })
            .Case<arith::ConstantOp>([](auto) { return success(); })
            .Default([&](Operation *other) -> LogicalResult {
              return other->emitOpError() << purpose
                                          << ": not part of the engram cell "
                                             "the CUDA kernels implement";
            });
    if (failed(result))
      return failure();
  }
  model.config.cell.useLayerNorm = lifter.layerNorms == 2;
  if (lifter.layerNorms == 1)
    return loop.emitOpError() << purpose
                              << ": the cell has both layer "
                                 "norms or none";
  if (yield.getNumOperands() != 2)
    return loop.emitOpError() << purpose << ": unexpected loop body";
  return success();
}

/// Reads the head after the loop: pooling and readout.
LogicalResult liftHead(StringRef purpose, func::FuncOp func, LoopOp loop,
                       rt::Model &model) {
  rt::ModelConfig &config = model.config;
  PoolOp pool;
  ReadoutOp readout;
  for (Operation *user : loop.getStates().getUsers()) {
    if (auto p = dyn_cast<PoolOp>(user))
      pool = p;
    else if (auto r = dyn_cast<ReadoutOp>(user))
      readout = r;
  }
  if (pool) {
    for (Operation *user : pool.getResult().getUsers())
      if (auto r = dyn_cast<ReadoutOp>(user))
        readout = r;
    config.hasHead = true;
    switch (pool.getKind()) {
    case PoolingKind::Last:
      config.head.pooling = rt::Pooling::Last;
      break;
    case PoolingKind::Attention:
      config.head.pooling = rt::Pooling::Attention;
      if (failed(readWeight(purpose, pool, pool.getKernel(), "pool.kernel",
                            model)) ||
          failed(readWeight(purpose, pool, pool.getBias(), "pool.bias", model)))
        return failure();
      break;
    case PoolingKind::Sequence:
      config.head.pooling = rt::Pooling::Sequence;
      break;
    }
  } else if (readout) {
    config.hasHead = true;
    config.head.pooling = rt::Pooling::Sequence;
  }
  if (readout) {
    config.head.activation = readout.getActivation() == Activation::Softmax
                                 ? rt::Activation::Softmax
                                 : rt::Activation::Linear;
    config.head.units = cast<ShapedType>(readout.getType()).getShape().back();
    if (failed(readWeight(purpose, readout, readout.getKernel(),
                          "readout.kernel", model)) ||
        failed(readWeight(purpose, readout, readout.getBias(), "readout.bias",
                          model)))
      return failure();
  }
  // The entry returns (output, final h, final trace) like the importer's.
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  if (ret.getNumOperands() != 3 || ret.getOperand(1) != loop.getFinalHidden())
    return ret.emitOpError() << purpose << ": @" << kEntryName
                             << " must return (output, final h, final trace) "
                                "as the importer builds it";
  return success();
}

} // namespace

FailureOr<rt::Model> mlir::engram::liftModel(ModuleOp module,
                                             StringRef purpose) {
  auto func = module.lookupSymbol<func::FuncOp>(kEntryName);
  if (!func)
    return module.emitError() << purpose << ": no function @" << kEntryName;
  SmallVector<LoopOp> loops;
  func.walk([&](LoopOp loop) { loops.push_back(loop); });
  if (loops.size() != 1)
    return func.emitOpError() << purpose
                              << ": expected one engram.loop, "
                                 "found "
                              << loops.size();
  LoopOp loop = loops.front();
  for (Operation &op : func.getBody().front())
    if (isa<EncodeOp, LayerNormOp>(op))
      return op.emitOpError() << purpose
                              << ": expects the encoder inside the "
                                 "step; compile without --hoist-encoder";
  rt::Model model;
  auto inputType = cast<ShapedType>(loop.getInput().getType());
  model.config.inputDim = inputType.getShape().back();
  model.config.cell.hiddenDim =
      cast<ShapedType>(loop.getInitHidden().getType()).getShape().back();
  auto traceType = cast<TraceType>(loop.getInitTrace().getType());
  model.config.traceBatching = traceType.isShared()
                                   ? rt::TraceBatching::BatchMean
                                   : rt::TraceBatching::PerSequence;
  if (auto init = loop.getInitTrace().getDefiningOp<TraceInitOp>()) {
    if (init.getInit() && failed(readWeight(purpose, init, init.getInit(),
                                            "cell.trace_init", model)))
      return failure();
  } else {
    return loop.emitOpError() << purpose
                              << ": the initial trace must come "
                                 "from engram.trace_init";
  }
  if (failed(liftStep(purpose, loop, model)) ||
      failed(liftHead(purpose, func, loop, model)))
    return failure();
  if (rt::Status status = rt::validateConfig(model.config); !status)
    return func.emitOpError() << purpose << ": " << status.message();
  if (rt::Status status = rt::validateWeights(model.config, model.weights);
      !status)
    return func.emitOpError() << purpose << ": " << status.message();
  return model;
}

//===- CellPlan.cpp - the engram cell a module computes -------------------===//
//
// Recognises the engram cell in `@forward` (the structure the importer
// builds, with or without compression passes) and reads it into a CellPlan
// (CellPlan.h). Anything else gets a diagnostic on the op that does not fit.
//
//===----------------------------------------------------------------------===//

#include "passes/CellPlan.h"

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

/// Reads the constant tensor `value` into `plan.weights[name]`.
LogicalResult readWeight(StringRef purpose, Operation *user, Value value,
                         StringRef name, CellPlan &plan) {
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
  rt::WeightTensor &tensor = plan.weights[name.str()];
  tensor.shape.assign(type.getShape().begin(), type.getShape().end());
  tensor.data.assign(data->begin(), data->end());
  return success();
}

} // namespace

FailureOr<BankStorage> mlir::engram::readBank(MemoryOp memory,
                                              StringRef purpose) {
  BankStorage bank;
  MemoryType type = memory.getType();
  bank.rows = type.getSlots();
  bank.width = type.getWidth();
  bank.columns = type.getStoredColumns();
  if (QuantAttr quant = type.getQuant()) {
    FailureOr<SmallVector<int64_t>> q = readIntegers(memory.getValue());
    FailureOr<SmallVector<float>> scales = readFloats(memory.getScalesAttr());
    if (failed(q) || failed(scales))
      return memory.emitOpError()
             << purpose << ": the quantized bank's data is not in the module";
    bank.bits = quant.getBits();
    bank.rowScale = quant.getScale() == QuantScale::Row;
    bank.integers.assign(q->begin(), q->end());
    bank.scales.assign(scales->begin(), scales->end());
  } else {
    FailureOr<SmallVector<float>> values = readFloats(memory.getValue());
    if (failed(values))
      return memory.emitOpError() << purpose
                                  << ": the memory bank's data "
                                     "is not in the module (printed with "
                                     "elided resources?)";
    bank.values.assign(values->begin(), values->end());
  }
  if (type.getSparsity()) {
    FailureOr<SmallVector<int64_t>> indices =
        readIntegers(memory.getIndicesAttr());
    if (failed(indices))
      return memory.emitOpError() << purpose
                                  << ": the bank's indices are "
                                     "not dense integers";
    bank.columnOf.assign(indices->begin(), indices->end());
  }
  return bank;
}

namespace {

/// Requires `actual` to be the semantics' constant `expected`.
LogicalResult checkConstant(StringRef purpose, Operation *op, StringRef what,
                            double actual, double expected) {
  if (std::abs(actual - expected) <= 1e-12 * std::abs(expected))
    return success();
  return op->emitOpError() << purpose << ": " << what << " must be " << expected
                           << " (ENGRAM_SEMANTICS.md), got " << actual;
}

/// Reads the step ops of the loop body into a plan, one op kind at a time.
class StepLifter {
public:
  StepLifter(StringRef purpose, CellPlan &plan)
      : purpose(purpose), plan(plan), cell(plan.config.cell) {}

  /// How many layer norms the step had.
  int layerNorms = 0;

  /// The encoder's kernel and bias.
  LogicalResult lift(EncodeOp encode) {
    return success(succeeded(readWeight(purpose, encode, encode.getKernel(),
                                        "cell.encoder.kernel", plan)) &&
                   succeeded(readWeight(purpose, encode, encode.getBias(),
                                        "cell.encoder.bias", plan)));
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
                                        prefix + ".gamma", plan)) &&
                   succeeded(readWeight(purpose, norm, norm.getBeta(),
                                        prefix + ".beta", plan)));
  }

  /// The recall's hyper-parameters, top-k and the memory bank.
  LogicalResult lift(RecallOp recall) {
    plan.recallOp = recall;
    plan.topK = recall.getTopK().value_or(0);
    cell.scaleFactor = recall.getScaleFactor().convertToDouble();
    cell.temperature = recall.getTemperature().convertToDouble();
    cell.sparsityStrength = recall.getSparsityStrength().convertToDouble();
    cell.memorySize = recall.getMemory().getType().getSlots();
    auto memory = recall.getMemory().getDefiningOp<MemoryOp>();
    if (!memory)
      return recall.emitOpError() << purpose
                                  << ": the memory bank must come "
                                     "from engram.memory";
    plan.memoryOp = memory;
    FailureOr<BankStorage> bank = readBank(memory, purpose);
    if (failed(bank))
      return failure();
    plan.bank = std::move(*bank);
    return success();
  }

  /// The integrator's and output layer's kernels and biases.
  LogicalResult lift(IntegrateOp integrate) {
    return success(
        succeeded(readWeight(purpose, integrate,
                             integrate.getIntegratorKernel(),
                             "cell.integrator.kernel", plan)) &&
        succeeded(readWeight(purpose, integrate, integrate.getIntegratorBias(),
                             "cell.integrator.bias", plan)) &&
        succeeded(readWeight(purpose, integrate, integrate.getOutputKernel(),
                             "cell.output.kernel", plan)) &&
        succeeded(readWeight(purpose, integrate, integrate.getOutputBias(),
                             "cell.output.bias", plan)));
  }

  /// The Hebbian learning rate, the trace clip and the trace's storage.
  LogicalResult lift(HebbianUpdateOp update) {
    plan.updateOp = update;
    if (FixedAttr fixed = update.getTrace().getType().getFixed()) {
      plan.trace.bits = fixed.getBits();
      plan.trace.bound = fixed.getBound().getValueAsDouble();
    }
    plan.trace.bf16 = bool(update.getTrace().getType().getBf16());
    cell.hebbianLr = update.getLearningRate().convertToDouble();
    return checkConstant(purpose, update, "the trace clip",
                         update.getClip().convertToDouble(), rt::kTraceClip);
  }

private:
  StringRef purpose;
  CellPlan &plan;
  rt::CellConfig &cell;
};

/// Reads the loop body: encoder, layer norms, recall, integrator, update.
LogicalResult liftStep(StringRef purpose, LoopOp loop, CellPlan &plan) {
  Block &body = loop.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  StepLifter lifter(purpose, plan);
  for (Operation &op : body.without_terminator()) {
    LogicalResult result =
        TypeSwitch<Operation *, LogicalResult>(&op)
            .Case<EncodeOp, LayerNormOp, RecallOp, IntegrateOp,
                  HebbianUpdateOp>([&](auto step) { return lifter.lift(step); })
            .Case<arith::ConstantOp>([](auto) { return success(); })
            .Default([&](Operation *other) -> LogicalResult {
              return other->emitOpError() << purpose
                                          << ": not part of the engram cell";
            });
    if (failed(result))
      return failure();
  }
  plan.config.cell.useLayerNorm = lifter.layerNorms == 2;
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
                       CellPlan &plan) {
  rt::ModelConfig &config = plan.config;
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
                            plan)) ||
          failed(readWeight(purpose, pool, pool.getBias(), "pool.bias", plan)))
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
                          "readout.kernel", plan)) ||
        failed(readWeight(purpose, readout, readout.getBias(), "readout.bias",
                          plan)))
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

FailureOr<CellPlan> mlir::engram::analyzeCell(ModuleOp module,
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
  CellPlan plan;
  auto inputType = cast<ShapedType>(loop.getInput().getType());
  plan.config.inputDim = inputType.getShape().back();
  plan.config.cell.hiddenDim =
      cast<ShapedType>(loop.getInitHidden().getType()).getShape().back();
  auto traceType = cast<TraceType>(loop.getInitTrace().getType());
  plan.config.traceBatching = traceType.isShared()
                                   ? rt::TraceBatching::BatchMean
                                   : rt::TraceBatching::PerSequence;
  if (auto init = loop.getInitTrace().getDefiningOp<TraceInitOp>()) {
    if (init.getInit() && failed(readWeight(purpose, init, init.getInit(),
                                            "cell.trace_init", plan)))
      return failure();
  } else {
    return loop.emitOpError() << purpose
                              << ": the initial trace must come "
                                 "from engram.trace_init";
  }
  if (failed(liftStep(purpose, loop, plan)) ||
      failed(liftHead(purpose, func, loop, plan)))
    return failure();
  if (rt::Status status = rt::validateConfig(plan.config); !status)
    return func.emitOpError() << purpose << ": " << status.message();
  // The checks of a package, on the weights with the bank M̂.
  std::map<std::string, rt::WeightTensor> weights = plan.weights;
  weights["cell.memory"] = {{plan.bank.rows, plan.bank.width},
                            plan.bank.dense()};
  if (rt::Status status = rt::validateWeights(plan.config, weights); !status)
    return func.emitOpError() << purpose << ": " << status.message();
  return plan;
}

std::vector<float> BankStorage::dense() const {
  std::vector<float> bank(rows * width, 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c) {
      int64_t k = r * columns + c;
      bank[r * width + columnAt(r, c)] =
          quantized() ? float(integers[k]) * scaleOf(r) : values[k];
    }
  return bank;
}

std::vector<int64_t> BankStorage::denseIntegers() const {
  assert(quantized() && "a float bank has no integers");
  std::vector<int64_t> bank(rows * width, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      bank[r * width + columnAt(r, c)] = integers[r * columns + c];
  return bank;
}

rt::PackedBank BankStorage::packed() const {
  rt::PackedBank bank;
  bank.bits = bits;
  bank.perByte = rt::bankValuesPerByte(bits, pruned());
  bank.rowScale = rowScale;
  bank.rows = rows;
  bank.width = width;
  bank.values = rt::packBankRows(denseIntegers(), rows, width, bank.perByte);
  bank.scales = scales;
  return bank;
}

const rt::WeightTensor *CellPlan::find(const std::string &name) const {
  auto found = weights.find(name);
  return found == weights.end() ? nullptr : &found->second;
}

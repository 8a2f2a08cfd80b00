//===- Interpreter.cpp - execute engram IR with the reference kernels -----===//
//
// A direct evaluator: one value map, one handler per op, the loop body run S
// times. Each result is checked against the static dimensions of its IR type,
// so a wrong input width or inconsistent batch is reported at the op.
//
//===----------------------------------------------------------------------===//

#include "backends/reference/Interpreter.h"

#include "dialects/engram/EngramOps.h"
#include "runtime/Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::engram;
namespace rt = ::engram::runtime;

namespace {

template <typename T> class Interpreter {
public:
  using Tensor = rt::Tensor<T>;

  /// Evaluates the ops of `block`; the terminator's operands are returned.
  FailureOr<SmallVector<Tensor>> runBlock(Block &block);

  void bind(Value value, Tensor tensor) {
    if (value == watched)
      watchedValue = tensor;
    values[value] = std::move(tensor);
  }
  LogicalResult bindChecked(Operation *op, Value value, Tensor tensor);

  /// Filled step by step by the time loop, when set.
  rt::TraceRecording<T> *recording = nullptr;

private:
  /// The value of an SSA tensor; evaluation order (dominance) guarantees it
  /// has been computed, since every op either binds its results or fails.
  const Tensor &get(Value value) {
    auto it = values.find(value);
    assert(it != values.end() && "operand evaluated before its definition");
    return it->second;
  }
  int64_t index(Value value) {
    auto it = indices.find(value);
    assert(it != indices.end() && "index operand without a value");
    return it->second;
  }
  LogicalResult evaluate(Operation &op);
  LogicalResult evaluateConstant(arith::ConstantOp op);
  LogicalResult evaluateLoop(LoopOp loop);
  /// One per op kind.
  LogicalResult evaluateOp(tensor::DimOp dim);
  LogicalResult evaluateOp(tensor::SplatOp splat);
  LogicalResult evaluateOp(MemoryOp memory);
  LogicalResult evaluateOp(TraceInitOp init);
  LogicalResult evaluateOp(ReadTraceOp read);
  LogicalResult evaluateOp(EncodeOp encode);
  LogicalResult evaluateOp(LayerNormOp norm);
  LogicalResult evaluateOp(RecallOp recall);
  LogicalResult evaluateOp(IntegrateOp op);
  LogicalResult evaluateOp(HebbianUpdateOp op);
  LogicalResult evaluateOp(PoolOp op);
  LogicalResult evaluateOp(ReadoutOp op);
  LogicalResult checkSameBatch(Operation *op, ArrayRef<Value> batched);
  FailureOr<Tensor> memoryBank(MemoryOp memory);
  /// The values of a trace: its tensor (a bfloat16 trace holds its rounded
  /// values), or q·δ for a fixed-point trace.
  Tensor traceValues(Value trace) { return traceValues(trace, get(trace)); }
  /// The values of `stored`, a trace of `trace`'s type.
  Tensor traceValues(Value trace, const Tensor &stored) {
    FixedAttr fixed = cast<TraceType>(trace.getType()).getFixed();
    return fixed ? rt::dequantizeTrace(stored, fixed.getStep()) : stored;
  }
  LogicalResult startRecording(LoopOp loop, int64_t batch, int64_t steps);
  FailureOr<Tensor> elements(Operation *op, Attribute attr);

  DenseMap<Value, Tensor> values;
  DenseMap<Value, int64_t> indices;
  /// A value of the loop body kept when it is bound (the recall weights a
  /// recording needs after the body's values are gone).
  Value watched;
  Tensor watchedValue;
};

template <typename T>
LogicalResult Interpreter<T>::bindChecked(Operation *op, Value value,
                                          Tensor tensor) {
  ArrayRef<int64_t> expected = getShapeOf(value.getType());
  bool ok = expected.size() == tensor.shape.size();
  for (size_t i = 0; ok && i < expected.size(); ++i)
    ok = ShapedType::isDynamic(expected[i]) || expected[i] == tensor.shape[i];
  if (!ok)
    return op->emitError() << "value has shape "
                           << rt::shapeToString(tensor.shape)
                           << " at run time, but its type is "
                           << value.getType();
  bind(value, std::move(tensor));
  return success();
}

/// The operands of `op` that carry the batch as their leading dimension
/// (a shared trace does not).
SmallVector<Value> batchedOperands(Operation *op) {
  auto perSequence = [](Value trace) {
    return !cast<TraceType>(trace.getType()).isShared();
  };
  SmallVector<Value> values;
  TypeSwitch<Operation *>(op)
      .Case([&](RecallOp recall) {
        values.push_back(recall.getQuery());
        if (perSequence(recall.getTrace()))
          values.push_back(recall.getTrace());
      })
      .Case([&](IntegrateOp integrate) {
        values.append({integrate.getEncoded(), integrate.getRecalled(),
                       integrate.getHidden()});
      })
      .Case([&](HebbianUpdateOp update) {
        values.append({update.getWeights(), update.getEncoded()});
        if (perSequence(update.getTrace()))
          values.push_back(update.getTrace());
      })
      .Case([&](LoopOp loop) {
        values.append({loop.getInput(), loop.getInitHidden()});
        if (perSequence(loop.getInitTrace()))
          values.push_back(loop.getInitTrace());
      });
  return values;
}

/// The kernels index feature dimensions from the types; only the batch
/// (leading) and step (second of a rank-3 tensor) dimensions may be dynamic.
LogicalResult checkStaticFeatures(Operation *op, Type type) {
  ArrayRef<int64_t> shape = getShapeOf(type);
  size_t firstFeature = isa<RankedTensorType>(type) && shape.size() == 3 ? 2
                        : isa<TraceType>(type) ? shape.size() - 2
                                               : 1;
  if (isa<MemoryType>(type) || (isa<RankedTensorType>(type) && shape.size() < 2))
    firstFeature = 0;
  for (size_t i = firstFeature; i < shape.size(); ++i)
    if (ShapedType::isDynamic(shape[i]))
      return op->emitError() << "the reference interpreter needs static "
                                "feature dimensions, got "
                             << type;
  return success();
}

template <typename T>
FailureOr<rt::Tensor<T>> Interpreter<T>::elements(Operation *op,
                                                  Attribute attr) {
  auto shaped = dyn_cast<ShapedType>(cast<TypedAttr>(attr).getType());
  Tensor tensor;
  tensor.shape.assign(shaped.getShape().begin(), shaped.getShape().end());
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data)
      return op->emitError()
             << "the data of dense resource '"
             << resource.getRawHandle().getKey()
             << "' is not in the module (was it printed with "
                "--mlir-elide-resource-strings-if-larger?)";
    tensor.data.assign(data->begin(), data->end());
  } else if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    for (const APFloat &value : dense.getValues<APFloat>())
      tensor.data.push_back(static_cast<T>(value.convertToDouble()));
  } else if (auto ints = dyn_cast<DenseIntElementsAttr>(attr)) {
    for (const APInt &value : ints.getValues<APInt>())
      tensor.data.push_back(static_cast<T>(value.getSExtValue()));
  } else {
    return op->emitError() << "the reference interpreter supports dense and "
                              "dense_resource float constants, got "
                           << attr;
  }
  if (static_cast<int64_t>(tensor.data.size()) != rt::numElements(tensor.shape))
    return op->emitError() << "constant holds " << tensor.data.size()
                           << " elements for shape " << shaped;
  return tensor;
}

/// The dense float bank of an engram.memory: q·scale for a quantized bank,
/// scattered to its columns for a pruned one (docs/quantization.md).
template <typename T>
FailureOr<rt::Tensor<T>> Interpreter<T>::memoryBank(MemoryOp memory) {
  FailureOr<Tensor> stored = elements(memory, memory.getValue());
  if (failed(stored))
    return failure();
  MemoryType type = memory.getType();
  const int64_t rows = type.getSlots(), width = type.getWidth(),
                columns = type.getStoredColumns();
  if (QuantAttr quant = type.getQuant()) {
    FailureOr<Tensor> scales = elements(memory, memory.getScalesAttr());
    if (failed(scales))
      return failure();
    bool perRow = quant.getScale() == QuantScale::Row;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < columns; ++c)
        stored->data[r * columns + c] *= scales->data[perRow ? r : 0];
  }
  EllAttr sparsity = type.getSparsity();
  if (!sparsity)
    return stored;
  FailureOr<Tensor> indices = elements(memory, memory.getIndicesAttr());
  if (failed(indices))
    return failure();
  Tensor dense({rows, width});
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      dense.data[r * width + static_cast<int64_t>(indices->data[r * columns + c])] =
          stored->data[r * columns + c];
  return dense;
}

template <typename T>
LogicalResult Interpreter<T>::evaluateConstant(arith::ConstantOp op) {
  Attribute value = op.getValue();
  if (isa<IndexType>(op.getType())) {
    indices[op] = cast<IntegerAttr>(value).getInt();
    return success();
  }
  if (auto scalar = dyn_cast<FloatAttr>(value)) {
    Tensor tensor({}, static_cast<T>(scalar.getValueAsDouble()));
    bind(op, std::move(tensor));
    return success();
  }
  FailureOr<Tensor> tensor = elements(op, value);
  if (failed(tensor))
    return failure();
  return bindChecked(op, op, std::move(*tensor));
}

template <typename T>
LogicalResult Interpreter<T>::startRecording(LoopOp loop, int64_t batch,
                                             int64_t steps) {
  auto recalls = loop.getBodyBlock().getOps<RecallOp>();
  if (std::distance(recalls.begin(), recalls.end()) != 1)
    return loop.emitError() << "a recording needs one engram.recall in the "
                               "loop, for its recall weights";
  watched = (*recalls.begin()).getWeights();
  rt::Status status = recording->start(
      batch, steps, traceValues(loop.getInitTrace(), get(loop.getInitTrace())));
  if (!status)
    return loop.emitError() << status.message();
  return success();
}

template <typename T>
LogicalResult Interpreter<T>::evaluateLoop(LoopOp loop) {
  const Tensor &input = get(loop.getInput());
  Tensor hidden = get(loop.getInitHidden());
  Tensor trace = get(loop.getInitTrace());
  const int64_t steps = input.dim(1);
  if (input.dim(0) != hidden.dim(0))
    return loop.emitError() << "input batch " << input.dim(0)
                            << " differs from the hidden state batch "
                            << hidden.dim(0);
  Tensor states({input.dim(0), steps, hidden.dim(1)});
  if (recording && failed(startRecording(loop, input.dim(0), steps)))
    return failure();
  for (int64_t t = 0; t < steps; ++t) {
    bind(loop.getStepInput(), rt::stepSlice(input, t));
    bind(loop.getHidden(), std::move(hidden));
    bind(loop.getTrace(), std::move(trace));
    FailureOr<SmallVector<Tensor>> yielded = runBlock(loop.getBodyBlock());
    if (failed(yielded))
      return failure();
    hidden = std::move((*yielded)[0]);
    trace = std::move((*yielded)[1]);
    rt::storeStep(states, t, hidden);
    if (recording)
      recording->record(t + 1, traceValues(loop.getFinalTrace(), trace),
                        watchedValue, hidden);
  }
  if (failed(bindChecked(loop, loop.getStates(), std::move(states))) ||
      failed(bindChecked(loop, loop.getFinalHidden(), std::move(hidden))))
    return failure();
  return bindChecked(loop, loop.getFinalTrace(), std::move(trace));
}

template <typename T>
LogicalResult Interpreter<T>::checkSameBatch(Operation *op,
                                             ArrayRef<Value> batched) {
  for (Value value : batched)
    if (get(value).dim(0) != get(batched.front()).dim(0))
      return op->emitError() << "operands disagree on the batch size at run "
                                "time: "
                             << get(batched.front()).dim(0) << " and "
                             << get(value).dim(0);
  return success();
}

template <typename T> LogicalResult Interpreter<T>::evaluate(Operation &op) {
  for (Type type : op.getResultTypes())
    if (failed(checkStaticFeatures(&op, type)))
      return failure();
  if (failed(checkSameBatch(&op, batchedOperands(&op))))
    return failure();
  return TypeSwitch<Operation *, LogicalResult>(&op)
      .Case([&](arith::ConstantOp c) { return evaluateConstant(c); })
      .Case([&](LoopOp loop) { return evaluateLoop(loop); })
      .template Case<tensor::DimOp, tensor::SplatOp, MemoryOp, TraceInitOp, ReadTraceOp,
            EncodeOp, LayerNormOp, RecallOp, IntegrateOp, HebbianUpdateOp,
            PoolOp, ReadoutOp>([&](auto typed) { return evaluateOp(typed); })
      .Default([&](Operation *other) {
        return other->emitError()
               << "the reference interpreter does not support '"
               << other->getName() << "'";
      });
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(tensor::DimOp dim) {
  std::optional<int64_t> index = dim.getConstantIndex();
  if (!index)
    return dim.emitError() << "needs a constant dimension index";
  const Tensor &source = get(dim.getSource());
  if (*index < 0 || *index >= source.rank())
    return dim.emitError() << "dimension index " << *index
                           << " is out of range for a tensor of rank "
                           << source.rank();
  indices[dim] = source.dim(*index);
  return success();
}

/// The largest tensor a tensor.splat may make (1 GiB of float32).
constexpr int64_t kMaxSplatElements = int64_t(1) << 28;

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(tensor::SplatOp splat) {
  auto type = cast<RankedTensorType>(splat.getType());
  std::vector<int64_t> shape;
  auto dynamic = splat.getDynamicSizes().begin();
  for (int64_t dim : type.getShape())
    shape.push_back(ShapedType::isDynamic(dim) ? index(*dynamic++) : dim);
  // A size read from the IR is bounded before anything is allocated.
  int64_t count = 1;
  for (int64_t size : shape) {
    if (size < 0 || (size > 0 && count > kMaxSplatElements / size))
      return splat.emitError() << "a dynamic size (" << size
                               << ") is negative or makes the tensor larger "
                                  "than "
                               << kMaxSplatElements << " elements";
    count *= size;
  }
  return bindChecked(splat, splat, Tensor(shape, get(splat.getInput()).data[0]));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(MemoryOp memory) {
  FailureOr<Tensor> bank = memoryBank(memory);
  return failed(bank) ? failure() : bindChecked(memory, memory, std::move(*bank));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(TraceInitOp init) {
  TraceType type = init.getType();
  int64_t batch = type.isShared() ? -1
                  : init.getBatch() ? index(init.getBatch())
                                    : type.getBatch();
  const Tensor *from = init.getInit() ? &get(init.getInit()) : nullptr;
  if (from && !type.isShared() && from->rank() == 3 && from->dim(0) != batch)
    return init.emitError() << "the trace to resume holds " << from->dim(0)
                            << " sequences, the batch has " << batch;
  Tensor trace =
      rt::initialTrace(from, batch, type.getSlots(), type.getWidth());
  // A fixed-point trace holds its integers, a bfloat16 one rounded values.
  if (FixedAttr fixed = type.getFixed())
    trace = rt::quantizeTrace(trace, fixed.getStep(), fixed.getMaxMagnitude());
  else if (type.getBf16())
    trace = rt::roundTraceToBf16(trace);
  return bindChecked(init, init, std::move(trace));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(ReadTraceOp read) {
  return bindChecked(read, read, traceValues(read.getTrace()));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(EncodeOp encode) {
  return bindChecked(encode, encode,
                     rt::encode(get(encode.getInput()), get(encode.getKernel()),
                                get(encode.getBias())));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(LayerNormOp norm) {
  return bindChecked(norm, norm,
                     rt::layerNorm(get(norm.getInput()), get(norm.getGamma()),
                                   get(norm.getBeta()),
                                   norm.getEpsilon().convertToDouble()));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(RecallOp recall) {
  rt::RecallResult<T> result = rt::recall(
      get(recall.getQuery()), get(recall.getMemory()),
      traceValues(recall.getTrace()), recall.getScaleFactor().convertToDouble(),
      recall.getEffectiveTemperature(), recall.getTopK().value_or(0));
  if (failed(bindChecked(recall, recall.getWeights(), std::move(result.weights))))
    return failure();
  return bindChecked(recall, recall.getRecalled(), std::move(result.recalled));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(IntegrateOp op) {
  return bindChecked(op, op,
                     rt::integrate(get(op.getEncoded()), get(op.getRecalled()),
                                   get(op.getHidden()),
                                   get(op.getIntegratorKernel()),
                                   get(op.getIntegratorBias()),
                                   get(op.getOutputKernel()),
                                   get(op.getOutputBias())));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(HebbianUpdateOp op) {
  double rate = op.getLearningRate().convertToDouble();
  if (FixedAttr fixed = op.getTrace().getType().getFixed())
    return bindChecked(op, op,
                       rt::hebbianUpdateFixed(
                           get(op.getTrace()), get(op.getWeights()),
                           get(op.getEncoded()), rate, fixed.getStep(),
                           fixed.getMaxMagnitude()));
  Tensor next = rt::hebbianUpdate(get(op.getTrace()), get(op.getWeights()),
                                  get(op.getEncoded()), rate,
                                  op.getClip().convertToDouble());
  // A bfloat16 trace stores the float result rounded to the nearest bf16.
  if (op.getTrace().getType().getBf16())
    next = rt::roundTraceToBf16(next);
  return bindChecked(op, op, std::move(next));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(PoolOp op) {
  rt::Pooling kind = op.getKind() == PoolingKind::Last ? rt::Pooling::Last
                     : op.getKind() == PoolingKind::Attention
                         ? rt::Pooling::Attention
                         : rt::Pooling::Sequence;
  const Tensor *kernel = op.getKernel() ? &get(op.getKernel()) : nullptr;
  const Tensor *bias = op.getBias() ? &get(op.getBias()) : nullptr;
  return bindChecked(op, op,
                     rt::pool(kind, get(op.getStates()), kernel, bias));
}

template <typename T>
LogicalResult Interpreter<T>::evaluateOp(ReadoutOp op) {
  auto activation = op.getActivation() == Activation::Softmax
                        ? rt::Activation::Softmax
                        : rt::Activation::Linear;
  return bindChecked(op, op,
                     rt::readout(get(op.getInput()), get(op.getKernel()),
                                 get(op.getBias()), activation));
}

template <typename T>
FailureOr<SmallVector<rt::Tensor<T>>> Interpreter<T>::runBlock(Block &block) {
  for (Operation &op : block.without_terminator())
    if (failed(evaluate(op)))
      return failure();
  // Values defined in the block die with it: the terminator's operands are
  // moved out (a loop body would otherwise copy its B×N×H trace every step)
  // and the rest is dropped. Values from enclosing blocks are copied.
  SmallVector<Tensor> results;
  OperandRange operands = block.getTerminator()->getOperands();
  for (auto [i, operand] : llvm::enumerate(operands)) {
    auto it = values.find(operand);
    assert(it != values.end() && "terminator operand without a value");
    bool usedAgain = llvm::is_contained(operands.drop_front(i + 1), operand);
    if (operand.getParentBlock() == &block && !usedAgain)
      results.push_back(std::move(it->second));
    else
      results.push_back(it->second);
  }
  for (Operation &op : block.without_terminator())
    for (Value result : op.getResults())
      values.erase(result);
  return results;
}

} // namespace

template <typename T>
FailureOr<SmallVector<rt::Tensor<T>>>
mlir::engram::interpretFunction(func::FuncOp func,
                                ArrayRef<rt::Tensor<T>> arguments,
                                rt::TraceRecording<T> *recording) {
  if (func.isExternal())
    return func.emitError() << "has no body to interpret";
  if (func.getNumArguments() != arguments.size())
    return func.emitError() << "takes " << func.getNumArguments()
                            << " arguments, got " << arguments.size();
  Interpreter<T> interpreter;
  interpreter.recording = recording;
  for (auto [argument, tensor] : llvm::zip(func.getArguments(), arguments)) {
    if (!isa<RankedTensorType>(argument.getType()))
      return func.emitError() << "the reference interpreter takes tensor "
                                 "arguments only, got "
                              << argument.getType();
    if (failed(checkStaticFeatures(func, argument.getType())) ||
        failed(interpreter.bindChecked(func, argument, tensor)))
      return failure();
  }
  return interpreter.runBlock(func.getBody().front());
}

template FailureOr<SmallVector<rt::Tensor<float>>>
mlir::engram::interpretFunction(func::FuncOp, ArrayRef<rt::Tensor<float>>,
                                rt::TraceRecording<float> *);
template FailureOr<SmallVector<rt::Tensor<double>>>
mlir::engram::interpretFunction(func::FuncOp, ArrayRef<rt::Tensor<double>>,
                                rt::TraceRecording<double> *);

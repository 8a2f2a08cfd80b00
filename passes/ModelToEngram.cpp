//===- ModelToEngram.cpp - model package to engram IR ---------------------===//
//
// Emits the time loop of ENGRAM_SEMANTICS.md with one engram op per equation:
//
//   func.func @forward(%x: tensor<?x?xDxf32>) -> (output, h, T) {
//     <weights as dense_resource constants>
//     %h_s, %h, %T = engram.loop %x, %h0, %T0 { encode, [layer_norm], recall,
//                                              integrate, [layer_norm],
//                                              hebbian_update, yield }
//     <pool, [readout]>
//   }
//
//===----------------------------------------------------------------------===//

#include "passes/ModelToEngram.h"

#include "dialects/engram/EngramOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::engram;
namespace rt = ::engram::runtime;

namespace {

/// Builds the body of @forward; one instance per import.
class ModelBuilder {
public:
  ModelBuilder(OpBuilder &builder, Location loc, const rt::Model &model)
      : b(builder), loc(loc), model(model), config(model.config),
        f32(builder.getF32Type()) {}

  /// Emits everything after the entry block's creation; returns the results.
  SmallVector<Value> build(Value input);

private:
  /// The package tensor `name` as a dense_resource constant.
  Value weight(StringRef name);
  RankedTensorType tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, f32);
  }
  /// engram.memory holding the package's float bank `cell.memory`.
  Value memoryBank();
  /// The trace type: B×N×H per sequence, N×H shared (batch_mean).
  TraceType traceType();
  /// Fills the loop body: the step ops of one time step, then the yield.
  void buildStep(LoopOp loop, Value memory);
  /// The head over the loop's `states`: pooling, then the readout if any.
  Value buildHead(Value states, RankedTensorType stateType);

  OpBuilder &b;
  Location loc;
  const rt::Model &model;
  const rt::ModelConfig &config;
  Type f32;
  llvm::StringMap<Value> weights;
};

} // namespace

Value ModelBuilder::weight(StringRef name) {
  if (Value cached = weights.lookup(name))
    return cached;
  const rt::WeightTensor *tensorData = model.find(name.str());
  assert(tensorData && "weights are validated before import");
  auto type = tensor(tensorData->shape);
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(
      ArrayRef<float>(tensorData->data));
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  Value value = arith::ConstantOp::create(b, loc, type, attr);
  weights[name] = value;
  return value;
}

void ModelBuilder::buildStep(LoopOp loop, Value memory) {
  const rt::CellConfig &cell = config.cell;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&loop.getBodyBlock());
  Value h = loop.getHidden(), trace = loop.getTrace();
  auto stateType = cast<RankedTensorType>(h.getType());
  auto epsilon = b.getF64FloatAttr(rt::kLayerNormEpsilon);

  Value z = EncodeOp::create(b, loc, stateType, loop.getStepInput(),
                             weights.lookup("cell.encoder.kernel"),
                             weights.lookup("cell.encoder.bias"));
  if (cell.useLayerNorm)
    z = LayerNormOp::create(b, loc, stateType, z,
                            weights.lookup("cell.norm1.gamma"),
                            weights.lookup("cell.norm1.beta"), epsilon);
  auto weightsType =
      tensor({stateType.getDimSize(0), config.cell.memorySize});
  auto recall = RecallOp::create(
      b, loc, weightsType, stateType, z, memory, trace,
      b.getF64FloatAttr(cell.scaleFactor), b.getF64FloatAttr(cell.temperature),
      b.getF64FloatAttr(cell.sparsityStrength), /*top_k=*/IntegerAttr());
  Value next = IntegrateOp::create(
      b, loc, stateType, z, recall.getRecalled(), h,
      weights.lookup("cell.integrator.kernel"),
      weights.lookup("cell.integrator.bias"),
      weights.lookup("cell.output.kernel"), weights.lookup("cell.output.bias"));
  if (cell.useLayerNorm)
    next = LayerNormOp::create(b, loc, stateType, next,
                               weights.lookup("cell.norm2.gamma"),
                               weights.lookup("cell.norm2.beta"), epsilon);
  Value nextTrace = HebbianUpdateOp::create(
      b, loc, trace.getType(), trace, recall.getWeights(), z,
      b.getF64FloatAttr(cell.hebbianLr), b.getF64FloatAttr(rt::kTraceClip));
  YieldOp::create(b, loc, ValueRange{next, nextTrace});
}

Value ModelBuilder::memoryBank() {
  const int64_t width = config.cell.hiddenDim, slots = config.cell.memorySize;
  const rt::WeightTensor &memoryData = *model.find("cell.memory");
  auto memoryType = MemoryType::get(b.getContext(), {slots, width}, f32);
  return MemoryOp::create(
      b, loc, memoryType,
      DenseResourceElementsAttr::get(
          tensor({slots, width}), "cell.memory",
          HeapAsmResourceBlob::allocateAndCopyInferAlign(
              ArrayRef<float>(memoryData.data))),
      /*scales=*/ElementsAttr(), /*indices=*/ElementsAttr());
}

TraceType ModelBuilder::traceType() {
  const int64_t dyn = ShapedType::kDynamic, width = config.cell.hiddenDim,
                slots = config.cell.memorySize;
  bool shared = config.traceBatching == rt::TraceBatching::BatchMean;
  return TraceType::get(b.getContext(),
                        shared ? SmallVector<int64_t>{slots, width}
                               : SmallVector<int64_t>{dyn, slots, width},
                        f32);
}

Value ModelBuilder::buildHead(Value states, RankedTensorType stateType) {
  Value output = states;
  rt::Pooling pooling = config.pooling();
  if (pooling != rt::Pooling::Sequence) {
    auto kind = pooling == rt::Pooling::Last ? PoolingKind::Last
                                             : PoolingKind::Attention;
    bool attention = kind == PoolingKind::Attention;
    output = PoolOp::create(b, loc, stateType, kind, output,
                            attention ? weights.lookup("pool.kernel") : Value(),
                            attention ? weights.lookup("pool.bias") : Value());
  }
  if (config.hasReadout()) {
    auto outShape = llvm::to_vector(cast<RankedTensorType>(output.getType())
                                        .getShape());
    outShape.back() = config.head.units;
    auto activation = config.head.activation == rt::Activation::Softmax
                          ? Activation::Softmax
                          : Activation::Linear;
    output = ReadoutOp::create(b, loc, tensor(outShape), activation, output,
                               weights.lookup("readout.kernel"),
                               weights.lookup("readout.bias"));
  }
  return output;
}

SmallVector<Value> ModelBuilder::build(Value input) {
  const int64_t dyn = ShapedType::kDynamic, width = config.cell.hiddenDim;
  // Every weight the step uses is a constant at the top of the function.
  for (const rt::TensorSpec &spec : rt::expectedTensors(config))
    if (model.find(spec.name) && spec.name != "cell.memory")
      weight(spec.name);

  Value zeroIndex = arith::ConstantIndexOp::create(b, loc, 0);
  Value batch = tensor::DimOp::create(b, loc, input, zeroIndex);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  auto stateType = tensor({dyn, width});
  Value h0 = tensor::SplatOp::create(b, loc, stateType, zero, ValueRange{batch});
  Value memory = memoryBank();
  TraceType trace = traceType();
  Value trace0 =
      TraceInitOp::create(b, loc, trace, weights.lookup("cell.trace_init"),
                          trace.isShared() ? Value() : batch);

  auto statesType = tensor({dyn, dyn, width});
  auto loop = LoopOp::create(b, loc, input, h0, trace0, statesType);
  buildStep(loop, memory);

  Value output = buildHead(loop.getStates(), stateType);
  Value finalTrace =
      ReadTraceOp::create(b, loc, trace.getTensorType(), loop.getFinalTrace());
  return {output, loop.getFinalHidden(), finalTrace};
}

OwningOpRef<ModuleOp> mlir::engram::importModel(MLIRContext *context,
                                                const rt::Model &model,
                                                StringRef source) {
  context->loadDialect<EngramDialect, arith::ArithDialect, func::FuncDialect,
                       tensor::TensorDialect>();
  Location loc = FileLineColLoc::get(context, source, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b(context);
  b.setInsertionPointToEnd(module->getBody());

  const int64_t dyn = ShapedType::kDynamic;
  auto inputType =
      RankedTensorType::get({dyn, dyn, model.config.inputDim}, b.getF32Type());
  // The result types are known only once the body is built; start with none.
  auto func = func::FuncOp::create(b, loc, kEntryName,
                                   b.getFunctionType({inputType}, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  ModelBuilder builder(b, loc, model);
  SmallVector<Value> results = builder.build(entry->getArgument(0));
  func::ReturnOp::create(b, loc, results);
  func.setFunctionType(
      b.getFunctionType({inputType}, ValueRange(results).getTypes()));
  return module;
}

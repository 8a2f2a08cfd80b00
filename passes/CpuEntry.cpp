//===- CpuEntry.cpp - @forward as the entry of a CPU artifact -------------===//
//
// engram-cpu-entry: checks @forward against the C ABI of CPU artifacts
// (backends/cpu/runtime/engram_artifact.h), describes it while the engram ops
// are still there to read, and gives it the artifact's entry name.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/engram/EngramOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/JSON.h"

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMCPUENTRY
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;

namespace {

constexpr int64_t kAbiVersion = 2;
constexpr const char *kArtifactFormat = "engram-artifact/1";
constexpr const char *kEntryName = "engram_forward";

/// What the shim needs to know about @forward (see Shim.c, engram_layout).
struct EntryLayout {
  int64_t inputDim = 0, outputRank = 0, outputUnits = 0;
  bool hasState = false;
  int64_t hidden = 0, traceRank = 0, slots = 0;

  SmallVector<int64_t> table() const {
    return {kAbiVersion, inputDim, outputRank, outputUnits,
            int64_t(hasState), hidden, traceRank, slots};
  }
};

bool isF32Tensor(Type type, int64_t rank) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getRank() == rank && tensor.getElementType().isF32();
}

/// The final states' part of the layout; false if they do not fit.
bool describeStates(FunctionType type, EntryLayout &layout) {
  auto hidden = dyn_cast<RankedTensorType>(type.getResult(1));
  auto trace = dyn_cast<RankedTensorType>(type.getResult(2));
  if (!isF32Tensor(hidden, 2) || hidden.isDynamicDim(1) || !trace ||
      !trace.getElementType().isF32() ||
      (trace.getRank() != 2 && trace.getRank() != 3))
    return false;
  ArrayRef<int64_t> t = trace.getShape();
  if (ShapedType::isDynamic(t[t.size() - 1]) ||
      ShapedType::isDynamic(t[t.size() - 2]))
    return false;
  layout.hasState = true;
  layout.hidden = hidden.getDimSize(1);
  layout.traceRank = trace.getRank();
  layout.slots = t[t.size() - 2];
  return true;
}

/// Checks that @forward has the signature engramc's importer produces.
FailureOr<EntryLayout> describeEntry(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  auto fail = [&](const Twine &why) {
    return func.emitError() << "cannot compile @" << func.getName()
                            << " for the CPU: " << why;
  };
  if (type.getNumInputs() != 1 || !isF32Tensor(type.getInput(0), 3))
    return fail("it must take one tensor<BxSxDxf32>");
  auto input = cast<RankedTensorType>(type.getInput(0));
  if (input.isDynamicDim(2))
    return fail("the input width D must be static");
  if (type.getNumResults() != 1 && type.getNumResults() != 3)
    return fail("it must return the output, or (output, h, trace)");
  EntryLayout layout;
  layout.inputDim = input.getDimSize(2);
  auto output = dyn_cast<RankedTensorType>(type.getResult(0));
  if (!output || !output.getElementType().isF32() || output.getRank() < 2 ||
      output.getRank() > 3 || output.isDynamicDim(output.getRank() - 1))
    return fail("the output must be a BxC or BxSxC float32 tensor with a "
                "static C");
  layout.outputRank = output.getRank();
  layout.outputUnits = output.getShape().back();
  if (type.getNumResults() == 3 && !describeStates(type, layout))
    return fail("the final states must be BxH and [B]xNxH float32 tensors "
                "with static H and N");
  return layout;
}

/// The model's configuration as the metadata gives it.
llvm::json::Object describeConfig(func::FuncOp func,
                                  const EntryLayout &layout) {
  llvm::json::Object config{{"input_dim", layout.inputDim}};
  if (layout.hasState) {
    config["hidden_dim"] = layout.hidden;
    config["memory_size"] = layout.slots;
    config["trace_batching"] =
        layout.traceRank == 3 ? "per_sequence" : "batch_mean";
  }
  std::string pooling = "sequence", activation = "none";
  bool layerNorm = false;
  func.walk([&](Operation *op) {
    if (auto pool = dyn_cast<PoolOp>(op))
      pooling = stringifyPoolingKind(pool.getKind()).str();
    else if (auto readout = dyn_cast<ReadoutOp>(op))
      activation = stringifyActivation(readout.getActivation()).str();
    else if (isa<LayerNormOp>(op))
      layerNorm = true;
  });
  config["pooling"] = pooling;
  config["readout"] = activation;
  config["use_layer_norm"] = layerNorm;
  return config;
}

/// Storage of the memory and the trace, and the recall's top-k.
llvm::json::Object describeCompression(func::FuncOp func) {
  llvm::json::Object compression{{"memory", "float32"}, {"trace", "float32"}};
  func.walk([&](Operation *op) {
    if (auto memory = dyn_cast<MemoryOp>(op)) {
      MemoryType type = memory.getType();
      if (QuantAttr quant = type.getQuant())
        compression["memory"] =
            (quant.getBits() == 1 ? std::string("binary")
                                  : "int" + std::to_string(quant.getBits())) +
            ", " + stringifyQuantScale(quant.getScale()).str() + " scales";
      if (EllAttr ell = type.getSparsity())
        compression["memory_row_entries"] = ell.getRowEntries();
    } else if (auto recall = dyn_cast<RecallOp>(op)) {
      if (auto k = recall.getTopK())
        compression["top_k"] = *k;
    } else if (auto init = dyn_cast<TraceInitOp>(op)) {
      if (FixedAttr fixed = init.getType().getFixed())
        compression["trace"] =
            "fixed point, " + std::to_string(fixed.getBits()) + " bits";
      else if (init.getType().getBf16())
        compression["trace"] = "bfloat16";
    }
  });
  return compression;
}

/// The metadata JSON of the artifact, but for what the translation adds
/// (the producer and the target CPU).
std::string describeArtifact(func::FuncOp func, const EntryLayout &layout) {
  llvm::json::Object root{
      {"format", kArtifactFormat},
      {"abi_version", kAbiVersion},
      {"config", describeConfig(func, layout)},
      {"output",
       llvm::json::Object{{"rank", layout.outputRank},
                          {"units", layout.outputUnits},
                          {"shape", layout.outputRank == 2
                                        ? "batch x units"
                                        : "batch x steps x units"}}},
      {"has_final_states", layout.hasState},
      {"quantization", describeCompression(func)},
      {"weights", "constants in the artifact's read-only data"}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(root));
  return text;
}

struct CpuEntry : mlir::engram::impl::EngramCpuEntryBase<CpuEntry> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("forward");
    if (!func) {
      module.emitError() << "the CPU target compiles func.func @forward, "
                            "which this module does not have";
      return signalPassFailure();
    }
    FailureOr<EntryLayout> layout = describeEntry(func);
    if (failed(layout))
      return signalPassFailure();
    MLIRContext *context = module.getContext();
    module->setAttr("engram.cpu_metadata",
                    StringAttr::get(context, describeArtifact(func, *layout)));
    module->setAttr("engram.cpu_layout",
                    DenseI64ArrayAttr::get(context, layout->table()));
    // ABI v2: a model with final states can resume from one.
    if (layout->hasState) {
      if (failed(exposeInitialState(func)))
        return signalPassFailure();
      if (auto initial =
              func.getArgAttrOfType<ElementsAttr>(2, "engram.default"))
        module->setAttr("engram.cpu_initial_trace", initial);
      // The shim supplies the defaults; LLVM has no use for them. The loop
      // must not update the initial state in place: its buffers are inputs.
      for (unsigned i : {1u, 2u}) {
        func.removeArgAttr(i, "engram.default");
        func.setArgAttr(i, "bufferization.writable",
                        BoolAttr::get(context, false));
      }
    }
    func.setName(kEntryName);
    func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                  UnitAttr::get(context));
  }
};

} // namespace

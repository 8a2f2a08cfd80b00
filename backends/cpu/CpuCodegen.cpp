//===- CpuCodegen.cpp - engram IR to a native shared object ---------------===//
//
// Stages: check the entry's signature and describe it (metadata JSON and the
// shim's layout table); engram-cpu-pipeline to the LLVM dialect; translation
// to LLVM IR; link the shim bitcode; internalize everything but the C ABI;
// O3 for the target CPU; object code; lld -shared.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/CpuCodegen.h"

#include "dialects/engram/EngramOps.h"
#include "passes/Pipelines.h"
#include "runtime/Version.h"

#include "lld/Common/Driver.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/IPO/Internalize.h"

LLD_HAS_DRIVER(elf)

extern const unsigned char engramShimBitcode[];
extern const std::size_t engramShimBitcode_size;

using namespace mlir;
using namespace mlir::engram;

namespace {

constexpr int64_t kAbiVersion = 1;
constexpr const char *kArtifactFormat = "engram-artifact/1";
constexpr const char *kEntryName = "engram_forward";

/// What the shim needs to know about @forward (see Shim.c, engram_layout).
struct EntryLayout {
  int64_t inputDim = 0, outputRank = 0, outputUnits = 0;
  bool hasState = false;
  int64_t hidden = 0, traceRank = 0, slots = 0;

  std::vector<uint64_t> table() const {
    return {uint64_t(kAbiVersion), uint64_t(inputDim),   uint64_t(outputRank),
            uint64_t(outputUnits), uint64_t(hasState),   uint64_t(hidden),
            uint64_t(traceRank),   uint64_t(slots)};
  }
};

bool isF32Tensor(Type type, int64_t rank) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getRank() == rank && tensor.getElementType().isF32();
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
  if (type.getNumResults() == 3) {
    auto hidden = dyn_cast<RankedTensorType>(type.getResult(1));
    auto trace = dyn_cast<RankedTensorType>(type.getResult(2));
    if (!isF32Tensor(hidden, 2) || hidden.isDynamicDim(1) || !trace ||
        !trace.getElementType().isF32() ||
        (trace.getRank() != 2 && trace.getRank() != 3))
      return fail("the final states must be BxH and [B]xNxH float32 tensors");
    ArrayRef<int64_t> t = trace.getShape();
    if (ShapedType::isDynamic(t[t.size() - 1]) ||
        ShapedType::isDynamic(t[t.size() - 2]))
      return fail("the trace's N and H must be static");
    layout.hasState = true;
    layout.hidden = hidden.getDimSize(1);
    layout.traceRank = trace.getRank();
    layout.slots = t[t.size() - 2];
  }
  return layout;
}

/// The vector ISA extensions among `features` ("+avx2,-sse4a,…") that the
/// code may use; engram-run checks them before it loads the artifact, so a
/// CPU without them gets a message instead of an illegal instruction.
llvm::json::Array requiredFeatures(StringRef features) {
  static const char *const kChecked[] = {
      "sse4.1", "sse4.2", "avx", "avx2", "fma", "avx512f", "avx512bw",
      "avx512dq", "avx512vl"};
  llvm::json::Array required;
  SmallVector<StringRef> items;
  features.split(items, ',', -1, false);
  for (const char *name : kChecked)
    if (llvm::is_contained(items, ("+" + Twine(name)).str()))
      required.push_back(name);
  return required;
}

/// The metadata JSON embedded in the artifact.
std::string describeArtifact(func::FuncOp func, const EntryLayout &layout,
                             StringRef cpu, StringRef features,
                             unsigned vectorWidth) {
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
  // Storage of the memory and the trace, and the recall's top-k.
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
    }
  });
  llvm::json::Object root{
      {"format", kArtifactFormat},
      {"abi_version", kAbiVersion},
      {"producer", ::engram::runtime::producer("engramc")},
      {"config", std::move(config)},
      {"output",
       llvm::json::Object{{"rank", layout.outputRank},
                          {"units", layout.outputUnits},
                          {"shape", layout.outputRank == 2
                                        ? "batch x units"
                                        : "batch x steps x units"}}},
      {"has_final_states", layout.hasState},
      {"quantization", std::move(compression)},
      {"weights", "constants in the artifact's read-only data"},
      {"target", llvm::json::Object{{"cpu", cpu},
                                    {"required_features",
                                     requiredFeatures(features)},
                                    {"vector_width", vectorWidth}}}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(root));
  return text;
}

struct Target {
  std::unique_ptr<llvm::TargetMachine> machine;
  std::string cpu, features;
  unsigned vectorWidth = 0;
};

FailureOr<Target> createTarget(const CpuTargetOptions &options,
                               Operation *anchor) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getProcessTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return anchor->emitError() << "no LLVM target for " << triple.str()
                               << ": " << error;
  Target result;
  SmallVector<std::string> features;
  if (options.cpu.empty() || options.cpu == "native") {
    result.cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features.push_back((feature.second ? "+" : "-") + feature.first().str());
  } else {
    result.cpu = options.cpu;
  }
  // The features the CPU model implies, for the metadata.
  {
    std::unique_ptr<llvm::MCSubtargetInfo> implied(
        target->createMCSubtargetInfo(triple, result.cpu, ""));
    if (implied)
      for (const llvm::SubtargetFeatureKV &kv : implied->getAllProcessorFeatures())
        if (implied->checkFeatures(("+" + Twine(kv.Key)).str()))
          features.insert(features.begin(), ("+" + Twine(kv.Key)).str());
  }
  if (!options.features.empty())
    features.push_back(options.features);
  result.features = llvm::join(features, ",");
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, result.cpu, result.features));
  if (!subtarget || !subtarget->isCPUStringValid(result.cpu))
    return anchor->emitError()
           << "unknown CPU '" << result.cpu << "' for " << triple.str()
           << " (examples: native, x86-64-v2, x86-64-v3, x86-64-v4, "
              "skylake-avx512)";
  result.vectorWidth = options.vectorWidth;
  if (!result.vectorWidth)
    result.vectorWidth = subtarget->checkFeatures("+avx512f") ? 16
                         : subtarget->checkFeatures("+avx")   ? 8
                                                              : 4;
  result.machine.reset(target->createTargetMachine(
      triple, result.cpu, result.features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, llvm::CodeModel::Small,
      llvm::CodeGenOptLevel::Aggressive));
  if (!result.machine)
    return anchor->emitError() << "cannot create a target machine for "
                               << result.cpu;
  return result;
}

/// Adds the metadata string and the layout table the shim reads.
void addArtifactGlobals(llvm::Module &module, StringRef metadata,
                        const EntryLayout &layout) {
  llvm::LLVMContext &context = module.getContext();
  auto *json = llvm::ConstantDataArray::getString(context, metadata, true);
  new llvm::GlobalVariable(module, json->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, json,
                           "engram_metadata_json");
  std::vector<uint64_t> entries = layout.table();
  auto *table =
      llvm::ConstantDataArray::get(context, llvm::ArrayRef<uint64_t>(entries));
  new llvm::GlobalVariable(module, table->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, table,
                           "engram_layout");
}

LogicalResult linkShim(llvm::Module &module, Operation *anchor) {
  llvm::MemoryBufferRef buffer(
      StringRef(reinterpret_cast<const char *>(engramShimBitcode),
                engramShimBitcode_size),
      "Shim.bc");
  auto shim = llvm::parseBitcodeFile(buffer, module.getContext());
  if (!shim)
    return anchor->emitError() << "cannot read the embedded shim bitcode: "
                               << llvm::toString(shim.takeError());
  (*shim)->setTargetTriple(module.getTargetTriple());
  (*shim)->setDataLayout(module.getDataLayout());
  if (llvm::Linker::linkModules(module, std::move(*shim)))
    return anchor->emitError() << "cannot link the artifact shim";
  // Only the C ABI stays visible; the rest may be inlined and dropped.
  llvm::internalizeModule(module, [](const llvm::GlobalValue &value) {
    return value.getName().starts_with("engram_") &&
           value.getName() != "engram_layout" &&
           value.getName() != "engram_metadata_json" &&
           value.getName() != kEntryName;
  });
  return success();
}

void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  llvm::ModulePassManager pipeline =
      builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  pipeline.run(module, modules);
}

FailureOr<std::string> emitCode(llvm::Module &module,
                                llvm::TargetMachine &machine,
                                llvm::CodeGenFileType kind,
                                Operation *anchor) {
  SmallVector<char> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, os, nullptr, kind))
    return anchor->emitError() << "the target cannot emit this file type";
  codegen.run(module);
  return std::string(buffer.begin(), buffer.end());
}

/// Links `object` into a shared object with lld, in a scratch directory.
FailureOr<std::string> linkSharedObject(StringRef object, Operation *anchor) {
  SmallString<128> directory;
  if (llvm::sys::fs::createUniqueDirectory("engramc", directory))
    return anchor->emitError() << "cannot create a scratch directory";
  SmallString<128> objectPath(directory), outputPath(directory);
  llvm::sys::path::append(objectPath, "model.o");
  llvm::sys::path::append(outputPath, "model.so");
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(outputPath);
    llvm::sys::fs::remove(directory);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream file(objectPath, ec);
    if (ec)
      return anchor->emitError() << "cannot write " << objectPath << ": "
                                 << ec.message();
    file << object;
  }
  std::vector<std::string> args = {
      "ld.lld",          "-shared",  "-o",        outputPath.str().str(),
      objectPath.str().str(), "-z", "noexecstack", "-z",
      "relro",           "-z",       "now",       "--hash-style=gnu",
      "--build-id=sha1", "-soname",  "engram_model.so", "--as-needed"};
  SmallVector<StringRef> libraryDirs;
  StringRef(ENGRAM_SYSTEM_LIBRARY_DIRS).split(libraryDirs, ':', -1, false);
  for (StringRef dir : libraryDirs)
    args.push_back(("-L" + dir).str());
  for (const char *library : {"-lm", "-lpthread", "-lc"})
    args.push_back(library);
  std::vector<const char *> argv;
  for (const std::string &arg : args)
    argv.push_back(arg.c_str());
  std::string messages;
  llvm::raw_string_ostream errors(messages);
  lld::Result result = lld::lldMain(argv, llvm::nulls(), errors,
                                    {{lld::Gnu, &lld::elf::link}});
  if (result.retCode != 0)
    return anchor->emitError() << "linking the shared object failed: "
                               << messages;
  auto bytes = llvm::MemoryBuffer::getFile(outputPath);
  if (!bytes)
    return anchor->emitError() << "cannot read the linked shared object";
  return (*bytes)->getBuffer().str();
}

std::string printModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  return text;
}

} // namespace

FailureOr<std::string>
mlir::engram::compileForCpu(ModuleOp module, const CpuTargetOptions &options,
                            CpuStage stage, TimingScope &timing) {
  auto func = module.lookupSymbol<func::FuncOp>("forward");
  if (!func)
    return module.emitError()
           << "the CPU target compiles func.func @forward, which this "
              "module does not have";
  FailureOr<EntryLayout> layout = describeEntry(func);
  if (failed(layout))
    return failure();
  FailureOr<Target> target = createTarget(options, module);
  if (failed(target))
    return failure();
  std::string metadata = describeArtifact(
      func, *layout, target->cpu, target->features, target->vectorWidth);

  func.setName(kEntryName);
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                UnitAttr::get(module.getContext()));
  CpuPipelineOptions pipelineOptions;
  pipelineOptions.vectorWidth = target->vectorWidth;
  // Register tiles of matrix products: 8 x 2 vectors leaves room in the 32
  // registers of AVX-512, 4 x 2 in the 16 of AVX2 and SSE.
  pipelineOptions.tileRows = target->vectorWidth >= 16 ? 8 : 4;
  PassManager pm(module.getContext());
  pm.enableTiming(timing);
  if (stage == CpuStage::Linalg)
    buildEngramToLinalgStage(pm);
  else
    buildEngramCpuPipeline(pm, pipelineOptions);
  if (failed(pm.run(module)))
    return failure();
  if (stage == CpuStage::Linalg || stage == CpuStage::LLVMDialect)
    return printModule(module);

  TimingScope translateTimer = timing.nest("Translate to LLVM IR");
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "engram");
  if (!llvmModule)
    return module.emitError() << "translation to LLVM IR failed";
  llvmModule->setTargetTriple(target->machine->getTargetTriple());
  llvmModule->setDataLayout(target->machine->createDataLayout());
  addArtifactGlobals(*llvmModule, metadata, *layout);
  if (failed(linkShim(*llvmModule, module)))
    return failure();
  translateTimer.stop();

  TimingScope optTimer = timing.nest("LLVM O3");
  optimize(*llvmModule, *target->machine);
  optTimer.stop();
  if (stage == CpuStage::LLVMIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    return text;
  }
  TimingScope codegenTimer = timing.nest("LLVM code generation");
  auto code = emitCode(*llvmModule, *target->machine,
                       stage == CpuStage::Assembly
                           ? llvm::CodeGenFileType::AssemblyFile
                           : llvm::CodeGenFileType::ObjectFile,
                       module);
  codegenTimer.stop();
  if (failed(code) || stage == CpuStage::Assembly)
    return code;
  TimingScope linkTimer = timing.nest("lld");
  return linkSharedObject(*code, module);
}

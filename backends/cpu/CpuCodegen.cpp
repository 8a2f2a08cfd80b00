//===- CpuCodegen.cpp - engram IR to a native shared object ---------------===//
//
// Pipeline: engram-cpu-entry (the entry's signature checked and described:
// metadata JSON and the shim's layout table, as module attributes), then
// engram-cpu-pipeline's lowering to the LLVM dialect with the CPU's vector
// width. Translation: LLVM IR; the shim bitcode linked; everything but the
// C ABI internalized; O3 for the target CPU; object code; lld -shared.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/CpuCodegen.h"

#include "dialects/engram/EngramOps.h"
#include "passes/ConstantData.h"
#include "passes/Passes.h"
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

constexpr const char *kEntryName = "engram_forward";

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

struct Target {
  std::unique_ptr<llvm::TargetMachine> machine;
  std::string cpu, features;
  unsigned vectorWidth = 0;
};

FailureOr<Target> createTarget(const CpuTargetOptions &options,
                               llvm::function_ref<void(const Twine &)> fail) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getProcessTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    fail("no LLVM target for " + triple.str() + ": " + error);
    return failure();
  }
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
  if (!subtarget || !subtarget->isCPUStringValid(result.cpu)) {
    fail("unknown CPU '" + result.cpu + "' for " + triple.str() +
         " (examples: native, x86-64-v2, x86-64-v3, x86-64-v4, "
         "skylake-avx512)");
    return failure();
  }
  result.vectorWidth = options.vectorWidth;
  if (!result.vectorWidth)
    result.vectorWidth = subtarget->checkFeatures("+avx512f") ? 16
                         : subtarget->checkFeatures("+avx")   ? 8
                                                              : 4;
  result.machine.reset(target->createTargetMachine(
      triple, result.cpu, result.features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, llvm::CodeModel::Small,
      llvm::CodeGenOptLevel::Aggressive));
  if (!result.machine) {
    fail("cannot create a target machine for " + result.cpu);
    return failure();
  }
  return result;
}

/// Adds the metadata string, the layout table and the default initial
/// trace (N×H floats, zeros when `initialTrace` is empty) the shim reads.
void addArtifactGlobals(llvm::Module &module, StringRef metadata,
                        ArrayRef<int64_t> layout,
                        ArrayRef<float> initialTrace) {
  llvm::LLVMContext &context = module.getContext();
  std::vector<float> trace(initialTrace.begin(), initialTrace.end());
  if (trace.empty())
    trace.assign(std::max<int64_t>(1, layout[5] * layout[7]), 0.0f);
  auto *traceData =
      llvm::ConstantDataArray::get(context, llvm::ArrayRef<float>(trace));
  new llvm::GlobalVariable(module, traceData->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, traceData,
                           "engram_initial_trace");
  auto *json = llvm::ConstantDataArray::getString(context, metadata, true);
  new llvm::GlobalVariable(module, json->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, json,
                           "engram_metadata_json");
  std::vector<uint64_t> entries(layout.begin(), layout.end());
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
  os << "\n";
  return text;
}


/// The metadata JSON of the artifact: what engram-cpu-entry recorded, with
/// the producer and the target CPU added.
FailureOr<std::string> completeMetadata(ModuleOp module, const Target &target) {
  auto recorded = module->getAttrOfType<StringAttr>("engram.cpu_metadata");
  llvm::Expected<llvm::json::Value> value =
      llvm::json::parse(recorded.getValue());
  if (!value || !value->getAsObject()) {
    if (!value)
      llvm::consumeError(value.takeError());
    return module.emitError() << "engram.cpu_metadata is not a JSON object";
  }
  llvm::json::Object &root = *value->getAsObject();
  root["producer"] = ::engram::runtime::producer("engramc");
  root["target"] = llvm::json::Object{
      {"cpu", target.cpu},
      {"required_features", requiredFeatures(target.features)},
      {"vector_width", target.vectorWidth}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << *value;
  return text;
}

/// The CPU's register tiles: 8 x 2 vectors leave room in the 32 registers
/// of AVX-512, 4 x 2 in the 16 of AVX2 and SSE.
void setPipelineOptions(CpuPipelineOptions &pipeline,
                        const CpuTargetOptions &options,
                        const Target &target) {
  pipeline.vectorWidth = target.vectorWidth;
  pipeline.tileRows = options.tileRows ? options.tileRows
                      : target.vectorWidth >= 16 ? 8
                                                 : 4;
  pipeline.tileVectors = options.tileVectors;
  pipeline.batchTile = options.batchTile;
}

/// LLVM IR of the module, the shim linked in and optimized for `target`.
FailureOr<std::unique_ptr<llvm::Module>>
translateToLLVM(ModuleOp module, const Target &target,
                llvm::LLVMContext &llvmContext, TimingScope &timing) {
  auto layout = module->getAttrOfType<DenseI64ArrayAttr>("engram.cpu_layout");
  if (!layout || !module->hasAttr("engram.cpu_metadata"))
    return module.emitError()
           << "the CPU translation takes the LLVM dialect of "
              "engram-cpu-pipeline (engram.cpu_metadata and "
              "engram.cpu_layout missing)";
  FailureOr<std::string> metadata = completeMetadata(module, target);
  if (failed(metadata))
    return failure();
  TimingScope translateTimer = timing.nest("Translate to LLVM IR");
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "engram");
  if (!llvmModule)
    return module.emitError() << "translation to LLVM IR failed";
  llvmModule->setTargetTriple(target.machine->getTargetTriple());
  llvmModule->setDataLayout(target.machine->createDataLayout());
  SmallVector<float> initialTrace;
  if (auto initial =
          module->getAttrOfType<ElementsAttr>("engram.cpu_initial_trace")) {
    FailureOr<SmallVector<float>> values = readFloats(initial);
    if (failed(values))
      return module.emitError() << "the initial trace T0 is not float32 "
                                   "values in the module";
    initialTrace = std::move(*values);
  }
  addArtifactGlobals(*llvmModule, *metadata, layout.asArrayRef(), initialTrace);
  if (failed(linkShim(*llvmModule, module)))
    return failure();
  translateTimer.stop();
  TimingScope optTimer = timing.nest("LLVM O3");
  optimize(*llvmModule, *target.machine);
  return llvmModule;
}

} // namespace

LogicalResult mlir::engram::buildCpuPipeline(
    OpPassManager &pm, const CpuTargetOptions &options, CpuStage stage,
    llvm::function_ref<void(const Twine &)> fail) {
  FailureOr<Target> target = createTarget(options, fail);
  if (failed(target))
    return failure();
  pm.addPass(createEngramCpuEntry());
  if (stage == CpuStage::Linalg)
    buildEngramToLinalgStage(pm);
  else {
    CpuPipelineOptions pipeline;
    setPipelineOptions(pipeline, options, *target);
    buildEngramCpuPipeline(pm, pipeline);
  }
  return success();
}

FailureOr<std::string>
mlir::engram::translateForCpu(ModuleOp module, const CpuTargetOptions &options,
                              CpuStage stage, TimingScope &timing) {
  if (stage == CpuStage::Linalg || stage == CpuStage::LLVMDialect)
    return printModule(module);
  FailureOr<Target> target = createTarget(
      options, [&](const Twine &message) { module.emitError() << message; });
  if (failed(target))
    return failure();
  llvm::LLVMContext llvmContext;
  auto llvmModule = translateToLLVM(module, *target, llvmContext, timing);
  if (failed(llvmModule))
    return failure();
  if (stage == CpuStage::LLVMIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    (*llvmModule)->print(os, nullptr);
    return text;
  }
  TimingScope codegenTimer = timing.nest("LLVM code generation");
  auto code = emitCode(**llvmModule, *target->machine,
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

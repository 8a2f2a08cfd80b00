//===- CpuTarget.cpp - --target=cpu ---------------------------------------===//
//
// Registers the CPU backend: its flags, its --emit stages (linalg, llvm,
// llvm-ir, asm, which imply it) and its shared object.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/CpuCodegen.h"
#include "compiler/Target.h"

using namespace engram::compiler;

namespace {

struct CpuFlags : mlir::PassPipelineOptions<CpuFlags>, OptionSet {
  Option<std::string> cpu{
      *this, "cpu",
      llvm::cl::desc("CPU to compile for: native (default) or an LLVM CPU "
                     "name such as x86-64-v3"),
      llvm::cl::init("native")};
  Option<std::string> features{
      *this, "cpu-features",
      llvm::cl::desc("Extra target features, e.g. +avx2,-avx512f"),
      llvm::cl::init("")};
  Option<unsigned> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("float32 lanes to vectorize for (default: from the "
                     "CPU; 1 disables vectorization)"),
      llvm::cl::init(0)};
  Option<unsigned> tileRows{
      *this, "tile-rows",
      llvm::cl::desc("Rows of a matrix product's register tile (default: 8 "
                     "for 16 lanes, else 4)"),
      llvm::cl::init(0)};
  Option<unsigned> tileVectors{
      *this, "tile-vectors",
      llvm::cl::desc("Vectors per row of a matrix product's register tile "
                     "(default 2)"),
      llvm::cl::init(2)};
  Option<int64_t> batchTile{
      *this, "batch-tile",
      llvm::cl::desc("Sequences per batch tile of a per-sequence model "
                     "(default 8; 0 keeps the batch dynamic)"),
      llvm::cl::init(8)};

  mlir::engram::CpuTargetOptions get() const {
    mlir::engram::CpuTargetOptions options;
    options.cpu = cpu;
    options.features = features;
    options.vectorWidth = vectorWidth;
    options.tileRows = tileRows;
    options.tileVectors = tileVectors;
    options.batchTile = batchTile;
    return options;
  }
};

mlir::engram::CpuTargetOptions optionsOf(const CompilerOptions &options) {
  if (auto *flags = dynamic_cast<CpuFlags *>(options.targetOptions))
    return flags->get();
  return {};
}

mlir::engram::CpuStage stageOf(llvm::StringRef stage) {
  using mlir::engram::CpuStage;
  return llvm::StringSwitch<CpuStage>(stage)
      .Case("linalg", CpuStage::Linalg)
      .Case("llvm", CpuStage::LLVMDialect)
      .Case("llvm-ir", CpuStage::LLVMIR)
      .Case("asm", CpuStage::Assembly)
      .Default(CpuStage::SharedObject);
}

class CpuTarget : public Target {
public:
  llvm::StringRef name() const override { return "cpu"; }
  llvm::StringRef description() const override {
    return "native code for a CPU, as a shared object";
  }
  llvm::StringRef artifact() const override { return "a shared object"; }
  OutputKind outputKind() const override { return OutputKind::File; }
  llvm::ArrayRef<Stage> stages() const override {
    static const Stage kStages[] = {
        {"linalg", "linalg/tensor/scf after convert-engram-to-linalg", true},
        {"llvm", "the LLVM dialect at the end of engram-cpu-pipeline", true},
        {"llvm-ir", "optimized LLVM IR", true},
        {"asm", "assembly for the CPU", true}};
    return kStages;
  }
  std::unique_ptr<OptionSet> createOptions() const override {
    return std::make_unique<CpuFlags>();
  }
  mlir::LogicalResult
  buildPipeline(mlir::OpPassManager &pm, const CompilerOptions &options,
                llvm::StringRef stage,
                llvm::function_ref<void(const llvm::Twine &)> fail)
      const override {
    return mlir::engram::buildCpuPipeline(pm, optionsOf(options),
                                          stageOf(stage), fail);
  }
  mlir::FailureOr<Output> emit(mlir::ModuleOp module,
                               const EmitRequest &request) const override {
    auto bytes = mlir::engram::translateForCpu(
        module, optionsOf(request.options), stageOf(request.stage),
        request.timing);
    if (mlir::failed(bytes))
      return mlir::failure();
    return Output{std::move(*bytes), {}};
  }
};

} // namespace

namespace engram {
void registerCpuTarget() { registerTarget(std::make_unique<CpuTarget>()); }
} // namespace engram

//===- CudaTarget.cpp - --target=cuda -------------------------------------===//
//
// Registers the CUDA backend: it consumes engram IR after compression (the
// cell is recognised and its kernels specialised, CudaCodegen.h) and writes
// a `.cuda` file; --emit=cuda and --emit=ptx stop at its source or PTX.
//
//===----------------------------------------------------------------------===//

#include "backends/cuda/CudaCodegen.h"
#include "compiler/Target.h"

using namespace engram::compiler;

namespace {

struct CudaFlags : mlir::PassPipelineOptions<CudaFlags>, OptionSet {
  Option<std::string> arch{
      *this, "cuda-arch",
      llvm::cl::desc("GPU architecture of --target=cuda (default sm_90)"),
      llvm::cl::init("sm_90")};
  Option<std::string> nvcc{
      *this, "nvcc",
      llvm::cl::desc("nvcc for --target=cuda (default: $CUDA_HOME/bin, "
                     "/usr/local/cuda/bin, PATH)"),
      llvm::cl::init("")};
  Option<bool> lineInfo{
      *this, "cuda-lineinfo",
      llvm::cl::desc("Keep source line information in the CUDA code (for "
                     "compute-sanitizer and Nsight)"),
      llvm::cl::init(false)};
};

mlir::engram::CudaTargetOptions optionsOf(const CompilerOptions &options) {
  mlir::engram::CudaTargetOptions result;
  if (auto *flags = dynamic_cast<CudaFlags *>(options.targetOptions)) {
    result.arch = flags->arch;
    result.nvcc = flags->nvcc;
    result.lineInfo = flags->lineInfo;
  }
  return result;
}

class CudaTarget : public Target {
public:
  llvm::StringRef name() const override { return "cuda"; }
  llvm::StringRef description() const override {
    return "an NVIDIA GPU: PTX and an sm_90 cubin with the weights and "
           "launch plan, as a .cuda file";
  }
  llvm::StringRef artifact() const override { return "the .cuda artifact"; }
  OutputKind outputKind() const override { return OutputKind::File; }
  llvm::ArrayRef<Stage> stages() const override {
    static const Stage kStages[] = {
        {"cuda", "the CUDA C++ generated for the model (--target=cuda)",
         false},
        {"ptx", "the PTX of the model's kernels (--target=cuda)", false}};
    return kStages;
  }
  std::unique_ptr<OptionSet> createOptions() const override {
    return std::make_unique<CudaFlags>();
  }
  mlir::FailureOr<Output> emit(mlir::ModuleOp module,
                               const EmitRequest &request) const override {
    using mlir::engram::CudaStage;
    CudaStage stage = request.stage == "cuda"  ? CudaStage::Source
                      : request.stage == "ptx" ? CudaStage::Ptx
                                               : CudaStage::Artifact;
    auto bytes = mlir::engram::compileForCuda(
        module, optionsOf(request.options), stage, request.timing);
    if (mlir::failed(bytes))
      return mlir::failure();
    return Output{std::move(*bytes), {}};
  }
};

} // namespace

namespace engram {
void registerCudaTarget() { registerTarget(std::make_unique<CudaTarget>()); }
} // namespace engram

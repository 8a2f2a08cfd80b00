//===- CudaArtifact.h - running CUDA artifacts ------------------*- C++ -*-===//
//
// Opens a CUDA artifact made by `engramc --target=cuda` (the file format of
// runtime/CudaBundle.h), loads its code on a GPU through the driver API
// (runtime/CudaDriver.h, no toolkit needed), uploads the weights once and
// runs batches with the kernel the launch plan picks for each batch size,
// passing the parameters of runtime/engram_cuda_abi.h. No LLVM
// or MLIR is involved. Not thread-safe: one call at a time per artifact.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_CUDAARTIFACT_H
#define ENGRAM_RUNTIME_CUDAARTIFACT_H

#include "runtime/CudaBundle.h"
#include "runtime/CudaDriver.h"
#include "runtime/PackageInterpreter.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace engram::runtime {

class CudaArtifact {
public:
  /// Opens `path` on device 0, or on the device that the environment
  /// variable ENGRAM_CUDA_DEVICE names. Errors say what is wrong with the
  /// file, or that this machine has no CUDA driver or no GPU.
  static StatusOr<std::unique_ptr<CudaArtifact>> open(const std::string &path);
  ~CudaArtifact();
  CudaArtifact(const CudaArtifact &) = delete;
  CudaArtifact &operator=(const CudaArtifact &) = delete;

  const CudaBundle &bundle() const { return bundle_; }
  /// The artifact's metadata JSON.
  const std::string &metadata() const { return metadata_; }
  int64_t inputDim() const { return bundle_.config.inputDim; }
  bool hasFinalStates() const { return true; }

  /// "NVIDIA H100 80GB HBM3".
  std::string deviceName() const { return deviceName_; }
  /// "sm_90".
  std::string deviceArch() const { return deviceArch_; }
  /// Where the code came from: "cubin", or "ptx (...)" with the reason the
  /// cubin was not used.
  const std::string &loadedFrom() const { return loadedFrom_; }

  /// Runs `input` (B×S×D) into `result.output` (reused when its shape is
  /// already right); the final states stay on the GPU until readStates.
  Status run(const Tensor<float> &input, RunResult<float> &result);

  /// Copies the final states of the last run into `result.hidden` (B×H)
  /// and `result.trace` (B×N×H, or N×H for batch_mean).
  Status readStates(RunResult<float> &result);

  /// Mean milliseconds per run of `input` over `iterations` back-to-back
  /// launches, measured on the GPU with events after one warm-up launch;
  /// the input is uploaded once, before the timing, and nothing is copied
  /// back.
  StatusOr<double> timeRun(const Tensor<float> &input, int iterations);

  /// True when `path` names a CUDA artifact by its suffix (".cuda").
  static bool isCudaArtifactPath(const std::string &path);

private:
  struct Launch;
  /// A device allocation that only grows.
  struct DeviceBuffer {
    cu::DevicePtr pointer = 0;
    size_t bytes = 0;
  };

  CudaArtifact() = default;
  Status selectDevice();
  Status loadModule();
  Status prepareKernels();
  Status uploadWeights();
  Status reserve(DeviceBuffer &buffer, size_t bytes, const char *what);
  /// selectKernel, uploadInput and setParams: `launch` made ready to run
  /// `input`.
  Status prepare(const Tensor<float> &input, Launch &launch);
  /// The launch plan's entry for `input`'s batch and its grid, checked
  /// against the input's shape and the device.
  Status selectKernel(const Tensor<float> &input, Launch &launch);
  /// The buffers grown for `launch` and `input` uploaded; `scratchFloats`
  /// set to the kernel's scratch size.
  Status uploadInput(const Tensor<float> &input, const Launch &launch,
                     int64_t &scratchFloats);
  /// The kernel's parameters for `input`: sizes, weights, constants and
  /// buffers.
  void setParams(const Tensor<float> &input, int64_t scratchFloats,
                 Launch &launch) const;
  Status launch(const Launch &launch);
  Status synchronize(const Launch &launch);
  /// prepare, launch and synchronize: one checked run of `input`.
  Status launchOnce(const Tensor<float> &input, Launch &plan);
  std::string kernelText(size_t entry) const;
  const float *weight(const std::string &name) const;
  /// The configuration the kernels see: the model's, with hidden_dim padded
  /// to the kernels' width (CudaBundle::paddedHidden).
  ModelConfig kernelConfig() const;
  /// Copies `floats` floats of `buffer` into `out`; a padded kernel's rows
  /// of the kernels' hidden width are cut back to the model's (`hiddenRows`).
  Status copyBack(const DeviceBuffer &buffer, Tensor<float> &out,
                  bool hiddenRows, const char *what);

  std::string path_, metadata_;
  CudaBundle bundle_;
  CudaDriver *driver_ = nullptr;
  cu::Device device_ = 0;
  cu::Context context_ = nullptr;
  cu::Module module_ = nullptr;
  std::string deviceName_, deviceArch_, loadedFrom_;
  int multiprocessors_ = 0, sharedMemoryOptin_ = 0;
  bool cooperativeLaunch_ = false;

  /// Per launch-plan entry: its function, and for cooperative entries the
  /// most blocks that can be resident at once.
  std::vector<cu::Function> functions_;
  std::vector<int64_t> maxCooperativeBlocks_;

  DeviceBuffer weights_, input_, output_, hidden_, trace_, scratch_;
  std::map<std::string, size_t> weightOffsets_;
  float poolBias_ = 0;
  cu::Event start_ = nullptr, stop_ = nullptr;
  int64_t lastBatch_ = 0;
};

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_CUDAARTIFACT_H

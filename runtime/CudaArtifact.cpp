//===- CudaArtifact.cpp - running CUDA artifacts --------------------------===//
//
// open: the bundle is read and checked first (so a bad file is reported the
// same with or without a GPU), then the driver, the device's primary
// context, the module (cubin, else the PTX JIT-compiled by the driver), the
// launch plan's functions and their shared-memory needs, and the weights,
// uploaded once into one allocation. run: pick the entry for the batch,
// grow the buffers if needed, upload the input, launch, synchronise, copy
// the output back.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaArtifact.h"

#include "runtime/HiddenPadding.h"
#include "runtime/engram_cuda_abi.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace engram::runtime {

struct CudaArtifact::Launch {
  size_t entry = 0;
  int64_t grid = 0;
  EngramCudaParams params;
};

#define ENGRAM_TRY(expr)                                                       \
  do {                                                                         \
    if (Status _status = (expr); !_status.ok())                                \
      return _status;                                                          \
  } while (0)

namespace {

uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

float *devicePointer(cu::DevicePtr pointer, size_t offset = 0) {
  return pointer ? reinterpret_cast<float *>(uintptr_t(pointer + offset))
                 : nullptr;
}

/// Gives `tensor` the shape `shape`, reallocating only when it changes.
void reshape(Tensor<float> &tensor, std::vector<int64_t> shape) {
  if (tensor.shape != shape)
    tensor = Tensor<float>(std::move(shape));
}

} // namespace

bool CudaArtifact::isCudaArtifactPath(const std::string &path) {
  return path.size() > 5 && path.compare(path.size() - 5, 5, ".cuda") == 0;
}

CudaArtifact::~CudaArtifact() {
  if (!context_)
    return;
  // Errors are ignored: there is no one left to tell.
  (void)driver_->ctxSetCurrent(context_);
  for (DeviceBuffer *buffer :
       {&weights_, &input_, &output_, &hidden_, &trace_, &scratch_})
    if (buffer->pointer)
      (void)driver_->memFree(buffer->pointer);
  for (cu::Event event : {start_, stop_})
    if (event)
      (void)driver_->eventDestroy(event);
  if (module_)
    (void)driver_->moduleUnload(module_);
  (void)driver_->devicePrimaryCtxRelease(device_);
}

StatusOr<std::unique_ptr<CudaArtifact>>
CudaArtifact::open(const std::string &path) {
  StatusOr<CudaBundle> bundle = readCudaBundle(path);
  if (!bundle)
    return bundle.status();
  StatusOr<CudaDriver *> driver = CudaDriver::get();
  if (!driver)
    return driver.status().withPrefix(path + ": ");

  std::unique_ptr<CudaArtifact> artifact(new CudaArtifact());
  artifact->path_ = path;
  artifact->bundle_ = std::move(*bundle);
  artifact->metadata_ = artifact->bundle_.metadata.dump(
      2, ' ', false, nlohmann::json::error_handler_t::replace);
  artifact->driver_ = *driver;
  Status status = artifact->selectDevice();
  if (status)
    status = artifact->loadModule();
  if (status)
    status = artifact->prepareKernels();
  if (status)
    status = artifact->uploadWeights();
  if (!status)
    return status.withPrefix(path + ": ");
  return artifact;
}

Status CudaArtifact::selectDevice() {
  int ordinal = 0;
  if (const char *env = std::getenv("ENGRAM_CUDA_DEVICE"); env && *env) {
    char *end = nullptr;
    long value = std::strtol(env, &end, 10);
    if (*end != '\0' || value < 0 || value >= driver_->deviceCount())
      return Status::error("ENGRAM_CUDA_DEVICE=\"" + std::string(env) +
                           "\": expected a device number below " +
                           std::to_string(driver_->deviceCount()));
    ordinal = int(value);
  }
  ENGRAM_TRY(
      driver_->check(driver_->deviceGet(&device_, ordinal), "cuDeviceGet"));
  char name[256] = {0};
  ENGRAM_TRY(
      driver_->check(driver_->deviceGetName(name, sizeof(name) - 1, device_),
                     "cuDeviceGetName"));
  deviceName_ = name;
  int major = 0, minor = 0, cooperative = 0;
  auto attribute = [&](int which, int &value) {
    return driver_->check(driver_->deviceGetAttribute(&value, which, device_),
                          "cuDeviceGetAttribute");
  };
  ENGRAM_TRY(attribute(cu::kAttrComputeCapabilityMajor, major));
  ENGRAM_TRY(attribute(cu::kAttrComputeCapabilityMinor, minor));
  ENGRAM_TRY(attribute(cu::kAttrMultiprocessorCount, multiprocessors_));
  ENGRAM_TRY(attribute(cu::kAttrCooperativeLaunch, cooperative));
  ENGRAM_TRY(
      attribute(cu::kAttrMaxSharedMemoryPerBlockOptin, sharedMemoryOptin_));
  deviceArch_ = "sm_" + std::to_string(major) + std::to_string(minor);
  cooperativeLaunch_ = cooperative != 0;

  cu::Context context = nullptr;
  ENGRAM_TRY(driver_->check(driver_->devicePrimaryCtxRetain(&context, device_),
                            "cuDevicePrimaryCtxRetain"));
  context_ = context;
  return driver_->check(driver_->ctxSetCurrent(context_), "cuCtxSetCurrent");
}

Status CudaArtifact::loadModule() {
  const std::string &cubin = *bundle_.section("cubin");
  const std::string &ptx = *bundle_.section("ptx");
  std::string gpu = deviceName_ + " (" + deviceArch_ + ")";
  Status cubinStatus = Status::success();
  if (!cubin.empty()) {
    cu::Result result = driver_->moduleLoadData(&module_, cubin.data());
    if (result == cu::kSuccess) {
      loadedFrom_ = "cubin";
      return Status::success();
    }
    module_ = nullptr;
    cubinStatus = driver_->check(result, "cuModuleLoadData");
    // Only code built for another architecture falls back to the PTX.
    bool otherArch =
        result == cu::kErrorNoBinaryForGpu || result == cu::kErrorInvalidImage;
    if (!otherArch || ptx.empty())
      return cubinStatus.withPrefix("cannot load the cubin on " + gpu + ": ");
  }
  // The section holds no NUL, so c_str() is the NUL-terminated image.
  cu::Result result = driver_->moduleLoadData(&module_, ptx.c_str());
  if (result != cu::kSuccess) {
    module_ = nullptr;
    Status ptxStatus = driver_->check(result, "cuModuleLoadData");
    if (cubin.empty())
      return ptxStatus.withPrefix("cannot JIT-compile the PTX for " + gpu +
                                  ": ");
    return Status::error("cannot load the code on " + gpu +
                         ": cubin: " + cubinStatus.message() +
                         "; ptx: " + ptxStatus.message());
  }
  loadedFrom_ = cubin.empty()
                    ? "ptx (the artifact has no cubin; JIT-compiled for " +
                          deviceArch_ + ")"
                    : "ptx (the cubin does not run on " + deviceArch_ + ": " +
                          cubinStatus.message() + "; JIT-compiled instead)";
  return Status::success();
}

std::string CudaArtifact::kernelText(size_t entry) const {
  return "kernels[" + std::to_string(entry) + "] '" +
         bundle_.kernels[entry].name + "'";
}

Status CudaArtifact::prepareKernels() {
  const std::vector<CudaKernelEntry> &kernels = bundle_.kernels;
  functions_.assign(kernels.size(), nullptr);
  maxCooperativeBlocks_.assign(kernels.size(), 0);
  // Opt in to more than 48 KB of dynamic shared memory, per function, for
  // the largest amount any entry asks of it.
  std::map<cu::Function, int64_t> sharedMemory;
  for (size_t i = 0; i < kernels.size(); ++i) {
    const CudaKernelEntry &entry = kernels[i];
    ENGRAM_TRY(driver_
                   ->check(driver_->moduleGetFunction(&functions_[i], module_,
                                                      entry.name.c_str()),
                           "cuModuleGetFunction")
                   .withPrefix(kernelText(i) + ": not in the module: "));
    if (entry.dynamicSmemBytes > sharedMemoryOptin_)
      return Status::error(kernelText(i) + ": dynamic_smem_bytes " +
                           std::to_string(entry.dynamicSmemBytes) +
                           " is more than " + deviceName_ +
                           " allows a block (" +
                           std::to_string(sharedMemoryOptin_) + " bytes)");
    int64_t &bytes = sharedMemory[functions_[i]];
    bytes = std::max(bytes, entry.dynamicSmemBytes);
  }
  for (const auto &[function, bytes] : sharedMemory)
    if (bytes > cu::kDefaultSharedMemoryLimit)
      ENGRAM_TRY(driver_->check(
          driver_->funcSetAttribute(
              function, cu::kFuncAttrMaxDynamicSharedSizeBytes, int(bytes)),
          "cuFuncSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_"
          "BYTES)"));
  for (size_t i = 0; i < kernels.size(); ++i) {
    if (!kernels[i].cooperative)
      continue;
    int perMultiprocessor = 0;
    ENGRAM_TRY(driver_
                   ->check(driver_->occupancyMaxActiveBlocksPerMultiprocessor(
                               &perMultiprocessor, functions_[i],
                               int(kernels[i].threads),
                               size_t(kernels[i].dynamicSmemBytes)),
                           "cuOccupancyMaxActiveBlocksPerMultiprocessor")
                   .withPrefix(kernelText(i) + ": "));
    maxCooperativeBlocks_[i] = int64_t(perMultiprocessor) * multiprocessors_;
  }
  return Status::success();
}

Status CudaArtifact::uploadWeights() {
  // One allocation; each tensor at a 256-byte boundary.
  std::string staging;
  for (const TensorSpec &spec : expectedTensors(bundle_.config)) {
    std::optional<std::string> bytes = cudaBundleWeight(bundle_, spec.name);
    if (!bytes)
      continue;
    if (bundle_.paddedHidden) {
      std::vector<float> values(bytes->size() / sizeof(float));
      std::memcpy(values.data(), bytes->data(), bytes->size());
      values = padHiddenWeight(spec.name, values, bundle_.config,
                               bundle_.paddedHidden);
      bytes->assign(reinterpret_cast<const char *>(values.data()),
                    values.size() * sizeof(float));
    }
    size_t offset = alignUp(staging.size(), kCudaSectionAlignment);
    weightOffsets_[spec.name] = offset;
    staging.resize(offset);
    staging += *bytes;
  }
  if (const std::string *bias = bundle_.section("pool.bias"))
    std::memcpy(&poolBias_, bias->data(), sizeof(float));
  ENGRAM_TRY(reserve(weights_, staging.size(), "the weights"));
  return driver_->check(
      driver_->memcpyHtoD(weights_.pointer, staging.data(), staging.size()),
      "cuMemcpyHtoD (weights)");
}

ModelConfig CudaArtifact::kernelConfig() const {
  ModelConfig config = bundle_.config;
  config.cell.hiddenDim = bundle_.kernelHidden();
  return config;
}

const float *CudaArtifact::weight(const std::string &name) const {
  auto it = weightOffsets_.find(name);
  return it == weightOffsets_.end()
             ? nullptr
             : devicePointer(weights_.pointer, it->second);
}

Status CudaArtifact::reserve(DeviceBuffer &buffer, size_t bytes,
                             const char *what) {
  if (bytes <= buffer.bytes)
    return Status::success();
  if (buffer.pointer)
    ENGRAM_TRY(driver_->check(driver_->memFree(buffer.pointer), "cuMemFree"));
  buffer = DeviceBuffer();
  cu::DevicePtr pointer = 0;
  ENGRAM_TRY(driver_->check(driver_->memAlloc(&pointer, bytes), "cuMemAlloc")
                 .withPrefix("cannot allocate " + std::to_string(bytes) +
                             " bytes of GPU memory for " + what + ": "));
  buffer = {pointer, bytes};
  return Status::success();
}

Status CudaArtifact::prepare(const Tensor<float> &input, Launch &launch) {
  ENGRAM_TRY(selectKernel(input, launch));
  int64_t scratchFloats = 0;
  ENGRAM_TRY(uploadInput(input, launch, scratchFloats));
  setParams(input, scratchFloats, launch);
  return Status::success();
}

Status CudaArtifact::selectKernel(const Tensor<float> &input, Launch &launch) {
  const ModelConfig &config = bundle_.config;
  ENGRAM_TRY(checkInputShape(input.shape, config.inputDim));
  const int64_t batch = input.dim(0), steps = input.dim(1);
  if (batch > INT32_MAX || steps > INT32_MAX)
    return Status::error("input has shape " + shapeToString(input.shape) +
                         ": batch and steps must be below 2^31");
  const std::vector<CudaKernelEntry> &kernels = bundle_.kernels;
  launch.entry = kernels.size();
  std::string plan;
  for (size_t i = 0; i < kernels.size() && launch.entry == kernels.size(); ++i)
    if (kernels[i].serves(batch))
      launch.entry = i;
  if (launch.entry == kernels.size()) {
    for (const CudaKernelEntry &entry : kernels)
      plan += (plan.empty() ? "" : ", ") + std::to_string(entry.minBatch) +
              ".." + std::to_string(entry.maxBatch);
    return Status::error("no kernel of the launch plan serves batch " +
                         std::to_string(batch) + " (it serves " + plan + ")");
  }
  const CudaKernelEntry &entry = kernels[launch.entry];
  launch.grid = entry.gridFor(batch);
  if (entry.cooperative && !cooperativeLaunch_)
    return Status::error(kernelText(launch.entry) +
                         " needs a cooperative launch, which " + deviceName_ +
                         " does not support");
  if (entry.cooperative && launch.grid > maxCooperativeBlocks_[launch.entry])
    return Status::error(
        "batch " + std::to_string(batch) + " needs " +
        std::to_string(launch.grid) + " blocks of " + kernelText(launch.entry) +
        " (tile " + std::to_string(entry.tile) +
        "), more than a cooperative launch can keep resident on " +
        deviceName_ + " (" +
        std::to_string(maxCooperativeBlocks_[launch.entry]) +
        " = blocks per SM x " + std::to_string(multiprocessors_) + " SMs)");
  return Status::success();
}

Status CudaArtifact::uploadInput(const Tensor<float> &input,
                                 const Launch &launch, int64_t &scratchFloats) {
  const ModelConfig config = kernelConfig();
  const CudaKernelEntry &entry = bundle_.kernels[launch.entry];
  const int64_t batch = input.dim(0), steps = input.dim(1);
  ENGRAM_TRY(
      driver_->check(driver_->ctxSetCurrent(context_), "cuCtxSetCurrent"));
  const int64_t hidden = config.cell.hiddenDim, slots = config.cell.memorySize;
  const int64_t width = config.hasReadout() ? config.head.units : hidden;
  const int64_t outputFloats = config.pooling() == Pooling::Sequence
                                   ? batch * steps * width
                                   : batch * width;
  const int64_t traceFloats =
      (config.traceBatching == TraceBatching::BatchMean ? 1 : batch) * slots *
      hidden;
  scratchFloats = entry.scratchFloats(launch.grid, config);
  ENGRAM_TRY(reserve(input_, input.size() * sizeof(float), "the input"));
  ENGRAM_TRY(reserve(output_, outputFloats * sizeof(float), "the output"));
  ENGRAM_TRY(reserve(hidden_, batch * hidden * sizeof(float),
                     "the final hidden states"));
  ENGRAM_TRY(reserve(trace_, traceFloats * sizeof(float), "the final traces"));
  ENGRAM_TRY(
      reserve(scratch_, scratchFloats * sizeof(float), "the kernel's scratch"));
  ENGRAM_TRY(driver_->check(driver_->memcpyHtoD(input_.pointer, input.ptr(),
                                                input.size() * sizeof(float)),
                            "cuMemcpyHtoD (input)"));
  return Status::success();
}

void CudaArtifact::setParams(const Tensor<float> &input, int64_t scratchFloats,
                             Launch &launch) const {
  const ModelConfig config = kernelConfig();
  EngramCudaParams &params = launch.params;
  const int64_t batch = input.dim(0), steps = input.dim(1);
  const int64_t hidden = config.cell.hiddenDim, slots = config.cell.memorySize;
  std::memset(&params, 0, sizeof(params));
  params.batch = int32_t(batch);
  params.steps = int32_t(steps);
  params.inputDim = int32_t(config.inputDim);
  params.hidden = int32_t(hidden);
  params.slots = int32_t(slots);
  params.units = int32_t(config.hasReadout() ? config.head.units : 0);
  params.input = devicePointer(input_.pointer);
  params.encKernel = weight("cell.encoder.kernel");
  params.encBias = weight("cell.encoder.bias");
  params.norm1Gamma = weight("cell.norm1.gamma");
  params.norm1Beta = weight("cell.norm1.beta");
  params.intKernel = weight("cell.integrator.kernel");
  params.intBias = weight("cell.integrator.bias");
  params.outKernel = weight("cell.output.kernel");
  params.outBias = weight("cell.output.bias");
  params.norm2Gamma = weight("cell.norm2.gamma");
  params.norm2Beta = weight("cell.norm2.beta");
  params.memory = weight("cell.memory");
  params.traceInit = weight("cell.trace_init");
  params.poolKernel = weight("pool.kernel");
  params.readoutKernel = weight("readout.kernel");
  params.readoutBias = weight("readout.bias");
  const CellConfig &cell = config.cell;
  params.hebbianLr = float(cell.hebbianLr);
  params.scaleFactor = float(cell.scaleFactor);
  params.invTemperature =
      float((1 + 10 * cell.sparsityStrength) / cell.temperature);
  params.traceClip = float(kTraceClip);
  params.normEpsilon = float(kLayerNormEpsilon);
  params.poolBias = poolBias_;
  params.output = devicePointer(output_.pointer);
  params.finalHidden = devicePointer(hidden_.pointer);
  params.finalTrace = devicePointer(trace_.pointer);
  params.scratch =
      scratchFloats > 0 ? devicePointer(scratch_.pointer) : nullptr;
}

Status CudaArtifact::launch(const Launch &launch) {
  const CudaKernelEntry &entry = bundle_.kernels[launch.entry];
  cu::Function function = functions_[launch.entry];
  // The kernel's one parameter, by value.
  EngramCudaParams params = launch.params;
  void *arguments[] = {&params};
  cu::Result result =
      entry.cooperative
          ? driver_->launchCooperativeKernel(
                function, unsigned(launch.grid), 1, 1, unsigned(entry.threads),
                1, 1, unsigned(entry.dynamicSmemBytes), nullptr, arguments)
          : driver_->launchKernel(function, unsigned(launch.grid), 1, 1,
                                  unsigned(entry.threads), 1, 1,
                                  unsigned(entry.dynamicSmemBytes), nullptr,
                                  arguments, nullptr);
  return driver_
      ->check(result, entry.cooperative ? "cuLaunchCooperativeKernel"
                                        : "cuLaunchKernel")
      .withPrefix(kernelText(launch.entry) + ": ");
}

Status CudaArtifact::synchronize(const Launch &launch) {
  return driver_->check(driver_->ctxSynchronize(), "cuCtxSynchronize")
      .withPrefix(kernelText(launch.entry) + " failed on batch " +
                  std::to_string(launch.params.batch) + ": ");
}

Status CudaArtifact::launchOnce(const Tensor<float> &input, Launch &plan) {
  Status status = prepare(input, plan);
  if (status)
    status = launch(plan);
  if (status)
    status = synchronize(plan);
  return status;
}

Status CudaArtifact::run(const Tensor<float> &input, RunResult<float> &result) {
  Launch plan;
  Status status = launchOnce(input, plan);
  if (!status)
    return status.withPrefix(path_ + ": ");
  lastBatch_ = plan.params.batch;
  const ModelConfig &config = bundle_.config;
  const int64_t batch = input.dim(0), steps = input.dim(1);
  const int64_t width =
      config.hasReadout() ? config.head.units : config.cell.hiddenDim;
  reshape(result.output, config.pooling() == Pooling::Sequence
                             ? std::vector<int64_t>{batch, steps, width}
                             : std::vector<int64_t>{batch, width});
  return copyBack(output_, result.output, !config.hasReadout(), "output")
      .withPrefix(path_ + ": ");
}

Status CudaArtifact::copyBack(const DeviceBuffer &buffer, Tensor<float> &out,
                              bool hiddenRows, const char *what) {
  const int64_t hidden = bundle_.config.cell.hiddenDim,
                padded = bundle_.kernelHidden();
  const std::string call = std::string("cuMemcpyDtoH (") + what + ")";
  if (!hiddenRows || padded == hidden)
    return driver_->check(driver_->memcpyDtoH(out.ptr(), buffer.pointer,
                                              out.size() * sizeof(float)),
                          call.c_str());
  std::vector<float> rows(size_t(out.size() / hidden * padded));
  ENGRAM_TRY(driver_->check(driver_->memcpyDtoH(rows.data(), buffer.pointer,
                                                rows.size() * sizeof(float)),
                            call.c_str()));
  std::vector<float> kept = compactHiddenRows(rows, padded, hidden);
  std::copy(kept.begin(), kept.end(), out.ptr());
  return Status::success();
}

Status CudaArtifact::readStates(RunResult<float> &result) {
  if (lastBatch_ == 0)
    return Status::error(path_ + ": no run yet, so no final states to read");
  const ModelConfig &config = bundle_.config;
  const int64_t hidden = config.cell.hiddenDim, slots = config.cell.memorySize;
  reshape(result.hidden, {lastBatch_, hidden});
  reshape(result.trace, config.traceBatching == TraceBatching::BatchMean
                            ? std::vector<int64_t>{slots, hidden}
                            : std::vector<int64_t>{lastBatch_, slots, hidden});
  Status status =
      driver_->check(driver_->ctxSetCurrent(context_), "cuCtxSetCurrent");
  if (status)
    status = copyBack(hidden_, result.hidden, true, "final hidden states");
  if (status)
    status = copyBack(trace_, result.trace, true, "final traces");
  return status.withPrefix(path_ + ": ");
}

StatusOr<double> CudaArtifact::timeRun(const Tensor<float> &input,
                                       int iterations) {
  if (iterations < 1)
    return Status::error(path_ + ": timing needs at least one iteration, got " +
                         std::to_string(iterations));
  // One warm-up launch, checked on its own so that a failing kernel is
  // reported as such rather than as a timing error.
  Launch plan;
  Status status = launchOnce(input, plan);
  for (cu::Event *event : {&start_, &stop_})
    if (status && !*event)
      status = driver_->check(driver_->eventCreate(event, 0), "cuEventCreate");
  if (status)
    status =
        driver_->check(driver_->eventRecord(start_, nullptr), "cuEventRecord");
  for (int i = 0; status && i < iterations; ++i)
    status = launch(plan);
  if (status)
    status =
        driver_->check(driver_->eventRecord(stop_, nullptr), "cuEventRecord");
  if (status)
    status =
        driver_->check(driver_->eventSynchronize(stop_), "cuEventSynchronize");
  if (status)
    status = synchronize(plan);
  float milliseconds = 0;
  if (status)
    status =
        driver_->check(driver_->eventElapsedTime(&milliseconds, start_, stop_),
                       "cuEventElapsedTime");
  if (!status)
    return status.withPrefix(path_ + ": ");
  lastBatch_ = plan.params.batch;
  return double(milliseconds) / iterations;
}

} // namespace engram::runtime

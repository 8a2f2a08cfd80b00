//===- CudaDriver.h - the CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The runtime must build and run on machines without the CUDA toolkit or a
// GPU, so it never links libcuda: the driver library is opened with dlopen on
// first use and the few entry points the CUDA artifacts need are resolved by
// name. The driver's types are declared here (opaque handles, integer
// codes); cuda.h is never included. Every failure becomes a Status that
// names the driver call and the driver's own text for the error.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_CUDADRIVER_H
#define ENGRAM_RUNTIME_CUDADRIVER_H

#include "runtime/Status.h"

#include <cstddef>
#include <string>

namespace engram::runtime {

/// The driver API's types, with the layout of cuda.h.
namespace cu {
using Result = int;
using Device = int;
using DevicePtr = unsigned long long;
using Context = struct CUctx_st *;
using Module = struct CUmod_st *;
using Function = struct CUfunc_st *;
using Stream = struct CUstream_st *;
using Event = struct CUevent_st *;

// CUresult values the runtime tells apart.
inline constexpr Result kSuccess = 0;
inline constexpr Result kErrorNoDevice = 100;
inline constexpr Result kErrorInvalidImage = 200;
inline constexpr Result kErrorNoBinaryForGpu = 209;

// CUdevice_attribute values.
inline constexpr int kAttrMultiprocessorCount = 16;
inline constexpr int kAttrComputeCapabilityMajor = 75;
inline constexpr int kAttrComputeCapabilityMinor = 76;
inline constexpr int kAttrCooperativeLaunch = 95;
inline constexpr int kAttrMaxSharedMemoryPerBlockOptin = 97;

// CUfunction_attribute values.
inline constexpr int kFuncAttrMaxDynamicSharedSizeBytes = 8;

/// Dynamic shared memory a kernel gets without opting in.
inline constexpr int kDefaultSharedMemoryLimit = 48 * 1024;
} // namespace cu

/// The loaded driver: one per process, never unloaded. Members are the
/// driver's entry points under camelBack names (`memAlloc` is
/// cuMemAlloc_v2); call them with the context current and turn their result
/// into a Status with `check`.
class CudaDriver {
public:
  /// Loads libcuda.so.1 (or libcuda.so), resolves the entry points, runs
  /// cuInit and checks that there is at least one device. The outcome of the
  /// first call is kept: later calls return the same driver or error.
  static StatusOr<CudaDriver *> get();

  /// Success for CUDA_SUCCESS, else "<call> failed: CUDA_ERROR_X (text)".
  Status check(cu::Result result, const char *call) const;
  /// "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)".
  std::string describe(cu::Result result) const;

  /// The driver's CUDA version, 13000 for 13.0.
  int version() const { return version_; }
  int deviceCount() const { return deviceCount_; }

  // Initialisation and devices.
  cu::Result (*init)(unsigned flags) = nullptr;
  cu::Result (*driverGetVersion)(int *version) = nullptr;
  cu::Result (*deviceGetCount)(int *count) = nullptr;
  cu::Result (*deviceGet)(cu::Device *device, int ordinal) = nullptr;
  cu::Result (*deviceGetName)(char *name, int length,
                              cu::Device device) = nullptr;
  cu::Result (*deviceGetAttribute)(int *value, int attribute,
                                   cu::Device device) = nullptr;
  cu::Result (*getErrorString)(cu::Result error, const char **text) = nullptr;
  cu::Result (*getErrorName)(cu::Result error, const char **text) = nullptr;

  // Contexts. ctxCreate is resolved when the driver has cuCtxCreate_v2 (the
  // runtime itself uses the primary context).
  cu::Result (*devicePrimaryCtxRetain)(cu::Context *context,
                                       cu::Device device) = nullptr;
  cu::Result (*devicePrimaryCtxRelease)(cu::Device device) = nullptr;
  cu::Result (*ctxCreate)(cu::Context *context, unsigned flags,
                          cu::Device device) = nullptr;
  cu::Result (*ctxSetCurrent)(cu::Context context) = nullptr;
  cu::Result (*ctxSynchronize)() = nullptr;

  // Memory.
  cu::Result (*memAlloc)(cu::DevicePtr *pointer, size_t bytes) = nullptr;
  cu::Result (*memFree)(cu::DevicePtr pointer) = nullptr;
  cu::Result (*memcpyHtoD)(cu::DevicePtr destination, const void *source,
                           size_t bytes) = nullptr;
  cu::Result (*memcpyDtoH)(void *destination, cu::DevicePtr source,
                           size_t bytes) = nullptr;

  // Modules and kernels.
  cu::Result (*moduleLoadData)(cu::Module *module, const void *image) = nullptr;
  cu::Result (*moduleUnload)(cu::Module module) = nullptr;
  cu::Result (*moduleGetFunction)(cu::Function *function, cu::Module module,
                                  const char *name) = nullptr;
  cu::Result (*funcSetAttribute)(cu::Function function, int attribute,
                                 int value) = nullptr;
  cu::Result (*occupancyMaxActiveBlocksPerMultiprocessor)(
      int *blocks, cu::Function function, int blockSize,
      size_t dynamicSharedBytes) = nullptr;
  cu::Result (*launchKernel)(cu::Function function, unsigned gridX,
                             unsigned gridY, unsigned gridZ, unsigned blockX,
                             unsigned blockY, unsigned blockZ,
                             unsigned sharedBytes, cu::Stream stream,
                             void **params, void **extra) = nullptr;
  cu::Result (*launchCooperativeKernel)(cu::Function function, unsigned gridX,
                                        unsigned gridY, unsigned gridZ,
                                        unsigned blockX, unsigned blockY,
                                        unsigned blockZ, unsigned sharedBytes,
                                        cu::Stream stream,
                                        void **params) = nullptr;

  // Events.
  cu::Result (*eventCreate)(cu::Event *event, unsigned flags) = nullptr;
  cu::Result (*eventRecord)(cu::Event event, cu::Stream stream) = nullptr;
  cu::Result (*eventSynchronize)(cu::Event event) = nullptr;
  cu::Result (*eventElapsedTime)(float *milliseconds, cu::Event start,
                                 cu::Event end) = nullptr;
  cu::Result (*eventDestroy)(cu::Event event) = nullptr;

private:
  CudaDriver() = default;
  static StatusOr<CudaDriver *> load();
  Status resolve();

  void *handle_ = nullptr;
  std::string library_;
  int version_ = 0, deviceCount_ = 0;
};

/// Whether a CUDA driver and at least one GPU are usable here; otherwise
/// `why` (when not null) receives the reason, for tests and tools that skip
/// GPU work visibly.
bool cudaGpuAvailable(std::string *why = nullptr);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_CUDADRIVER_H

//===- CudaDriver.cpp - the CUDA driver API, loaded at run time -----------===//
//
// dlopen, then dlsym of each entry point under the name the driver exports
// for the current ABI (the `_v2` names where cuda.h maps to them), then
// cuInit and a device count. The result, driver or error, is computed once.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDriver.h"

#include <dlfcn.h>
#include <initializer_list>
#include <memory>
#include <type_traits>

namespace engram::runtime {

StatusOr<CudaDriver *> CudaDriver::get() {
  // Function-local statics are initialised once, even with several threads.
  static StatusOr<CudaDriver *> driver = load();
  return driver;
}

namespace {

/// Names of the errors that come before the driver can describe them (the
/// toolkit's stub libcuda answers no question).
void describeEarlyError(cu::Result result, const char *&name,
                        const char *&text) {
  switch (result) {
  case 3:
    name = "CUDA_ERROR_NOT_INITIALIZED";
    text = "initialization error";
    break;
  case 34:
    name = "CUDA_ERROR_STUB_LIBRARY";
    text = "the libcuda found is the CUDA toolkit's stub, not a driver";
    break;
  case 35:
    name = "CUDA_ERROR_INSUFFICIENT_DRIVER";
    text = "the installed driver is older than this CUDA code needs";
    break;
  case cu::kErrorNoDevice:
    name = "CUDA_ERROR_NO_DEVICE";
    text = "no CUDA-capable device is detected";
    break;
  default:
    break;
  }
}

} // namespace

std::string CudaDriver::describe(cu::Result result) const {
  const char *name = nullptr, *text = nullptr;
  if (getErrorName && getErrorName(result, &name) != cu::kSuccess)
    name = nullptr;
  if (getErrorString && getErrorString(result, &text) != cu::kSuccess)
    text = nullptr;
  if (!name)
    describeEarlyError(result, name, text);
  std::string description =
      name ? std::string(name) : "CUDA error " + std::to_string(result);
  if (text)
    description += std::string(" (") + text + ")";
  return description;
}

Status CudaDriver::check(cu::Result result, const char *call) const {
  if (result == cu::kSuccess)
    return Status::success();
  return Status::error(std::string(call) + " failed: " + describe(result));
}

Status CudaDriver::resolve() {
  std::string missing;
  // Binds `slot` to the first of `names` the driver exports.
  auto bind = [&](auto &slot, std::initializer_list<const char *> names,
                  bool required = true) {
    for (const char *name : names)
      if (void *symbol = dlsym(handle_, name)) {
        slot =
            reinterpret_cast<std::remove_reference_t<decltype(slot)>>(symbol);
        return;
      }
    if (required)
      missing += (missing.empty() ? "" : ", ") + std::string(*names.begin());
  };
  bind(init, {"cuInit"});
  bind(driverGetVersion, {"cuDriverGetVersion"});
  bind(deviceGetCount, {"cuDeviceGetCount"});
  bind(deviceGet, {"cuDeviceGet"});
  bind(deviceGetName, {"cuDeviceGetName"});
  bind(deviceGetAttribute, {"cuDeviceGetAttribute"});
  bind(getErrorString, {"cuGetErrorString"});
  bind(getErrorName, {"cuGetErrorName"});
  bind(devicePrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"});
  bind(devicePrimaryCtxRelease,
       {"cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"});
  bind(ctxCreate, {"cuCtxCreate_v2"}, /*required=*/false);
  bind(ctxSetCurrent, {"cuCtxSetCurrent"});
  bind(ctxSynchronize, {"cuCtxSynchronize"});
  bind(memAlloc, {"cuMemAlloc_v2"});
  bind(memFree, {"cuMemFree_v2"});
  bind(memcpyHtoD, {"cuMemcpyHtoD_v2"});
  bind(memcpyDtoH, {"cuMemcpyDtoH_v2"});
  bind(moduleLoadData, {"cuModuleLoadData"});
  bind(moduleUnload, {"cuModuleUnload"});
  bind(moduleGetFunction, {"cuModuleGetFunction"});
  bind(funcSetAttribute, {"cuFuncSetAttribute"});
  bind(occupancyMaxActiveBlocksPerMultiprocessor,
       {"cuOccupancyMaxActiveBlocksPerMultiprocessor"});
  bind(launchKernel, {"cuLaunchKernel"});
  bind(launchCooperativeKernel, {"cuLaunchCooperativeKernel"});
  bind(eventCreate, {"cuEventCreate"});
  bind(eventRecord, {"cuEventRecord"});
  bind(eventSynchronize, {"cuEventSynchronize"});
  bind(eventElapsedTime, {"cuEventElapsedTime_v2", "cuEventElapsedTime"});
  bind(eventDestroy, {"cuEventDestroy_v2", "cuEventDestroy"});
  if (!missing.empty())
    return Status::error("CUDA driver " + library_ + " is too old: it lacks " +
                         missing);
  return Status::success();
}

StatusOr<CudaDriver *> CudaDriver::load() {
  // Freed when loading fails; otherwise kept, with the library, for the life
  // of the process.
  std::unique_ptr<CudaDriver> driver(new CudaDriver());
  std::string reasons;
  for (const char *name : {"libcuda.so.1", "libcuda.so"}) {
    driver->handle_ = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (driver->handle_) {
      driver->library_ = name;
      break;
    }
    const char *error = dlerror();
    reasons +=
        (reasons.empty() ? "" : "; ") + std::string(error ? error : name);
  }
  if (!driver->handle_)
    return Status::error("no CUDA driver: libcuda.so.1 not found (" + reasons +
                         ")");
  if (Status status = driver->resolve(); !status)
    return status;
  if (Status status = driver->check(driver->init(0), "cuInit"); !status)
    return status.withPrefix("CUDA driver present but no GPU: ");
  if (Status status = driver->check(driver->driverGetVersion(&driver->version_),
                                    "cuDriverGetVersion");
      !status)
    return status;
  if (Status status = driver->check(
          driver->deviceGetCount(&driver->deviceCount_), "cuDeviceGetCount");
      !status)
    return status.withPrefix("CUDA driver present but no GPU: ");
  if (driver->deviceCount_ < 1)
    return Status::error("CUDA driver present but no GPU: cuDeviceGetCount "
                         "found no device");
  return driver.release();
}

bool cudaGpuAvailable(std::string *why) {
  StatusOr<CudaDriver *> driver = CudaDriver::get();
  if (!driver && why)
    *why = driver.status().message();
  return driver.ok();
}

} // namespace engram::runtime

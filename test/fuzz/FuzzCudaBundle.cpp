//===- FuzzCudaBundle.cpp - fuzz target: .cuda artifacts
//-------------------===//
//
// engram-run reads a .cuda bundle (header, metadata JSON, weight and code
// sections) before any GPU is involved. A bundle it accepts must describe a
// valid model, which then runs in the reference interpreter.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaBundle.h"
#include "test/fuzz/FuzzChecks.h"

#include <cstdint>

using namespace engram::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  StatusOr<CudaBundle> bundle = decodeCudaBundle(bytes, "fuzz.cuda");
  if (!bundle)
    return 0;
  Model model = cudaBundleModel(*bundle);
  if (!validateConfig(model.config) ||
      !validateWeights(model.config, model.weights))
    std::abort(); // The reader accepted a model the runtime refuses.
  engram::fuzz::runModel(model);
  return 0;
}

//===- FuzzPackage.cpp - fuzz target: model packages
//-----------------------===//
//
// A package is model.json and model.safetensors; the input holds both,
// separated by the first NUL byte (which JSON text cannot contain). A package
// the loader accepts runs a short sequence in the reference interpreter.
//
//===----------------------------------------------------------------------===//

#include "runtime/Package.h"
#include "runtime/Safetensors.h"
#include "test/fuzz/FuzzChecks.h"

#include <cstdint>

using namespace engram::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  size_t split = bytes.find('\0');
  std::string text = bytes.substr(0, split);
  std::string weightBytes =
      split == std::string::npos ? std::string() : bytes.substr(split + 1);
  std::string weightsFile;
  StatusOr<ModelConfig> config = parseModelConfig(text, &weightsFile);
  auto weights = parseSafetensors(weightBytes);
  if (!config || !weights || !validateWeights(*config, *weights))
    return 0;
  engram::fuzz::runModel(Model{*config, std::move(*weights)});
  return 0;
}

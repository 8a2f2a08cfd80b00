//===- FuzzRule.cpp - fuzz target: the learning-rule parser
//----------------===//
//
// Learning rules arrive as text in snn MLIR, Lava graphs and NIR files
// ("dw = 2^-4*u*x1*y1 - ..."); spiking/Rule.cpp parses them.
//
//===----------------------------------------------------------------------===//

#include "runtime/Snn.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  (void)engram::runtime::snn::parseRule(text);
  return 0;
}

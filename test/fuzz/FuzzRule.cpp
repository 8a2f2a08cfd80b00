//===- FuzzRule.cpp - fuzz target: the learning-rule parser ---------------===//
//
// Learning rules arrive as text in snn MLIR (#snn.rule), Lava graphs and NIR
// files ("dw = 2^-4*u*x1*y1 - ..."); spiking/Rule.cpp parses them. Every rule
// that parses must print in its one spelling and read back to the same
// terms (what #snn.rule's printer relies on); a difference aborts.
//
//===----------------------------------------------------------------------===//

#include "spiking/Rule.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  auto terms = engram::spiking::parseRule(text);
  if (!terms.ok())
    return 0;
  std::string printed = engram::spiking::formatRule(*terms);
  auto again = engram::spiking::parseRule(printed);
  if (!again.ok() || *again != *terms) {
    std::fprintf(stderr, "'%s' prints as '%s', which %s\n", text.c_str(),
                 printed.c_str(),
                 again.ok() ? "reads back differently"
                            : again.status().message().c_str());
    std::abort();
  }
  return 0;
}

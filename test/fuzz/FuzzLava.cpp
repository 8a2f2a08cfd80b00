//===- FuzzLava.cpp - fuzz target: Lava process graphs (.pb)
//---------------===//
//
// engramc and engram-run import engram_lava.proto graphs; an accepted graph
// is a valid network that the simulator runs.
//
//===----------------------------------------------------------------------===//

#include "backends/lava/Lava.h"
#include "test/fuzz/FuzzChecks.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  auto graph = engram::lava::importLava(bytes, "fuzz.pb");
  if (graph)
    engram::fuzz::runNetwork(graph->network);
  return 0;
}

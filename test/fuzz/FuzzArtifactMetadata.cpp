//===- FuzzArtifactMetadata.cpp - fuzz target: CPU artifact metadata
//-------===//
//
// The metadata JSON a CPU artifact exports (engram_metadata), checked by
// engram-run before the artifact's code is called.
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  (void)engram::runtime::parseArtifactMetadata(text);
  return 0;
}

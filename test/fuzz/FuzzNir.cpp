//===- FuzzNir.cpp - fuzz target: NIR graphs (HDF5)
//------------------------===//
//
// libhdf5 reads files, not memory, so the input goes to a file in /dev/shm
// (or $TMPDIR) first. An accepted graph is a valid network that the
// simulator runs. Crashes inside libhdf5 itself are reported, not fixed,
// here: run this target with -fork=1 -ignore_crashes=1 (scripts/fuzz.sh).
//
//===----------------------------------------------------------------------===//

#include "backends/nir/Nir.h"
#include "test/fuzz/FuzzChecks.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

std::string scratchPath() {
  const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                    : std::getenv("TMPDIR")       ? std::getenv("TMPDIR")
                                                  : "/tmp";
  return std::string(dir) + "/engram-fuzz-nir-" + std::to_string(getpid()) +
         ".nir";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = scratchPath();
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    std::abort();
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  auto network = engram::nir::importNir(path, {});
  if (network)
    engram::fuzz::runNetwork(*network);
  std::remove(path.c_str());
  return 0;
}

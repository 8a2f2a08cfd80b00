//===- FuzzNpz.cpp - fuzz target: .npz archives ---------------------------===//
//
// engram-run's --initial-state reads an .npz archive from users (a zip of
// stored or deflated .npy members, zip64 fields included). Every parsed
// member must hold exactly the elements its shape says.
//
//===----------------------------------------------------------------------===//

#include "runtime/Npy.h"

#include <cstdint>
#include <cstdlib>

using namespace engram::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  StatusOr<std::vector<NpzArray>> arrays = parseNpz(bytes);
  if (!arrays)
    return 0;
  for (const NpzArray &member : *arrays) {
    uint64_t count = 1;
    for (int64_t dim : member.array.shape)
      count *= uint64_t(dim);
    if (count != member.array.data.size())
      std::abort(); // The shape and the data disagree.
  }
  return 0;
}

//===- FuzzNpy.cpp - fuzz target: .npy arrays
//------------------------------===//
//
// engram-run's --input and --labels and engramc's --snn-calibration read
// .npy files from users. A parsed array must hold exactly the elements its
// shape says.
//
//===----------------------------------------------------------------------===//

#include "runtime/Npy.h"

#include <cstdint>
#include <cstdlib>

using namespace engram::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  StatusOr<NpyArray> array = parseNpy(bytes);
  if (!array)
    return 0;
  uint64_t count = 1;
  for (int64_t dim : array->shape)
    count *= uint64_t(dim);
  if (count != array->data.size())
    std::abort(); // The shape and the data disagree.
  return 0;
}

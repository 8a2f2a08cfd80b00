//===- Npy.h - NumPy .npy / .npz files --------------------------*- C++ -*-===//
//
// Reads .npy arrays (float, integer and bool dtypes, C order, little endian)
// and .npz archives of them, and writes float32/float64 .npy files and
// zlib-compressed .npz archives, the formats engram-run exchanges with NumPy.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_NPY_H
#define ENGRAM_RUNTIME_NPY_H

#include "runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace engram::runtime {

/// An array read from a .npy file, converted to double.
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> data;
  /// The NumPy dtype string of the file, e.g. "<f4".
  std::string dtype;
};

/// A dtype's NumPy name ("<f4" is float32, "|u1" uint8), or the code quoted.
std::string dtypeName(const std::string &descr);

/// Parses the bytes of a .npy file (errors carry no file name).
StatusOr<NpyArray> parseNpy(const std::string &bytes);

/// Reads `path`; errors are prefixed with the path.
StatusOr<NpyArray> readNpy(const std::string &path);

/// The bytes of a .npy file holding `data` with `shape`.
std::string encodeNpy(const std::vector<int64_t> &shape, const float *data);
std::string encodeNpy(const std::vector<int64_t> &shape, const double *data);
std::string encodeNpy(const std::vector<int64_t> &shape, const uint8_t *data);
std::string encodeNpy(const std::vector<int64_t> &shape, const int64_t *data);

/// One member of an .npz archive: `name` without the ".npy" suffix.
struct NpzMember {
  std::string name;
  std::string npyBytes;
};

/// The bytes of an .npz (zip) archive of `members`, each deflated with zlib
/// as numpy.savez_compressed writes them (stored only if zlib fails). Zip32:
/// members and the archive stay below 4 GiB.
std::string encodeNpz(const std::vector<NpzMember> &members);

/// An array of an .npz archive.
struct NpzArray {
  std::string name;
  NpyArray array;
};

/// Parses the bytes of an .npz archive as numpy.savez and
/// numpy.savez_compressed write it (stored or deflated members, zip64
/// fields included); errors name the member and carry no file name.
StatusOr<std::vector<NpzArray>> parseNpz(const std::string &bytes);

/// Reads `path`; errors are prefixed with the path.
StatusOr<std::vector<NpzArray>> readNpz(const std::string &path);

/// The member of `arrays` called `name`, or null.
const NpyArray *findMember(const std::vector<NpzArray> &arrays,
                           const std::string &name);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_NPY_H

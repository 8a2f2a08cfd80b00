//===- Hdf5.h - the small part of libhdf5 that NIR files need ---*- C++ -*-===//
//
// Owning handles and typed reads and writes of the datasets NIR uses: scalar
// UTF-8 strings, float64 and int64 arrays, and the (n, 2) string array of
// edges. HDF5's own error printing is switched off; failures come back as
// Status messages naming the object.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_NIR_HDF5_H
#define ENGRAM_BACKENDS_NIR_HDF5_H

#include "runtime/Status.h"

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace engram::nir::hdf5 {

/// An HDF5 identifier closed with the matching H5?close.
class Handle {
public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  Handle(Handle &&other) noexcept : id_(std::exchange(other.id_, -1)) {}
  Handle &operator=(Handle &&other) noexcept {
    std::swap(id_, other.id_);
    return *this;
  }
  ~Handle();
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

private:
  hid_t id_ = -1;
};

/// Switches off HDF5's error stack printing (once).
void silence();

/// An array read from a dataset: its values (as float64) and shape.
struct Array {
  std::vector<double> values;
  std::vector<int64_t> shape;
};

/// An in-memory file (the core driver, no backing store), and its bytes.
runtime::StatusOr<Handle> createMemoryFile();
runtime::StatusOr<std::string> fileImage(hid_t file);

runtime::StatusOr<Handle> createGroup(hid_t parent, const std::string &name);
runtime::Status writeString(hid_t parent, const std::string &name,
                            const std::string &value);
runtime::Status writeDoubles(hid_t parent, const std::string &name,
                             const std::vector<double> &values,
                             const std::vector<int64_t> &shape);
runtime::Status writeInts(hid_t parent, const std::string &name,
                          const std::vector<int64_t> &values,
                          const std::vector<int64_t> &shape);
runtime::Status
writeEdges(hid_t parent,
           const std::vector<std::pair<std::string, std::string>> &edges);

bool exists(hid_t parent, const std::string &name);
/// The names of a group's members, in HDF5's (name) order.
runtime::StatusOr<std::vector<std::string>> members(hid_t group);
runtime::StatusOr<Handle> openGroup(hid_t parent, const std::string &name);
runtime::StatusOr<std::string> readString(hid_t parent,
                                          const std::string &name);
runtime::StatusOr<Array> readArray(hid_t parent, const std::string &name);
runtime::StatusOr<std::vector<std::pair<std::string, std::string>>>
readEdges(hid_t parent, const std::string &name);

} // namespace engram::nir::hdf5

#endif // ENGRAM_BACKENDS_NIR_HDF5_H

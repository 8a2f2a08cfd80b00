//===- Hdf5.cpp - the small part of libhdf5 that NIR files need -----------===//

#include "backends/nir/Hdf5.h"

#include <cstdlib>
#include <mutex>

using engram::runtime::Status;
using engram::runtime::StatusOr;

namespace engram::nir::hdf5 {

Handle::~Handle() {
  if (id_ < 0)
    return;
  switch (H5Iget_type(id_)) {
  case H5I_FILE:
    H5Fclose(id_);
    break;
  case H5I_GROUP:
    H5Gclose(id_);
    break;
  case H5I_DATASET:
    H5Dclose(id_);
    break;
  case H5I_DATASPACE:
    H5Sclose(id_);
    break;
  case H5I_DATATYPE:
    H5Tclose(id_);
    break;
  case H5I_GENPROP_LST:
    H5Pclose(id_);
    break;
  default:
    break;
  }
}

void silence() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

namespace {

/// Creation properties of `propertyClass` (file, group or dataset) without
/// the times HDF5 stamps objects with by default, so that the same network
/// always writes the same bytes.
Handle untimed(hid_t propertyClass) {
  Handle properties(H5Pcreate(propertyClass));
  H5Pset_obj_track_times(properties.get(), false);
  return properties;
}

Handle stringType() {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

Status writeArray(hid_t parent, const std::string &name, hid_t memType,
                  const void *data, const std::vector<int64_t> &shape) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr));
  hid_t fileType =
      memType == H5T_NATIVE_DOUBLE ? H5T_IEEE_F64LE : H5T_STD_I64LE;
  Handle set(H5Dcreate2(parent, name.c_str(), fileType, space.get(),
                        H5P_DEFAULT, untimed(H5P_DATASET_CREATE).get(),
                        H5P_DEFAULT));
  if (!set.valid() ||
      H5Dwrite(set.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    return Status::error("cannot write dataset '" + name + "'");
  return Status::success();
}

} // namespace

StatusOr<Handle> createMemoryFile() {
  silence();
  Handle access(H5Pcreate(H5P_FILE_ACCESS));
  if (H5Pset_fapl_core(access.get(), 1 << 16, /*backing_store=*/0) < 0)
    return Status::error("HDF5: cannot set up an in-memory file");
  Handle file(H5Fcreate("engram.nir", H5F_ACC_TRUNC,
                        untimed(H5P_FILE_CREATE).get(), access.get()));
  if (!file.valid())
    return Status::error("HDF5: cannot create an in-memory file");
  return file;
}

StatusOr<std::string> fileImage(hid_t file) {
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0)
    return Status::error("HDF5: cannot flush the file");
  ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size <= 0)
    return Status::error("HDF5: cannot size the file image");
  std::string bytes(size_t(size), '\0');
  if (H5Fget_file_image(file, bytes.data(), bytes.size()) != size)
    return Status::error("HDF5: cannot copy the file image");
  return bytes;
}

StatusOr<Handle> createGroup(hid_t parent, const std::string &name) {
  Handle group(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT,
                          untimed(H5P_GROUP_CREATE).get(), H5P_DEFAULT));
  if (!group.valid())
    return Status::error("cannot create group '" + name + "'");
  return group;
}

Status writeString(hid_t parent, const std::string &name,
                   const std::string &value) {
  Handle type = stringType();
  Handle space(H5Screate(H5S_SCALAR));
  Handle set(H5Dcreate2(parent, name.c_str(), type.get(), space.get(),
                        H5P_DEFAULT, untimed(H5P_DATASET_CREATE).get(),
                        H5P_DEFAULT));
  const char *text = value.c_str();
  if (!set.valid() ||
      H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0)
    return Status::error("cannot write string '" + name + "'");
  return Status::success();
}

Status writeDoubles(hid_t parent, const std::string &name,
                    const std::vector<double> &values,
                    const std::vector<int64_t> &shape) {
  return writeArray(parent, name, H5T_NATIVE_DOUBLE, values.data(), shape);
}

Status writeInts(hid_t parent, const std::string &name,
                 const std::vector<int64_t> &values,
                 const std::vector<int64_t> &shape) {
  static_assert(sizeof(long) == sizeof(int64_t));
  return writeArray(parent, name, H5T_NATIVE_LONG, values.data(), shape);
}

Status
writeEdges(hid_t parent,
           const std::vector<std::pair<std::string, std::string>> &edges) {
  std::vector<const char *> text;
  for (const auto &[from, to] : edges) {
    text.push_back(from.c_str());
    text.push_back(to.c_str());
  }
  if (edges.empty()) // What nir.write produces for no edges.
    return writeDoubles(parent, "edges", {}, {0});
  Handle type = stringType();
  hsize_t dims[2] = {edges.size(), 2};
  Handle space(H5Screate_simple(2, dims, nullptr));
  Handle set(H5Dcreate2(parent, "edges", type.get(), space.get(), H5P_DEFAULT,
                        untimed(H5P_DATASET_CREATE).get(), H5P_DEFAULT));
  if (!set.valid() || H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL,
                               H5P_DEFAULT, text.data()) < 0)
    return Status::error("cannot write the edges");
  return Status::success();
}

bool exists(hid_t parent, const std::string &name) {
  return H5Lexists(parent, name.c_str(), H5P_DEFAULT) > 0;
}

StatusOr<std::vector<std::string>> members(hid_t group) {
  H5G_info_t info;
  if (H5Gget_info(group, &info) < 0)
    return Status::error("cannot list a group");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t size = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i,
                                      nullptr, 0, H5P_DEFAULT);
    if (size < 0)
      return Status::error("cannot read a member name");
    std::string name(size_t(size), '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(),
                       size_t(size) + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

namespace {

/// Opens the member `name` of `parent`, which must be of `type` (a group or
/// a dataset, named `what` in the message).
StatusOr<Handle> openObject(hid_t parent, const std::string &name,
                            H5I_type_t type, const char *what) {
  if (!exists(parent, name))
    return Status::error("has no '" + name + "'");
  Handle object(H5Oopen(parent, name.c_str(), H5P_DEFAULT));
  if (!object.valid())
    return Status::error("cannot open '" + name + "'");
  if (H5Iget_type(object.get()) != type)
    return Status::error("'" + name + "' is not a " + what);
  return object;
}

StatusOr<Handle> openDataset(hid_t parent, const std::string &name) {
  return openObject(parent, name, H5I_DATASET, "dataset");
}

} // namespace

StatusOr<Handle> openGroup(hid_t parent, const std::string &name) {
  return openObject(parent, name, H5I_GROUP, "group");
}

namespace {

/// The most elements engram reads from one dataset (a 8192 x 8192 weight
/// matrix): a corrupt file may claim any shape, and the buffer is allocated
/// before libhdf5 reads.
constexpr size_t kMaxElements = size_t(1) << 26;

/// The shape of dataset `set` and its element count, checked against
/// kMaxElements without overflow.
StatusOr<size_t> shapeOf(hid_t set, const std::string &name,
                         std::vector<int64_t> &shape) {
  Handle space(H5Dget_space(set));
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0)
    return Status::error("cannot read the shape of '" + name + "'");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  size_t count = 1;
  bool tooLarge = false;
  shape.clear();
  for (hsize_t d : dims) {
    tooLarge |= __builtin_mul_overflow(count, size_t(d), &count);
    shape.push_back(int64_t(d));
  }
  if (tooLarge || count > kMaxElements)
    return Status::error("'" + name + "' has more than " +
                         std::to_string(kMaxElements) + " elements");
  return count;
}

/// Whether the file's number type is one libhdf5 converts safely: 1 to 16
/// bytes (it sizes its conversion buffer by them), and its bit fields
/// (precision, offset; a float's sign, exponent and mantissa) inside them
/// (its bit copies trust them; a corrupt type smashes its stack).
Status checkNumberType(hid_t type, const std::string &name) {
  const size_t bytes = H5Tget_size(type);
  if (bytes < 1 || bytes > 16)
    return Status::error("'" + name + "' holds numbers of " +
                         std::to_string(bytes) + " bytes");
  const size_t bits = 8 * bytes;
  const size_t precision = H5Tget_precision(type);
  const int offset = H5Tget_offset(type);
  bool inside = precision >= 1 && offset >= 0 && size_t(offset) + precision <= bits;
  if (inside && H5Tget_class(type) == H5T_FLOAT) {
    size_t sign = 0, exponent = 0, exponentBits = 0, mantissa = 0,
           mantissaBits = 0;
    inside = H5Tget_fields(type, &sign, &exponent, &exponentBits, &mantissa,
                           &mantissaBits) >= 0 &&
             sign < bits && exponent + exponentBits <= bits &&
             mantissa + mantissaBits <= bits && exponentBits >= 1 &&
             mantissaBits >= 1;
  }
  if (!inside)
    return Status::error("'" + name + "' has a malformed number type");
  return Status::success();
}

/// Every string of a string dataset, fixed or variable length.
StatusOr<std::vector<std::string>>
readStrings(hid_t set, const std::string &name, std::vector<int64_t> &shape) {
  Handle type(H5Dget_type(set));
  if (H5Tget_class(type.get()) != H5T_STRING)
    return Status::error("'" + name + "' is not a string");
  Handle space(H5Dget_space(set));
  StatusOr<size_t> elements = shapeOf(set, name, shape);
  if (!elements)
    return elements.status();
  const size_t count = *elements;
  std::vector<std::string> result;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle memType = stringType();
    std::vector<char *> text(count, nullptr);
    const bool read = H5Dread(set, memType.get(), H5S_ALL, H5S_ALL,
                              H5P_DEFAULT, text.data()) >= 0;
    for (char *t : text)
      result.push_back(t ? t : "");
    // A read that fails half-way has filled some strings: free them too.
    H5Dvlen_reclaim(memType.get(), space.get(), H5P_DEFAULT, text.data());
    if (!read)
      return Status::error("cannot read '" + name + "'");
    return result;
  }
  size_t size = H5Tget_size(type.get()), bytes = 0;
  if (size == 0 || __builtin_mul_overflow(count, size, &bytes) ||
      bytes > kMaxElements)
    return Status::error("'" + name + "' holds strings of " +
                         std::to_string(size) + " bytes, too many to read");
  std::vector<char> buffer(bytes);
  if (H5Dread(set, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) <
      0)
    return Status::error("cannot read '" + name + "'");
  for (size_t i = 0; i < count; ++i) {
    std::string s(buffer.data() + i * size, size);
    s.erase(s.find_last_not_of('\0') + 1);
    result.push_back(s);
  }
  return result;
}

} // namespace

StatusOr<std::string> readString(hid_t parent, const std::string &name) {
  StatusOr<Handle> set = openDataset(parent, name);
  if (!set)
    return set.status();
  std::vector<int64_t> shape;
  StatusOr<std::vector<std::string>> strings =
      readStrings(set->get(), name, shape);
  if (!strings)
    return strings.status();
  if (strings->size() != 1)
    return Status::error("'" + name + "' is not one string");
  return strings->front();
}

StatusOr<Array> readArray(hid_t parent, const std::string &name) {
  StatusOr<Handle> set = openDataset(parent, name);
  if (!set)
    return set.status();
  Handle type(H5Dget_type(set->get()));
  H5T_class_t kind = H5Tget_class(type.get());
  if (kind != H5T_FLOAT && kind != H5T_INTEGER)
    return Status::error("'" + name + "' is not numeric");
  if (Status status = checkNumberType(type.get(), name); !status)
    return status;
  Array array;
  StatusOr<size_t> elements = shapeOf(set->get(), name, array.shape);
  if (!elements)
    return elements.status();
  const size_t count = *elements;
  array.values.resize(count);
  if (count && H5Dread(set->get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                       H5P_DEFAULT, array.values.data()) < 0)
    return Status::error("cannot read '" + name + "'");
  return array;
}

StatusOr<std::vector<std::pair<std::string, std::string>>>
readEdges(hid_t parent, const std::string &name) {
  StatusOr<Handle> set = openDataset(parent, name);
  if (!set)
    return set.status();
  std::vector<std::pair<std::string, std::string>> edges;
  Handle type(H5Dget_type(set->get()));
  if (H5Tget_class(type.get()) != H5T_STRING) {
    // No edges: nir.write stores an empty float array.
    StatusOr<Array> empty = readArray(parent, name);
    if (!empty)
      return empty.status();
    if (!empty->values.empty())
      return Status::error("'" + name + "' is not an (n, 2) string array");
    return edges;
  }
  std::vector<int64_t> shape;
  StatusOr<std::vector<std::string>> strings =
      readStrings(set->get(), name, shape);
  if (!strings)
    return strings.status();
  if (shape.size() != 2 || shape[1] != 2)
    return Status::error("'" + name + "' is not an (n, 2) string array");
  for (size_t i = 0; i + 1 < strings->size(); i += 2)
    edges.emplace_back((*strings)[i], (*strings)[i + 1]);
  return edges;
}

} // namespace engram::nir::hdf5

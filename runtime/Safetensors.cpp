//===- Safetensors.cpp - reading float32 safetensors files ----------------===//
//
// Validation order: header length, header JSON, each entry's fields, the
// byte ranges (inside the data section, sized for the shape, no overlap).
//
//===----------------------------------------------------------------------===//

#include "runtime/Safetensors.h"

#include "runtime/Files.h"
#include "runtime/Json.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace engram::runtime {
namespace {

using json = nlohmann::json;

struct Entry {
  std::string name;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

std::string range(const Entry &entry) {
  return "[" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
         "]";
}

/// Reads one header entry's dtype, shape and data_offsets.
StatusOr<Entry> parseEntry(const std::string &name, const json &value) {
  std::string where = "tensor '" + name + "': ";
  if (!value.is_object())
    return Status::error(where + "expected an object, got " +
                         describeJson(value));
  for (const auto &item : value.items())
    if (item.key() != "dtype" && item.key() != "shape" &&
        item.key() != "data_offsets")
      return Status::error(where + "unknown field '" + item.key() + "'");
  auto dtype = value.find("dtype");
  if (dtype == value.end() || !dtype->is_string())
    return Status::error(where + "'dtype' must be a string");
  if (dtype->get<std::string>() != "F32")
    return Status::error(where + "dtype " + dtype->get<std::string>() +
                         " is not supported: engram packages hold F32 tensors");
  Entry entry;
  entry.name = name;
  auto shape = value.find("shape");
  if (shape == value.end() || !shape->is_array())
    return Status::error(where + "'shape' must be an array");
  uint64_t elements = 1;
  for (const json &dim : *shape) {
    if (!dim.is_number_unsigned() || dim.get<uint64_t>() > (1ull << 40))
      return Status::error(where + "'shape' must hold non-negative integers");
    uint64_t size = dim.get<uint64_t>();
    if (size && elements > (1ull << 40) / size)
      return Status::error(where + "'shape' is too large");
    elements *= size;
    entry.shape.push_back(static_cast<int64_t>(size));
  }
  auto offsets = value.find("data_offsets");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
    return Status::error(where +
                         "'data_offsets' must be two non-negative integers");
  entry.begin = (*offsets)[0].get<uint64_t>();
  entry.end = (*offsets)[1].get<uint64_t>();
  if (entry.begin > entry.end)
    return Status::error(where + "data_offsets " + range(entry) +
                         " end before they begin");
  if (entry.end - entry.begin != elements * sizeof(float))
    return Status::error(where + "data_offsets " + range(entry) + " hold " +
                         std::to_string(entry.end - entry.begin) +
                         " bytes, but shape " + shapeToString(entry.shape) +
                         " of F32 needs " +
                         std::to_string(elements * sizeof(float)));
  return entry;
}

/// Checks that the entries lie inside the data section and do not overlap.
Status checkRanges(std::vector<Entry> &entries, uint64_t dataSize) {
  for (const Entry &entry : entries)
    if (entry.end > dataSize)
      return Status::error("tensor '" + entry.name + "': data_offsets " +
                           range(entry) + " lie outside the data section (" +
                           std::to_string(dataSize) +
                           " bytes; is the file truncated?)");
  std::sort(entries.begin(), entries.end(),
            [](const Entry &a, const Entry &b) { return a.begin < b.begin; });
  for (size_t i = 1; i < entries.size(); ++i)
    if (entries[i].begin < entries[i - 1].end &&
        entries[i].begin != entries[i].end)
      return Status::error("tensors '" + entries[i - 1].name + "' " +
                           range(entries[i - 1]) + " and '" + entries[i].name +
                           "' " + range(entries[i]) + " overlap");
  return Status::success();
}

} // namespace

StatusOr<std::map<std::string, WeightTensor>>
parseSafetensors(const std::string &bytes) {
  if (bytes.size() < 8)
    return Status::error("truncated: the file is " +
                         std::to_string(bytes.size()) +
                         " bytes, shorter than the 8-byte header length");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | static_cast<unsigned char>(bytes[i]);
  if (headerSize > bytes.size() - 8)
    return Status::error("header length " + std::to_string(headerSize) +
                         " is larger than the file (" +
                         std::to_string(bytes.size()) + " bytes)");
  StatusOr<json> header =
      parseJson(std::string_view(bytes).substr(8, headerSize));
  if (!header)
    return header.status().withPrefix("header: ");
  if (!header->is_object())
    return Status::error("header: expected a JSON object, got " +
                         describeJson(*header));

  std::vector<Entry> entries;
  for (const auto &item : header->items()) {
    if (item.key() == "__metadata__")
      continue;
    StatusOr<Entry> entry = parseEntry(item.key(), item.value());
    if (!entry)
      return entry.status();
    entries.push_back(*entry);
  }
  const uint64_t dataStart = 8 + headerSize;
  if (Status status = checkRanges(entries, bytes.size() - dataStart); !status)
    return status;

  std::map<std::string, WeightTensor> tensors;
  for (const Entry &entry : entries) {
    WeightTensor &tensor = tensors[entry.name];
    tensor.shape = entry.shape;
    tensor.data.resize((entry.end - entry.begin) / sizeof(float));
    std::memcpy(tensor.data.data(), bytes.data() + dataStart + entry.begin,
                entry.end - entry.begin);
  }
  return tensors;
}

StatusOr<std::map<std::string, WeightTensor>>
readSafetensors(const std::string &path) {
  StatusOr<std::string> bytes = readFile(path);
  if (!bytes)
    return bytes.status();
  auto tensors = parseSafetensors(*bytes);
  if (!tensors)
    return tensors.status().withPrefix(path + ": ");
  return tensors;
}

std::string
serializeSafetensors(const std::map<std::string, WeightTensor> &tensors) {
  json header = json::object();
  uint64_t offset = 0;
  for (const auto &[name, tensor] : tensors) {
    uint64_t size = tensor.data.size() * sizeof(float);
    header[name] = {{"dtype", "F32"},
                    {"shape", tensor.shape},
                    {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((uint64_t(text.size()) >> (8 * i)) & 0xff);
  bytes += text;
  for (const auto &entry : tensors)
    bytes.append(reinterpret_cast<const char *>(entry.second.data.data()),
                 entry.second.data.size() * sizeof(float));
  return bytes;
}

} // namespace engram::runtime

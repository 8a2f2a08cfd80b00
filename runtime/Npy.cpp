//===- Npy.cpp - NumPy .npy / .npz files ----------------------------------===//
//
// The .npy header is a Python dict literal; we read its three keys with a
// small scanner rather than a Python parser. The .npz writer produces a
// "stored" (uncompressed) zip archive, which numpy.load reads.
//
//===----------------------------------------------------------------------===//

#include "runtime/Npy.h"

#include "runtime/Files.h"
#include "runtime/Model.h"

#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <sstream>

namespace engram::runtime {
namespace {

const char kMagic[] = "\x93NUMPY";

/// The text after `'key':` in a header dict, or npos.
size_t findValue(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return at;
  at = header.find(':', at);
  if (at == std::string::npos)
    return at;
  at = header.find_first_not_of(' ', at + 1);
  return at;
}

Status parseShape(const std::string &header, std::vector<int64_t> &shape) {
  size_t at = findValue(header, "shape");
  if (at == std::string::npos || header[at] != '(')
    return Status::error("header has no 'shape' tuple");
  size_t close = header.find(')', at);
  if (close == std::string::npos)
    return Status::error("header 'shape' is not closed");
  std::stringstream items(header.substr(at + 1, close - at - 1));
  std::string item;
  while (std::getline(items, item, ',')) {
    size_t first = item.find_first_not_of(' ');
    if (first == std::string::npos)
      continue;
    char *end = nullptr;
    errno = 0;
    long long dim = std::strtoll(item.c_str() + first, &end, 10);
    if (end == item.c_str() + first || dim < 0 || errno == ERANGE)
      return Status::error("header 'shape' holds '" + item + "', not a size");
    shape.push_back(dim);
  }
  return Status::success();
}

/// Converts `count` elements of dtype `descr` at `raw` to double.
bool convert(const std::string &descr, const char *raw, size_t count,
             std::vector<double> &out) {
  out.resize(count);
  auto load = [&](auto sample) {
    using T = decltype(sample);
    for (size_t i = 0; i < count; ++i) {
      T value;
      std::memcpy(&value, raw + i * sizeof(T), sizeof(T));
      out[i] = static_cast<double>(value);
    }
  };
  std::string kind = descr.substr(1);
  if (kind == "f4") load(float());
  else if (kind == "f8") load(double());
  else if (kind == "i1") load(int8_t());
  else if (kind == "u1" || kind == "b1") load(uint8_t());
  else if (kind == "i2") load(int16_t());
  else if (kind == "u2") load(uint16_t());
  else if (kind == "i4") load(int32_t());
  else if (kind == "u4") load(uint32_t());
  else if (kind == "i8") load(int64_t());
  else if (kind == "u8") load(uint64_t());
  else return false;
  return true;
}

size_t itemSize(const std::string &descr) {
  return descr.size() > 2 ? std::strtoul(descr.c_str() + 2, nullptr, 10) : 0;
}

template <typename T>
std::string encode(const std::vector<int64_t> &shape, const T *data,
                   const char *descr) {
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': (";
  size_t count = 1;
  for (int64_t dim : shape) {
    header += std::to_string(dim) + ", ";
    count *= dim;
  }
  if (!shape.empty())
    header.pop_back(); // "(3, 4,)" and "(3,)" are both Python tuples.
  header += "), }";
  // Magic (6) + version (2) + length (2) + header + '\n', a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes(kMagic, 6);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char *>(data), count * sizeof(T));
  return bytes;
}

uint32_t crc32Of(const std::string &bytes) {
  return uint32_t(crc32_z(crc32_z(0, nullptr, 0),
                          reinterpret_cast<const Bytef *>(bytes.data()),
                          bytes.size()));
}

/// `bytes` as a raw deflate stream (zip's method 8) at zlib's default level;
/// none when zlib fails (out of memory), and the member is then stored.
std::optional<std::string> deflateRaw(const std::string &bytes) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, /*raw*/ -15, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out(deflateBound(&z, uLong(bytes.size())), '\0');
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data()));
  z.avail_in = uInt(bytes.size());
  z.next_out = reinterpret_cast<Bytef *>(out.data());
  z.avail_out = uInt(out.size());
  int rc = deflate(&z, Z_FINISH); // deflateBound's room: one call finishes
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END)
    return std::nullopt;
  return out;
}

void put16(std::string &out, uint32_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string &out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

} // namespace

std::string dtypeName(const std::string &descr) {
  static const std::pair<const char *, const char *> names[] = {
      {"f2", "float16"}, {"f4", "float32"}, {"f8", "float64"},
      {"i1", "int8"},    {"u1", "uint8"},   {"b1", "bool"},
      {"i2", "int16"},   {"u2", "uint16"},  {"i4", "int32"},
      {"u4", "uint32"},  {"i8", "int64"},   {"u8", "uint64"}};
  if (descr.size() >= 2)
    for (const auto &[code, name] : names)
      if (descr.compare(1, std::string::npos, code) == 0)
        return name;
  return "'" + descr + "'";
}

StatusOr<NpyArray> parseNpy(const std::string &bytes) {
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0)
    return Status::error("not a .npy file (no \\x93NUMPY magic)");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = static_cast<unsigned char>(bytes[8]) |
                   static_cast<unsigned char>(bytes[9]) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return Status::error("truncated .npy header");
    headerLength = 0;
    for (int i = 11; i >= 8; --i)
      headerLength = headerLength << 8 | static_cast<unsigned char>(bytes[i]);
    headerStart = 12;
  } else {
    return Status::error("unsupported .npy version " + std::to_string(major));
  }
  if (headerStart + headerLength > bytes.size())
    return Status::error("truncated .npy header");
  std::string header = bytes.substr(headerStart, headerLength);

  NpyArray array;
  size_t descr = findValue(header, "descr");
  if (descr == std::string::npos || header[descr] != '\'')
    return Status::error("header has no 'descr'");
  array.dtype = header.substr(descr + 1, header.find('\'', descr + 1) -
                                             descr - 1);
  if (array.dtype.size() < 3 || array.dtype[0] == '>')
    return Status::error("unsupported dtype '" + array.dtype +
                         "' (expected little-endian numbers)");
  size_t order = findValue(header, "fortran_order");
  if (order != std::string::npos && header.compare(order, 4, "True") == 0)
    return Status::error("Fortran-order arrays are not supported; save a "
                         "C-order array (numpy.ascontiguousarray)");
  if (Status status = parseShape(header, array.shape); !status)
    return status;
  size_t size = itemSize(array.dtype);
  if (size == 0)
    return Status::error("unsupported dtype '" + array.dtype + "'");
  // The bytes the shape needs, without overflow: a header may claim any
  // shape.
  const size_t dataStart = headerStart + headerLength;
  const size_t available = bytes.size() - dataStart;
  size_t count = 1, needed = 0;
  bool overflow = false;
  for (int64_t dim : array.shape)
    overflow |= __builtin_mul_overflow(count, size_t(dim), &count);
  overflow |= __builtin_mul_overflow(count, size, &needed);
  if (overflow || available < needed)
    return Status::error("truncated data: shape " + shapeToString(array.shape) +
                         " of " + dtypeName(array.dtype) +
                         " needs more than the " + std::to_string(available) +
                         " bytes the file has");
  if (!convert(array.dtype, bytes.data() + dataStart, count, array.data))
    return Status::error("unsupported dtype '" + array.dtype + "'");
  return array;
}

StatusOr<NpyArray> readNpy(const std::string &path) {
  StatusOr<std::string> bytes = readFile(path);
  if (!bytes)
    return bytes.status();
  StatusOr<NpyArray> array = parseNpy(*bytes);
  if (!array)
    return array.status().withPrefix(path + ": ");
  return array;
}

std::string encodeNpy(const std::vector<int64_t> &shape, const float *data) {
  return encode(shape, data, "<f4");
}

std::string encodeNpy(const std::vector<int64_t> &shape, const double *data) {
  return encode(shape, data, "<f8");
}

std::string encodeNpy(const std::vector<int64_t> &shape, const uint8_t *data) {
  return encode(shape, data, "|u1");
}

std::string encodeNpy(const std::vector<int64_t> &shape, const int64_t *data) {
  return encode(shape, data, "<i8");
}

std::string encodeNpz(const std::vector<NpzMember> &members) {
  constexpr uint32_t kUtf8Names = 1 << 11;
  std::string archive, directory;
  for (const NpzMember &member : members) {
    std::string name = member.name + ".npy";
    uint32_t crc = crc32Of(member.npyBytes);
    uint32_t size = static_cast<uint32_t>(member.npyBytes.size());
    std::optional<std::string> deflated = deflateRaw(member.npyBytes);
    const std::string &data = deflated ? *deflated : member.npyBytes;
    uint16_t method = deflated ? 8 : 0;
    uint32_t stored = static_cast<uint32_t>(data.size());
    uint32_t offset = static_cast<uint32_t>(archive.size());
    // Local file header: deflated (method 8; stored if zlib failed), no data
    // descriptor, the name in UTF-8 (flag bit 11; without it readers take
    // the name as CP437).
    put32(archive, 0x04034b50);
    put16(archive, 20);
    put16(archive, kUtf8Names);
    put16(archive, method);
    put32(archive, 0); // DOS time and date.
    put32(archive, crc);
    put32(archive, stored);
    put32(archive, size);
    put16(archive, name.size());
    put16(archive, 0);
    archive += name;
    archive += data;
    // Central directory record.
    put32(directory, 0x02014b50);
    put16(directory, 20);
    put16(directory, 20);
    put16(directory, kUtf8Names);
    put16(directory, method);
    put32(directory, 0);
    put32(directory, crc);
    put32(directory, stored);
    put32(directory, size);
    put16(directory, name.size());
    put16(directory, 0);
    put16(directory, 0);
    put16(directory, 0);
    put16(directory, 0);
    put32(directory, 0);
    put32(directory, offset);
    directory += name;
  }
  uint32_t directoryOffset = static_cast<uint32_t>(archive.size());
  archive += directory;
  put32(archive, 0x06054b50);
  put16(archive, 0);
  put16(archive, 0);
  put16(archive, members.size());
  put16(archive, members.size());
  put32(archive, directory.size());
  put32(archive, directoryOffset);
  put16(archive, 0);
  return archive;
}

} // namespace engram::runtime

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

/// `stored` bytes of raw deflate expanded to exactly `size` bytes.
std::optional<std::string> inflateRaw(const char *stored, size_t storedSize,
                                      size_t size) {
  z_stream z{};
  if (inflateInit2(&z, /*raw*/ -15) != Z_OK)
    return std::nullopt;
  std::string out(size, '\0');
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(stored));
  z.avail_in = uInt(storedSize);
  z.next_out = reinterpret_cast<Bytef *>(out.data());
  z.avail_out = uInt(out.size());
  int rc = inflate(&z, Z_FINISH);
  size_t produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != size)
    return std::nullopt;
  return out;
}

uint64_t get16(const std::string &b, size_t at) {
  return uint64_t(uint8_t(b[at])) | uint64_t(uint8_t(b[at + 1])) << 8;
}
uint64_t get32(const std::string &b, size_t at) {
  return get16(b, at) | get16(b, at + 2) << 16;
}
uint64_t get64(const std::string &b, size_t at) {
  return get32(b, at) | get32(b, at + 4) << 32;
}

/// A member as the central directory describes it.
struct ZipEntry {
  std::string name;
  uint64_t method = 0, crc = 0, stored = 0, size = 0, offset = 0;
};

/// Replaces the 0xffffffff fields of `entry` by those of its zip64 extra
/// field (`extra` bytes at `at`), in the order the zip format gives them.
bool readZip64(const std::string &b, size_t at, size_t extra, ZipEntry &entry) {
  for (size_t end = at + extra; at + 4 <= end;) {
    uint64_t id = get16(b, at), length = get16(b, at + 2);
    size_t field = at + 4;
    if (field + length > end)
      return false;
    if (id == 1) {
      for (uint64_t *value : {&entry.size, &entry.stored, &entry.offset})
        if (*value == 0xffffffffu) {
          if (field + 8 > at + 4 + length)
            return false;
          *value = get64(b, field);
          field += 8;
        }
      return true;
    }
    at = field + length;
  }
  return true;
}

/// The central directory of the archive `b`.
StatusOr<std::vector<ZipEntry>> readDirectory(const std::string &b) {
  // The end record (22 bytes and a comment of up to 64 KiB) closes the file.
  size_t end = std::string::npos;
  for (size_t at = b.size() >= 22 ? b.size() - 22 : 0;
       b.size() >= 22 && at + 65557 >= b.size(); --at) {
    if (get32(b, at) == 0x06054b50) {
      end = at;
      break;
    }
    if (at == 0)
      break;
  }
  if (end == std::string::npos)
    return Status::error("not an .npz archive (no zip end record)");
  uint64_t count = get16(b, end + 10), at = get32(b, end + 16);
  std::vector<ZipEntry> entries;
  for (uint64_t i = 0; i < count; ++i) {
    if (at + 46 > b.size() || get32(b, at) != 0x02014b50)
      return Status::error("corrupt .npz archive (bad central directory)");
    ZipEntry entry;
    entry.method = get16(b, at + 10);
    entry.crc = get32(b, at + 16);
    entry.stored = get32(b, at + 20);
    entry.size = get32(b, at + 24);
    uint64_t name = get16(b, at + 28), extra = get16(b, at + 30),
             comment = get16(b, at + 32);
    entry.offset = get32(b, at + 42);
    if (at + 46 + name + extra + comment > b.size() ||
        !readZip64(b, at + 46 + name, extra, entry))
      return Status::error("corrupt .npz archive (bad central directory)");
    entry.name = b.substr(at + 46, name);
    entries.push_back(std::move(entry));
    at += 46 + name + extra + comment;
  }
  return entries;
}

/// The .npy bytes of `entry`, inflated and checked against its CRC.
StatusOr<std::string> memberBytes(const std::string &b, const ZipEntry &entry) {
  const uint64_t at = entry.offset;
  if (at + 30 > b.size() || get32(b, at) != 0x04034b50)
    return Status::error("corrupt .npz archive (bad local header)");
  uint64_t data = at + 30 + get16(b, at + 26) + get16(b, at + 28);
  if (data > b.size() || entry.stored > b.size() - data)
    return Status::error("truncated .npz archive");
  std::string bytes;
  if (entry.method == 0) {
    if (entry.stored != entry.size)
      return Status::error("corrupt .npz archive (stored sizes differ)");
    bytes = b.substr(data, entry.stored);
  } else if (entry.method == 8) {
    // A header may claim any size: refuse more than deflate can give.
    if (entry.size > entry.stored * 1032 + 1024)
      return Status::error("corrupt .npz archive (impossible size)");
    std::optional<std::string> inflated =
        inflateRaw(b.data() + data, entry.stored, entry.size);
    if (!inflated)
      return Status::error("corrupt deflated data");
    bytes = std::move(*inflated);
  } else {
    return Status::error("compression method " + std::to_string(entry.method) +
                         " is not supported (numpy writes stored or "
                         "deflated members)");
  }
  if (crc32Of(bytes) != entry.crc)
    return Status::error("CRC mismatch (corrupt data)");
  return bytes;
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

StatusOr<std::vector<NpzArray>> parseNpz(const std::string &bytes) {
  StatusOr<std::vector<ZipEntry>> entries = readDirectory(bytes);
  if (!entries)
    return entries.status();
  std::vector<NpzArray> arrays;
  for (const ZipEntry &entry : *entries) {
    std::string name = entry.name;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    StatusOr<std::string> member = memberBytes(bytes, entry);
    StatusOr<NpyArray> array =
        member ? parseNpy(*member) : StatusOr<NpyArray>(member.status());
    if (!array)
      return array.status().withPrefix("member '" + name + "': ");
    arrays.push_back({name, std::move(*array)});
  }
  return arrays;
}

StatusOr<std::vector<NpzArray>> readNpz(const std::string &path) {
  StatusOr<std::string> bytes = readFile(path);
  if (!bytes)
    return bytes.status();
  StatusOr<std::vector<NpzArray>> arrays = parseNpz(*bytes);
  if (!arrays)
    return arrays.status().withPrefix(path + ": ");
  return arrays;
}

const NpyArray *findMember(const std::vector<NpzArray> &arrays,
                           const std::string &name) {
  for (const NpzArray &member : arrays)
    if (member.name == name)
      return &member.array;
  return nullptr;
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

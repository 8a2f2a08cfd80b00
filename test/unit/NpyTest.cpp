//===- NpyTest.cpp - .npy and .npz encoding and parsing -------------------===//

#include "runtime/Npy.h"

#include <gtest/gtest.h>
#include <zlib.h>

using namespace engram::runtime;

namespace {

/// A .npy file with a hand-written header and raw data bytes.
std::string handMade(const std::string &dict, const std::string &data) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header + data;
}

uint32_t read32(const std::string &bytes, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

uint32_t read16(const std::string &bytes, size_t at) {
  return static_cast<unsigned char>(bytes[at]) |
         uint32_t(static_cast<unsigned char>(bytes[at + 1])) << 8;
}

TEST(Npy, RoundTripFloat32) {
  std::vector<float> data = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, -1e-7f};
  auto parsed = parseNpy(encodeNpy({2, 3}, data.data()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->dtype, "<f4");
  EXPECT_EQ(parsed->shape, (std::vector<int64_t>{2, 3}));
  for (size_t i = 0; i < data.size(); ++i)
    EXPECT_EQ(parsed->data[i], data[i]);
}

TEST(Npy, RoundTripFloat64AndRanks) {
  std::vector<double> data = {0.1, 0.2, 0.3};
  for (std::vector<int64_t> shape :
       {std::vector<int64_t>{3}, std::vector<int64_t>{1, 3, 1}}) {
    auto parsed = parseNpy(encodeNpy(shape, data.data()));
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(parsed->shape, shape);
    EXPECT_EQ(parsed->data, data);
  }
  auto scalar = parseNpy(encodeNpy({}, data.data()));
  ASSERT_TRUE(scalar.ok());
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->data, std::vector<double>{0.1});
}

TEST(Npy, HeaderIsAlignedTo64Bytes) {
  float value = 1;
  std::string bytes = encodeNpy({1}, &value);
  EXPECT_EQ((bytes.size() - sizeof(float)) % 64, 0u);
}

TEST(Npy, ReadsIntegerLabels) {
  int64_t labels[3] = {4, 0, 9};
  auto parsed = parseNpy(handMade(
      "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
      std::string(reinterpret_cast<char *>(labels), sizeof(labels))));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->data, (std::vector<double>{4, 0, 9}));
  uint8_t bytes[2] = {7, 255};
  auto small = parseNpy(handMade(
      "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }",
      std::string(reinterpret_cast<char *>(bytes), 2)));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->data, (std::vector<double>{7, 255}));
}

TEST(Npy, RejectsMalformedFiles) {
  EXPECT_NE(parseNpy("hello").status().message().find("not a .npy file"),
            std::string::npos);
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
  EXPECT_NE(parseNpy(handMade(dict, "abc")).status().message().find(
                "truncated data"),
            std::string::npos);
  EXPECT_NE(parseNpy(handMade("{'descr': '<f4', 'fortran_order': True, "
                              "'shape': (1,), }",
                              "abcd"))
                .status()
                .message()
                .find("Fortran-order"),
            std::string::npos);
  EXPECT_NE(parseNpy(handMade("{'descr': '>f4', 'fortran_order': False, "
                              "'shape': (1,), }",
                              "abcd"))
                .status()
                .message()
                .find("little-endian"),
            std::string::npos);
  EXPECT_NE(parseNpy(handMade("{'descr': '<c8', 'fortran_order': False, "
                              "'shape': (1,), }",
                              std::string(8, '\0')))
                .status()
                .message()
                .find("unsupported dtype '<c8'"),
            std::string::npos);
}

TEST(Npy, NpzIsADeflatedZipWithCrc) {
  const std::string first(4000, 'a'), second = "123456789";
  std::string archive = encodeNpz({{"h", first}, {"trace", second}});
  EXPECT_EQ(read32(archive, 0), 0x04034b50u);
  EXPECT_EQ(read16(archive, 8), 8u); // deflate
  const uint32_t stored = read32(archive, 18);
  EXPECT_EQ(read32(archive, 22), first.size());
  EXPECT_LT(stored, 100u); // 4000 equal bytes deflate to a few dozen
  EXPECT_EQ(archive.substr(30, 5), "h.npy");
  // The raw deflate stream inflates back to the member.
  std::string inflated(first.size(), '\0');
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, -15), Z_OK);
  z.next_in = reinterpret_cast<Bytef *>(archive.data() + 35);
  z.avail_in = stored;
  z.next_out = reinterpret_cast<Bytef *>(inflated.data());
  z.avail_out = uInt(inflated.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  inflateEnd(&z);
  EXPECT_EQ(inflated, first);
  // CRC-32 of "123456789" is the standard check value.
  const size_t second_header = 35 + stored;
  EXPECT_EQ(read32(archive, second_header), 0x04034b50u);
  EXPECT_EQ(read32(archive, second_header + 14), 0xCBF43926u);
  size_t end = archive.size() - 22;
  EXPECT_EQ(read32(archive, end), 0x06054b50u);
  EXPECT_EQ(static_cast<unsigned char>(archive[end + 10]), 2); // entries
}

TEST(Npy, NpzRoundTrip) {
  std::vector<float> h = {1.5f, -2.0f, 0.25f, 3.0f};
  std::vector<double> trace(60);
  for (size_t i = 0; i < trace.size(); ++i)
    trace[i] = 0.001 * double(i) - 0.02;
  std::string archive =
      encodeNpz({{"h", encodeNpy({2, 2}, h.data())},
                 {"trace", encodeNpy({2, 5, 6}, trace.data())}});
  StatusOr<std::vector<NpzArray>> arrays = parseNpz(archive);
  ASSERT_TRUE(arrays) << arrays.status().message();
  ASSERT_EQ(arrays->size(), 2u);
  EXPECT_EQ((*arrays)[0].name, "h");
  EXPECT_EQ((*arrays)[0].array.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ((*arrays)[0].array.dtype, "<f4");
  EXPECT_EQ((*arrays)[0].array.data, std::vector<double>(h.begin(), h.end()));
  EXPECT_EQ((*arrays)[1].name, "trace");
  EXPECT_EQ((*arrays)[1].array.data, trace);
}

TEST(Npy, NpzRejectsCorruptArchives) {
  std::vector<float> h(64, 0.5f);
  const std::string good = encodeNpz({{"h", encodeNpy({8, 8}, h.data())}});
  auto error = [](const std::string &bytes) {
    StatusOr<std::vector<NpzArray>> arrays = parseNpz(bytes);
    return arrays ? std::string("parsed") : arrays.status().message();
  };
  EXPECT_EQ(error("not a zip at all, just some text that is long enough"),
            "not an .npz archive (no zip end record)");
  EXPECT_EQ(error(""), "not an .npz archive (no zip end record)");
  // A flipped bit in the deflated data: inflate or the CRC catches it.
  std::string flipped = good;
  flipped[40] ^= 0x10;
  EXPECT_NE(error(flipped), "parsed");
  EXPECT_EQ(error(flipped).rfind("member 'h': ", 0), 0u) << error(flipped);
  // A central directory pointing past the end.
  std::string moved = good;
  moved[moved.size() - 6] = '\x7f';
  EXPECT_EQ(error(moved), "corrupt .npz archive (bad central directory)");
  // A member claiming more bytes than deflate can give.
  std::string huge = good;
  size_t directory = read32(good, good.size() - 6);
  huge[directory + 27] = '\x7f';
  EXPECT_EQ(error(huge), "member 'h': corrupt .npz archive (impossible size)");
  // Every truncation fails cleanly.
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_NE(error(good.substr(0, n)), "parsed") << n;
}

} // namespace

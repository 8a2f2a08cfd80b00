//===- CudaBundleTest.cpp - the CUDA artifact format and its loader -------===//
//
// The file format is checked everywhere: a round trip, and one message for
// each way a file can be wrong. The loader is checked without a GPU (a
// clear message, no crash) and, where there is one, with a probe kernel
// that echoes its parameters (CudaProbeKernel.h). GPU tests skip visibly.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaBundle.h"
#include "runtime/CudaArtifact.h"
#include "runtime/CudaDriver.h"
#include "runtime/Files.h"

#include "CudaProbeKernel.h"
#include "TestModels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <gtest/gtest.h>
#include <limits>
#include <unistd.h>

using namespace engram::runtime;
using namespace engram::runtime::testing;
using json = nlohmann::json;

namespace {

/// An attention model with a readout and a trace_init: every tensor kind.
Model testModel() {
  return randomModel(smallConfig(Pooling::Attention), 31, /*traceInit=*/true);
}

std::string fakeCubin() {
  std::string cubin("\x7f"
                    "ELF");
  cubin.resize(600, '\x01');
  return cubin;
}

/// Entries for batches 1..4 (plain), 5..64 (cooperative) and 65..128
/// (plain, with scratch), all running the probe kernel.
std::vector<CudaKernelEntry> testPlan() {
  CudaKernelEntry small;
  small.name = kCudaProbeKernel;
  small.tile = kCudaProbeTile;
  small.threads = 32;
  small.minBatch = 1;
  small.maxBatch = 4;
  CudaKernelEntry cooperative = small;
  cooperative.cooperative = true;
  // Above the 48 KB that needs an opt-in, below what GPUs since Volta allow.
  cooperative.dynamicSmemBytes = 60 * 1024;
  cooperative.minBatch = 5;
  cooperative.maxBatch = 64;
  CudaKernelEntry scratch = small;
  scratch.scratchFloatsPerBlock = 16;
  scratch.minBatch = 65;
  scratch.maxBatch = 128;
  return {small, cooperative, scratch};
}

CudaBundle testBundle(std::string cubin = fakeCubin(),
                      std::string ptx = ".version 7.0\n") {
  CudaBundle bundle =
      makeCudaBundle(testModel(), std::move(cubin), std::move(ptx), testPlan());
  bundle.target = {{"arch", "sm_90"}, {"producer", "CudaBundleTest"}};
  return bundle;
}

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "CudaBundleTest_" + std::to_string(getpid()) +
         "_" + name;
}

/// Magic, length, `text`, then `data` from byte `start` when not empty.
std::string assemble(const std::string &text, const std::string &data = "",
                     uint64_t start = 4096) {
  std::string bytes(kCudaArtifactMagic);
  for (int i = 0; i < 8; ++i)
    bytes += char(uint64_t(text.size()) >> (8 * i) & 0xff);
  bytes += text;
  if (!data.empty()) {
    EXPECT_LE(bytes.size(), start) << "metadata too long for the test layout";
    bytes.resize(start, '\0');
    bytes += data;
  }
  return bytes;
}

/// The file of `bundle` with its sections moved to byte 4096 (room for a
/// longer metadata) and `edit` applied to the metadata.
std::string craft(const CudaBundle &bundle,
                  const std::function<void(json &)> &edit) {
  StatusOr<std::string> valid = encodeCudaBundle(bundle);
  EXPECT_TRUE(valid.ok()) << valid.status().message();
  StatusOr<CudaBundle> decoded = decodeCudaBundle(*valid, "");
  json metadata = decoded->metadata;
  uint64_t first = std::numeric_limits<uint64_t>::max();
  for (const auto &item : metadata["sections"].items())
    first = std::min(first, item.value()["offset"].get<uint64_t>());
  for (auto &item : metadata["sections"].items())
    item.value()["offset"] =
        item.value()["offset"].get<uint64_t>() - first + 4096;
  edit(metadata);
  return assemble(metadata.dump(), valid->substr(first));
}

/// The message of decoding `bytes` as "m.cuda", or "" when it decodes.
std::string decodeError(const std::string &bytes) {
  StatusOr<CudaBundle> bundle = decodeCudaBundle(bytes, "m.cuda");
  return bundle.ok() ? "" : bundle.status().message();
}

std::string editError(const std::function<void(json &)> &edit) {
  return decodeError(craft(testBundle(), edit));
}

//===----------------------------------------------------------------------===//
// The format
//===----------------------------------------------------------------------===//

TEST(CudaBundle, RoundTrip) {
  CudaBundle bundle = testBundle();
  std::string path = tempPath("roundtrip.cuda");
  ASSERT_TRUE(writeCudaBundle(path, bundle).ok());
  StatusOr<CudaBundle> read = readCudaBundle(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  std::remove(path.c_str());

  const ModelConfig &a = bundle.config, &b = read->config;
  EXPECT_EQ(b.inputDim, a.inputDim);
  EXPECT_EQ(b.cell.hiddenDim, a.cell.hiddenDim);
  EXPECT_EQ(b.cell.memorySize, a.cell.memorySize);
  EXPECT_EQ(b.cell.hebbianLr, a.cell.hebbianLr);
  EXPECT_EQ(b.cell.scaleFactor, a.cell.scaleFactor);
  EXPECT_EQ(b.cell.temperature, a.cell.temperature);
  EXPECT_EQ(b.cell.sparsityStrength, a.cell.sparsityStrength);
  EXPECT_EQ(b.cell.useLayerNorm, a.cell.useLayerNorm);
  EXPECT_EQ(b.traceBatching, a.traceBatching);
  EXPECT_TRUE(b.hasHead);
  EXPECT_EQ(b.head.pooling, Pooling::Attention);
  EXPECT_EQ(b.head.units, 4);
  EXPECT_EQ(b.head.activation, Activation::Softmax);

  ASSERT_EQ(read->kernels.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const CudaKernelEntry &x = bundle.kernels[i], &y = read->kernels[i];
    EXPECT_EQ(y.name, x.name);
    EXPECT_EQ(y.tile, x.tile);
    EXPECT_EQ(y.threads, x.threads);
    EXPECT_EQ(y.dynamicSmemBytes, x.dynamicSmemBytes);
    EXPECT_EQ(y.cooperative, x.cooperative);
    EXPECT_EQ(y.minBatch, x.minBatch);
    EXPECT_EQ(y.maxBatch, x.maxBatch);
    EXPECT_EQ(y.scratchFloatsPerBlock, x.scratchFloatsPerBlock);
  }
  EXPECT_EQ(read->target, bundle.target);
  EXPECT_EQ(read->sections, bundle.sections);
  EXPECT_EQ(read->metadata["format"], kCudaArtifactFormat);
  EXPECT_EQ(read->metadata["abi_version"], 1);

  Model model = cudaBundleModel(*read), original = testModel();
  ASSERT_EQ(model.weights.size(), original.weights.size());
  for (const auto &[name, weight] : original.weights) {
    EXPECT_EQ(model.weights[name].shape, weight.shape) << name;
    EXPECT_EQ(model.weights[name].data, weight.data) << name;
  }
}

TEST(CudaBundle, LayoutIsAlignedAndLittleEndian) {
  StatusOr<std::string> bytes = encodeCudaBundle(testBundle());
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ASSERT_EQ(bytes->substr(0, 8), "ENGRAMCU");
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i)
    length = length << 8 | uint8_t((*bytes)[8 + i]);
  json metadata = json::parse(bytes->substr(16, length));
  EXPECT_EQ(metadata["model"]["pooling"], "attention");
  for (const auto &item : metadata["sections"].items()) {
    uint64_t offset = item.value()["offset"];
    EXPECT_EQ(offset % 256, 0u) << item.key();
    EXPECT_GE(offset, 16 + length) << item.key();
  }
  uint64_t memory = metadata["sections"]["cell.memory"]["offset"];
  float first;
  std::memcpy(&first, bytes->data() + memory, 4);
  EXPECT_EQ(first, testModel().weights["cell.memory"].data[0]);
}

TEST(CudaBundle, SequenceWithoutReadoutIsAHeadlessModel) {
  ModelConfig config = smallConfig(Pooling::Sequence, TraceBatching::BatchMean,
                                   /*layerNorm=*/false);
  config.hasHead = false;
  CudaBundle bundle =
      makeCudaBundle(randomModel(config, 3), fakeCubin(), "", testPlan());
  StatusOr<std::string> bytes = encodeCudaBundle(bundle);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  StatusOr<CudaBundle> read = decodeCudaBundle(*bytes, "m.cuda");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_FALSE(read->config.hasHead);
  EXPECT_EQ(read->config.pooling(), Pooling::Sequence);
  EXPECT_EQ(read->config.traceBatching, TraceBatching::BatchMean);
  EXPECT_FALSE(read->config.cell.useLayerNorm);
  EXPECT_EQ(read->metadata["model"]["units"], 0);
}

TEST(CudaBundle, KernelEntryArithmetic) {
  std::vector<CudaKernelEntry> plan = testPlan();
  ModelConfig config = smallConfig();
  EXPECT_TRUE(plan[0].serves(4));
  EXPECT_FALSE(plan[0].serves(5));
  EXPECT_EQ(plan[0].gridFor(3), 2);
  EXPECT_EQ(plan[0].scratchFloats(2, config), 0);
  EXPECT_EQ(plan[1].scratchFloats(5, config), 5 * 3 * 7);
  EXPECT_EQ(plan[2].scratchFloats(40, config), 40 * 16);
}

TEST(CudaBundle, BadMagic) {
  std::string bytes = *encodeCudaBundle(testBundle());
  bytes[3] = 'X';
  EXPECT_EQ(decodeError(bytes), "m.cuda: not an engram CUDA artifact (the "
                                "file does not start with \"ENGRAMCU\")");
  EXPECT_EQ(decodeError("PK\x03\x04"), "m.cuda: not an engram CUDA artifact "
                                       "(the file does not start with "
                                       "\"ENGRAMCU\")");
}

TEST(CudaBundle, Truncated) {
  std::string bytes = *encodeCudaBundle(testBundle());
  EXPECT_EQ(decodeError(bytes.substr(0, 10)),
            "m.cuda: truncated: 10 bytes, shorter than the 16-byte header");
  EXPECT_EQ(decodeError(""),
            "m.cuda: truncated: 0 bytes, shorter than the 16-byte header");
  std::string header = assemble("{}").substr(0, 16);
  header[8] = char(200);
  EXPECT_EQ(decodeError(header + "{}"),
            "m.cuda: truncated: the metadata of 200 bytes runs past the end "
            "of the file (18 bytes)");
  // Cut inside the last section.
  std::string cut = bytes.substr(0, bytes.size() - 4);
  EXPECT_NE(decodeError(cut).find("runs past the end of the file (" +
                                  std::to_string(cut.size()) + " bytes)"),
            std::string::npos)
      << decodeError(cut);
}

TEST(CudaBundle, JsonErrors) {
  EXPECT_EQ(decodeError(assemble("{\"format\": "))
                .rfind("m.cuda: metadata: invalid JSON: ", 0),
            0u)
      << decodeError(assemble("{\"format\": "));
  EXPECT_EQ(decodeError(assemble("[1, 2]")),
            "m.cuda: metadata: expected a JSON object, got an array");
}

TEST(CudaBundle, FormatAndAbiVersion) {
  EXPECT_EQ(editError([](json &m) { m["format"] = "engram-cuda-artifact/2"; }),
            "m.cuda: format: \"engram-cuda-artifact/2\" is not a format this "
            "runtime reads (expected \"engram-cuda-artifact/1\")");
  EXPECT_EQ(editError([](json &m) { m.erase("format"); }),
            "m.cuda: format: missing (expected \"engram-cuda-artifact/1\")");
  EXPECT_EQ(editError([](json &m) { m["abi_version"] = 2; }),
            "m.cuda: abi_version: 2, this runtime passes kernels the "
            "parameters of ABI version 1 (recompile the model with this "
            "engramc)");
  EXPECT_EQ(editError([](json &m) { m["abi_version"] = "1"; }),
            "m.cuda: abi_version: expected a non-negative integer, got the "
            "string \"1\"");
  EXPECT_EQ(editError([](json &m) { m["compiler"] = "x"; }),
            "m.cuda: compiler: unknown field");
}

TEST(CudaBundle, ModelErrors) {
  EXPECT_EQ(editError([](json &m) { m["model"]["hidden_dim"] = "7"; }),
            "m.cuda: model.hidden_dim: expected a positive integer, got the "
            "string \"7\"");
  EXPECT_EQ(editError([](json &m) { m["model"].erase("memory_size"); }),
            "m.cuda: model.memory_size: missing");
  EXPECT_EQ(editError([](json &m) { m["model"]["pooling"] = "max"; }),
            "m.cuda: model.pooling: expected one of \"last\", \"attention\", "
            "\"sequence\", got \"max\"");
  EXPECT_EQ(editError([](json &m) { m["model"]["hebbian_lr"] = 2; }),
            "m.cuda: model.hebbian_lr: expected a number in [0, 1], got 2");
  EXPECT_EQ(editError([](json &m) { m["model"]["lr"] = 2; }),
            "m.cuda: model.lr: unknown field");
  EXPECT_EQ(editError([](json &m) { m["model"] = 3; }),
            "m.cuda: model: expected an object, got 3");
}

TEST(CudaBundle, SectionOutOfRange) {
  std::string bytes = craft(testBundle(), [](json &) {});
  std::string size = std::to_string(bytes.size());
  EXPECT_EQ(
      editError([](json &m) { m["sections"]["cubin"]["size"] = 1000000; }),
      "m.cuda: sections.cubin: offset 4096 + size 1000000 runs past the "
      "end of the file (" +
          size + " bytes)");
  EXPECT_EQ(
      editError([](json &m) { m["sections"]["ptx"]["offset"] = 1ull << 62; }),
      "m.cuda: sections.ptx: offset 4611686018427387904 + size 13 runs past "
      "the end of the file (" +
          size + " bytes)");
  EXPECT_EQ(editError([](json &m) { m["sections"]["cubin"]["offset"] = 4100; }),
            "m.cuda: sections.cubin: offset 4100 is not a multiple of 256");
  // The metadata, as craft writes it, ends the header.
  json metadata;
  craft(testBundle(), [&](json &m) {
    m["sections"]["cubin"]["offset"] = 0;
    metadata = m;
  });
  std::string headerEnd = std::to_string(16 + metadata.dump().size());
  EXPECT_EQ(editError([](json &m) { m["sections"]["cubin"]["offset"] = 0; }),
            "m.cuda: sections.cubin: offset 0 lies inside the header and "
            "metadata (bytes 0.." +
                headerEnd + ")");
  EXPECT_EQ(editError([](json &m) { m["sections"]["cubin"]["size"] = -1; }),
            "m.cuda: sections.cubin.size: expected a non-negative integer, "
            "got -1");
  EXPECT_EQ(editError([](json &m) { m["sections"]["cubin"]["crc"] = 0; }),
            "m.cuda: sections.cubin.crc: unknown field");
}

TEST(CudaBundle, OverlappingSections) {
  // The cubin is 600 bytes from 4096; the ptx is moved into it.
  EXPECT_EQ(
      editError([](json &m) { m["sections"]["ptx"]["offset"] = 4096 + 512; }),
      "m.cuda: sections.ptx (bytes 4608..4621) overlaps sections.cubin "
      "(bytes 4096..4696)");
}

TEST(CudaBundle, WeightSections) {
  EXPECT_EQ(
      editError([](json &m) { m["sections"]["cell.memory"]["size"] = 80; }),
      "m.cuda: sections.cell.memory: size 80 bytes, expected 84 (3x7 "
      "float32: cell.memory_size x cell.hidden_dim)");
  EXPECT_EQ(editError([](json &m) { m["sections"].erase("readout.kernel"); }),
            "m.cuda: sections.readout.kernel: missing (the weight 7x4 "
            "float32: cell.hidden_dim x head.units)");
  EXPECT_EQ(editError([](json &m) {
              m["sections"]["extra"] = {{"offset", 4096}, {"size", 0}};
            }),
            "m.cuda: sections.extra: unknown section (expected cubin, ptx and "
            "the weight tensors of the model)");
  // Without attention pooling, the pool tensors are no sections of the
  // model.
  EXPECT_EQ(editError([](json &m) { m["model"]["pooling"] = "last"; }),
            "m.cuda: sections.pool.bias: unknown section (expected cubin, ptx "
            "and the weight tensors of the model)");
}

//===----------------------------------------------------------------------===//
// A quantized bank, stored packed
//===----------------------------------------------------------------------===//

/// A bank of the test model's N×H in `bits` bits, zeros at every third
/// entry when `pruned`, one scale per row.
PackedBank testBank(int64_t bits, bool pruned) {
  ModelConfig config = testModel().config;
  PackedBank bank;
  bank.bits = bits;
  bank.perByte = bankValuesPerByte(bits, pruned);
  bank.rows = config.cell.memorySize;
  bank.width = config.cell.hiddenDim;
  const int64_t limit = bankMaxInteger(bits);
  std::vector<int64_t> dense(bank.rows * bank.width);
  for (int64_t i = 0; i < int64_t(dense.size()); ++i) {
    int64_t q =
        bits == 1 ? (i % 3 ? 1 : -1) : (i * 5) % (2 * limit + 1) - limit;
    dense[i] = pruned && i % 3 == 2 ? 0 : q;
  }
  bank.values = packBankRows(dense, bank.rows, bank.width, bank.perByte);
  for (int64_t r = 0; r < bank.rows; ++r)
    bank.scales.push_back(0.25f + 0.5f * float(r));
  return bank;
}

TEST(PackedBank, Layout) {
  // int4: the even column in the low nibble, two's complement.
  EXPECT_EQ(packBankRows({1, -2, 7}, 1, 3, 2), std::string("\xE1\x07", 2));
  // Signs: bit c mod 8, 1 for +1; a row of 9 takes 2 bytes.
  std::vector<int64_t> signs = {1, -1, 1, 1, -1, -1, -1, -1, 1};
  EXPECT_EQ(packBankRows(signs, 1, 9, 8), std::string("\x0D\x01", 2));
  for (auto [bits, pruned] :
       {std::pair{8, false}, {4, false}, {1, false}, {1, true}}) {
    PackedBank bank = testBank(bits, pruned);
    EXPECT_TRUE(bank.validate("bank").ok()) << bits;
    std::vector<float> values = bank.dequantize();
    for (int64_t r = 0; r < bank.rows; ++r)
      for (int64_t c = 0; c < bank.width; ++c) {
        int64_t q =
            packedBankValue(bank.values, bank.width, bank.perByte, r, c);
        EXPECT_EQ(values[r * bank.width + c], float(q) * bank.scales[r]);
        if (pruned)
          EXPECT_EQ(q == 0, (r * bank.width + c) % 3 == 2);
      }
  }
  EXPECT_EQ(bankValuesPerByte(8, true), 1);
  EXPECT_EQ(bankValuesPerByte(4, true), 2);
}

TEST(PackedBank, Validation) {
  PackedBank bank = testBank(8, false);
  bank.values[0] = char(-128);
  EXPECT_EQ(bank.validate("b").message(),
            "b.values: -128 at row 0, column 0 is outside [-127, 127]");
  bank = testBank(4, false);
  bank.values.pop_back();
  EXPECT_EQ(bank.validate("b").message(),
            "b.values: 11 bytes, expected 12 (3 rows of 7 values, 2 to a "
            "byte)");
  bank = testBank(1, false);
  bank.perByte = 4;
  EXPECT_EQ(bank.validate("b").message(),
            "b.values_per_byte: 4 cannot hold 1-bit values (expected 8, or 2 "
            "for a pruned bank)");
  bank = testBank(1, true);
  bank.scales[1] = 0;
  EXPECT_EQ(bank.validate("b").message(),
            "b.scales[1]: not a positive finite number");
  bank.scales.pop_back();
  EXPECT_EQ(bank.validate("b").message(), "b.scales: 2 scales, expected 3");
  bank = testBank(8, false);
  bank.bits = 2;
  EXPECT_EQ(bank.validate("b").message(), "b.bits: 2 (expected 8, 4 or 1)");
  // 7 int4 values leave the high nibble of a row's fourth byte unused, 7
  // signs the top bit of its byte: both must be 0.
  bank = testBank(4, false);
  bank.values[3] |= 0x10;
  EXPECT_EQ(bank.validate("b").message(),
            "b.values: row 0 has non-zero bits past its last value");
  bank = testBank(1, false);
  bank.values[2] |= char(0x80);
  EXPECT_EQ(bank.validate("b").message(),
            "b.values: row 2 has non-zero bits past its last value");
  bank.rows = 0;
  EXPECT_EQ(bank.validate("b").message(), "b: a bank of 0x7 values");
}

TEST(CudaBundle, PackedBankRoundTrip) {
  for (auto [bits, pruned] :
       {std::pair{8, false}, {4, false}, {1, false}, {1, true}}) {
    CudaBundle bundle = testBundle();
    bundle.memory = testBank(bits, pruned);
    StatusOr<std::string> bytes = encodeCudaBundle(bundle);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    StatusOr<CudaBundle> read = decodeCudaBundle(*bytes, "");
    ASSERT_TRUE(read.ok()) << read.status().message();
    const json &storage = read->metadata["memory_storage"];
    EXPECT_EQ(storage["bits"], bits);
    EXPECT_EQ(storage["values_per_byte"], bundle.memory->perByte);
    EXPECT_EQ(storage["scale"], "row");
    EXPECT_FALSE(read->metadata["sections"].contains("cell.memory"));
    EXPECT_EQ(read->metadata["sections"][kPackedBankValuesSection]["size"],
              bundle.memory->values.size());
    ASSERT_TRUE(read->memory.has_value());
    EXPECT_EQ(read->memory->values, bundle.memory->values);
    EXPECT_EQ(read->memory->scales, bundle.memory->scales);
    // What the GPU receives is the bank q·scale.
    Model model = cudaBundleModel(*read);
    EXPECT_EQ(model.weights["cell.memory"].data, bundle.memory->dequantize());
    EXPECT_EQ(model.weights["cell.memory"].shape, (std::vector<int64_t>{3, 7}));
  }
}

TEST(CudaBundle, PackedBankErrors) {
  CudaBundle bundle = testBundle();
  bundle.memory = testBank(4, false);
  auto error = [&](const std::function<void(json &)> &edit) {
    return decodeError(craft(bundle, edit));
  };
  EXPECT_EQ(error([](json &m) { m["memory_storage"]["bits"] = 9; }),
            "m.cuda: memory_storage.bits: 9 is above the limit of 8");
  EXPECT_EQ(error([](json &m) { m["memory_storage"]["bits"] = 8; }),
            "m.cuda: memory_storage.values_per_byte: 2 cannot hold 8-bit "
            "values (expected 1)");
  EXPECT_EQ(error([](json &m) { m["memory_storage"]["scale"] = "column"; }),
            "m.cuda: memory_storage.scale: expected one of \"row\", "
            "\"tensor\", got \"column\"");
  EXPECT_EQ(error([](json &m) { m["memory_storage"]["scale"] = "tensor"; }),
            "m.cuda: memory_storage.scales: 3 scales, expected 1");
  EXPECT_EQ(error([](json &m) { m["memory_storage"]["extra"] = 1; }),
            "m.cuda: memory_storage.extra: unknown field");
  EXPECT_EQ(error([](json &m) { m["sections"].erase("cell.memory.scales"); }),
            "m.cuda: sections.cell.memory.scales: missing (memory_storage "
            "says the bank is stored packed)");
  EXPECT_EQ(error([](json &m) { m.erase("memory_storage"); }),
            "m.cuda: sections.cell.memory.scales: unknown section (expected "
            "cubin, ptx and the weight tensors of the model)");
  // A float32 bank beside the packed one: 84 zero bytes after the others.
  uint64_t end = (craft(bundle, [](json &) {}).size() + 255) / 256 * 256;
  std::string both = craft(bundle, [&](json &m) {
    m["sections"]["cell.memory"] = {{"offset", end}, {"size", 84}};
  });
  both.resize(end + 84, '\0');
  EXPECT_EQ(decodeError(both),
            "m.cuda: sections.cell.memory: present, but memory_storage says "
            "the bank is stored packed");
  CudaBundle swapped = bundle;
  std::swap(swapped.memory->rows, swapped.memory->width);
  EXPECT_EQ(encodeCudaBundle(swapped).status().message(),
            "memory_storage: the packed bank is 7x3, the model's memory 3x7");
  bundle.memory->values[0] = char(0x08); // nibble -8: outside [-7, 7]
  EXPECT_EQ(encodeCudaBundle(bundle).status().message(),
            "memory_storage.values: -8 at row 0, column 0 is outside [-7, 7]");
}

TEST(CudaBundle, CodeSections) {
  EXPECT_EQ(encodeCudaBundle(testBundle("", "")).status().message(),
            "sections: cubin and ptx are both empty: the artifact holds no "
            "code");
  EXPECT_EQ(encodeCudaBundle(testBundle("MZ\x90", "")).status().message(),
            "sections.cubin: not a cubin (no ELF or fatbin header)");
  EXPECT_EQ(encodeCudaBundle(testBundle("", std::string("ab\0c", 4)))
                .status()
                .message(),
            "sections.ptx: a NUL byte at offset 2 (PTX is text)");
  EXPECT_EQ(editError([](json &m) { m["sections"].erase("ptx"); }),
            "m.cuda: sections.ptx: missing");
  EXPECT_TRUE(encodeCudaBundle(testBundle("", ".version 7.0\n")).ok());
}

TEST(CudaBundle, KernelEntries) {
  EXPECT_EQ(editError([](json &m) { m["kernels"][1]["threads"] = 2048; }),
            "m.cuda: kernels[1].threads: 2048 is above the limit of 1024");
  EXPECT_EQ(editError([](json &m) { m["kernels"][0].erase("tile"); }),
            "m.cuda: kernels[0].tile: missing");
  EXPECT_EQ(editError([](json &m) { m["kernels"][0]["tile"] = 0; }),
            "m.cuda: kernels[0].tile: expected a positive integer, got 0");
  EXPECT_EQ(editError([](json &m) { m["kernels"][0]["name"] = ""; }),
            "m.cuda: kernels[0].name: expected a non-empty string, got the "
            "string \"\"");
  EXPECT_EQ(editError([](json &m) { m["kernels"][0]["cooperative"] = 1; }),
            "m.cuda: kernels[0].cooperative: expected true or false, got 1");
  EXPECT_EQ(editError([](json &m) { m["kernels"][2]["max_batch"] = 3; }),
            "m.cuda: kernels[2].max_batch: 3 is below min_batch 65");
  EXPECT_EQ(editError([](json &m) { m["kernels"][0]["grid"] = 3; }),
            "m.cuda: kernels[0].grid: unknown field");
  EXPECT_EQ(editError([](json &m) { m["kernels"] = json::array(); }),
            "m.cuda: kernels: expected a non-empty array of launch-plan "
            "entries, got an array");
  EXPECT_EQ(editError([](json &m) { m["kernels"][0] = "k"; }),
            "m.cuda: kernels[0]: expected an object, got the string \"k\"");
}

TEST(CudaBundle, WriterRefusesInvalidBundlesAndKeepsTheOldFile) {
  std::string path = tempPath("keep.cuda");
  ASSERT_TRUE(writeFileAtomic(path, "old").ok());
  CudaBundle bundle = testBundle();
  float nan = std::nanf("");
  std::memcpy(&bundle.sections["cell.memory"][0], &nan, 4);
  Status status = writeCudaBundle(path, bundle);
  EXPECT_EQ(status.message(),
            path + ": refusing to write an invalid CUDA artifact: sections: "
                   "tensor 'cell.memory': element [0, 0] is NaN");
  StatusOr<std::string> kept = readFile(path);
  EXPECT_TRUE(kept.ok() && *kept == "old");
  std::remove(path.c_str());
  EXPECT_EQ(readCudaBundle(path).status().message().rfind(
                path + ": cannot read: ", 0),
            0u);
}

//===----------------------------------------------------------------------===//
// The loader
//===----------------------------------------------------------------------===//

TEST(CudaArtifact, RecognisesItsSuffix) {
  EXPECT_TRUE(CudaArtifact::isCudaArtifactPath("fashion.cuda"));
  EXPECT_FALSE(CudaArtifact::isCudaArtifactPath("fashion.so"));
  EXPECT_FALSE(CudaArtifact::isCudaArtifactPath(".cuda"));
}

TEST(CudaArtifact, ReportsABadFileBeforeLookingForAGpu) {
  std::string path = tempPath("bad.cuda");
  ASSERT_TRUE(writeFileAtomic(path, "ENGRAMXX").ok());
  auto artifact = CudaArtifact::open(path);
  std::remove(path.c_str());
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().message(),
            path + ": not an engram CUDA artifact (the file does not start "
                   "with \"ENGRAMCU\")");
}

TEST(CudaArtifact, WithoutAGpuOpenFailsClearly) {
  std::string why;
  if (cudaGpuAvailable(&why))
    GTEST_SKIP() << "this machine has a GPU, so the no-GPU message cannot be "
                    "checked here";
  std::string path = tempPath("nogpu.cuda");
  ASSERT_TRUE(writeCudaBundle(path, testBundle()).ok());
  auto artifact = CudaArtifact::open(path);
  std::remove(path.c_str());
  ASSERT_FALSE(artifact.ok());
  const std::string &message = artifact.status().message();
  EXPECT_EQ(message, path + ": " + why);
  EXPECT_TRUE(message.find("no CUDA driver: libcuda.so.1 not found (") !=
                  std::string::npos ||
              message.find("CUDA driver present but no GPU: ") !=
                  std::string::npos)
      << message;
}

/// Opens `bundle` written to a temporary file; skips without a GPU.
#define OPEN_ON_GPU(artifact, bundle, name)                                    \
  std::string why;                                                             \
  if (!cudaGpuAvailable(&why))                                                 \
    GTEST_SKIP() << "no GPU: " << why;                                         \
  std::string path = tempPath(name);                                           \
  ASSERT_TRUE(writeCudaBundle(path, bundle).ok());                             \
  auto artifact = CudaArtifact::open(path);                                    \
  std::remove(path.c_str());

/// Checks a run of the probe kernel against what it computes.
void checkProbe(CudaArtifact &artifact, const Model &model, int64_t batch) {
  SCOPED_TRACE("batch " + std::to_string(batch));
  const int64_t steps = 3, d = 5, h = 7, n = 3, c = 4;
  Tensor<float> input = randomInput<float>(batch, steps, d, 100 + batch);
  RunResult<float> result;
  Status status = artifact.run(input, result);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_TRUE(artifact.readStates(result).ok());
  ASSERT_EQ(result.output.shape, (std::vector<int64_t>{batch, c}));
  ASSERT_EQ(result.hidden.shape, (std::vector<int64_t>{batch, h}));
  ASSERT_EQ(result.trace.shape, (std::vector<int64_t>{batch, n, h}));
  const CellConfig &cell = model.config.cell;
  const float invTemperature =
      float((1 + 10 * cell.sparsityStrength) / cell.temperature);
  const float poolBias = model.find("pool.bias")->data[0];
  for (int64_t b = 0; b < batch; ++b) {
    float sum = 0;
    for (int64_t i = 0; i < steps * d; ++i)
      sum += input.data[b * steps * d + i];
    for (int64_t j = 0; j < c; ++j)
      EXPECT_FLOAT_EQ(result.output.data[b * c + j],
                      sum + model.find("readout.bias")->data[j]);
    for (int64_t j = 0; j < h; ++j)
      EXPECT_NEAR(result.hidden.data[b * h + j],
                  model.find("cell.encoder.bias")->data[j] +
                      invTemperature * float(b),
                  1e-4);
    for (int64_t i = 0; i < n * h; ++i)
      EXPECT_NEAR(result.trace.data[b * n * h + i],
                  model.find("cell.memory")->data[i] * float(cell.scaleFactor) +
                      model.find("cell.trace_init")->data[i] + 1000.f +
                      poolBias,
                  1e-3);
  }
}

TEST(CudaArtifactGpu, RunsTheLaunchPlanWithTheAbiParameters) {
  Model model = testModel();
  CudaBundle bundle = makeCudaBundle(model, "", kCudaProbePtx, testPlan());
  OPEN_ON_GPU(artifact, bundle, "probe.cuda");
  ASSERT_TRUE(artifact.ok()) << artifact.status().message();
  CudaArtifact &gpu = **artifact;
  EXPECT_FALSE(gpu.deviceName().empty());
  EXPECT_EQ(gpu.loadedFrom().rfind("ptx (the artifact has no cubin", 0), 0u)
      << gpu.loadedFrom();
  RunResult<float> none;
  EXPECT_NE(gpu.readStates(none).message().find("no run yet"),
            std::string::npos);
  // One batch per entry: plain, cooperative, plain with scratch; odd sizes
  // leave the last tile half full.
  for (int64_t batch : {1, 3, 9, 64, 77, 3})
    checkProbe(gpu, model, batch);

  RunResult<float> result;
  Status status = gpu.run(randomInput<float>(129, 2, 5, 1), result);
  EXPECT_EQ(status.message(),
            path + ": no kernel of the launch plan serves batch 129 (it "
                   "serves 1..4, 5..64, 65..128)");
  status = gpu.run(randomInput<float>(2, 2, 6, 1), result);
  EXPECT_EQ(status.message(),
            path + ": input has shape 2x2x6, expected BxSx5 (batch x steps x "
                   "input_dim, B and S >= 1)");

  StatusOr<double> milliseconds =
      gpu.timeRun(randomInput<float>(64, 8, 5, 2), 20);
  ASSERT_TRUE(milliseconds.ok()) << milliseconds.status().message();
  EXPECT_GT(*milliseconds, 0.0);
  EXPECT_LT(*milliseconds, 1000.0);
}

TEST(CudaArtifactGpu, FallsBackToThePtxWhenTheCubinDoesNotLoad) {
  Model model = testModel();
  CudaBundle bundle =
      makeCudaBundle(model, fakeCubin(), kCudaProbePtx, testPlan());
  OPEN_ON_GPU(artifact, bundle, "fallback.cuda");
  ASSERT_TRUE(artifact.ok()) << artifact.status().message();
  EXPECT_EQ((*artifact)->loadedFrom().rfind("ptx (the cubin does not run on "
                                            "sm_",
                                            0),
            0u)
      << (*artifact)->loadedFrom();
  checkProbe(**artifact, model, 5);
}

TEST(CudaArtifactGpu, NamesAKernelMissingFromTheModule) {
  std::vector<CudaKernelEntry> plan = testPlan();
  plan[1].name = "engram_no_such_kernel";
  CudaBundle bundle = makeCudaBundle(testModel(), "", kCudaProbePtx, plan);
  OPEN_ON_GPU(artifact, bundle, "missing.cuda");
  ASSERT_FALSE(artifact.ok());
  EXPECT_EQ(artifact.status().message().rfind(
                path + ": kernels[1] 'engram_no_such_kernel': not in the "
                       "module: cuModuleGetFunction failed: ",
                0),
            0u)
      << artifact.status().message();
}

TEST(CudaArtifactGpu, RefusesMoreSharedMemoryThanTheGpuHas) {
  std::vector<CudaKernelEntry> plan = testPlan();
  plan[2].dynamicSmemBytes = 1 << 30;
  CudaBundle bundle = makeCudaBundle(testModel(), "", kCudaProbePtx, plan);
  OPEN_ON_GPU(artifact, bundle, "smem.cuda");
  ASSERT_FALSE(artifact.ok());
  EXPECT_NE(artifact.status().message().find(
                path + ": kernels[2] 'engram_abi_probe': dynamic_smem_bytes "
                       "1073741824 is more than "),
            std::string::npos)
      << artifact.status().message();
}

TEST(CudaArtifactGpu, RefusesACooperativeGridTooLargeForTheGpu) {
  std::vector<CudaKernelEntry> plan = testPlan();
  plan.resize(2);
  plan[1].tile = 1;
  plan[1].maxBatch = 1 << 20;
  Model model = testModel();
  CudaBundle bundle = makeCudaBundle(model, "", kCudaProbePtx, plan);
  OPEN_ON_GPU(artifact, bundle, "cooperative.cuda");
  ASSERT_TRUE(artifact.ok()) << artifact.status().message();
  RunResult<float> result;
  Status status =
      (*artifact)->run(randomInput<float>(1 << 19, 1, 5, 3), result);
  EXPECT_NE(status.message().find("blocks of kernels[1] 'engram_abi_probe' "
                                  "(tile 1), more than a cooperative launch "
                                  "can keep resident on "),
            std::string::npos)
      << status.message();
}

} // namespace

TEST(CudaBundle, PaddedHiddenRoundTrip) {
  CudaBundle bundle = testBundle(); // hidden_dim 7: kernels of width 32
  bundle.paddedHidden = 32;
  StatusOr<std::string> bytes = encodeCudaBundle(bundle);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  StatusOr<CudaBundle> read = decodeCudaBundle(*bytes, "");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->paddedHidden, 32);
  EXPECT_EQ(read->kernelHidden(), 32);
  EXPECT_EQ(read->config.cell.hiddenDim, 7);
  // The file keeps the model's own weights.
  EXPECT_EQ(read->metadata["sections"]["cell.encoder.kernel"]["size"],
            5 * 7 * sizeof(float));
  EXPECT_EQ(testBundle().kernelHidden(), 7);
}

TEST(CudaBundle, PaddedHiddenErrors) {
  CudaBundle bundle = testBundle();
  bundle.paddedHidden = 32;
  auto error = [&](const std::function<void(json &)> &edit) {
    return decodeError(craft(bundle, edit));
  };
  EXPECT_EQ(error([](json &m) { m["padded_hidden_dim"] = 64; }),
            "m.cuda: padded_hidden_dim: 64, expected 32 for hidden_dim 7");
  EXPECT_EQ(error([](json &m) { m["padded_hidden_dim"] = "wide"; }),
            "m.cuda: padded_hidden_dim: expected a positive integer, got the "
            "string \"wide\"");
  EXPECT_EQ(error([](json &m) {
              m["padded_hidden_dim"] = 32;
              m["model"]["hidden_dim"] = 32;
            }),
            "m.cuda: padded_hidden_dim: 32 for a hidden_dim that needs no "
            "padding (32)");
}

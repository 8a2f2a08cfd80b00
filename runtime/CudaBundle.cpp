//===- CudaBundle.cpp - the CUDA artifact file format ---------------------===//
//
// Reading checks, in order: the magic and the header, the metadata JSON, its
// format and ABI version, the model, the launch plan, then every section
// (in the file, aligned, after the metadata, not overlapping another, one
// for each tensor the model needs with the size of its shape, the code
// sections' headers). Writing lays the sections out, then decodes its own
// bytes, so nothing is written that would not read back.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaBundle.h"

#include "runtime/Files.h"
#include "runtime/HiddenPadding.h"
#include "runtime/Json.h"
#include "runtime/Tensor.h"
#include "runtime/engram_cuda_abi.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "CUDA artifacts hold little-endian data; this host is big endian"
#endif

namespace engram::runtime {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

#define ENGRAM_TRY(expr)                                                       \
  do {                                                                         \
    if (Status _status = (expr); !_status.ok())                                \
      return _status;                                                          \
  } while (0)

uint64_t alignUp(uint64_t value) {
  return (value + kCudaSectionAlignment - 1) / kCudaSectionAlignment *
         kCudaSectionAlignment;
}

/// Reads the members of one metadata object under a dotted path
/// ("kernels[0].tile"), remembering which were used.
class Fields {
public:
  Fields(const json &object, std::string where)
      : members_(object), where_(std::move(where)) {}

  std::string field(const std::string &key) const {
    return where_.empty() ? key : where_ + "." + key;
  }

  const json *get(const std::string &key) { return members_.get(key); }

  /// An integer in [minimum, maximum].
  Status integer(const std::string &key, int64_t &out, int64_t minimum,
                 int64_t maximum) {
    const json *value = get(key);
    if (!value)
      return Status::error(field(key) + ": missing");
    std::string expected = minimum == 0   ? "a non-negative integer"
                           : minimum == 1 ? "a positive integer"
                                          : "an integer";
    if (!value->is_number_integer() ||
        (!value->is_number_unsigned() && value->get<int64_t>() < minimum) ||
        (value->is_number_unsigned() &&
         value->get<uint64_t>() < uint64_t(minimum)))
      return Status::error(field(key) + ": expected " + expected + ", got " +
                           describeJson(*value));
    if (value->get<uint64_t>() > uint64_t(maximum))
      return Status::error(field(key) + ": " + value->dump() +
                           " is above the limit of " + std::to_string(maximum));
    out = value->get<int64_t>();
    return Status::success();
  }

  /// A number for which `valid` holds; `expected` describes the range.
  Status number(const std::string &key, double &out,
                const std::function<bool(double)> &valid,
                const char *expected) {
    const json *value = get(key);
    if (!value)
      return Status::error(field(key) + ": missing");
    if (!value->is_number() || !valid(value->get<double>()))
      return Status::error(field(key) + ": expected " + expected + ", got " +
                           describeJson(*value));
    out = value->get<double>();
    return Status::success();
  }

  Status boolean(const std::string &key, bool &out) {
    const json *value = get(key);
    if (!value)
      return Status::error(field(key) + ": missing");
    if (!value->is_boolean())
      return Status::error(field(key) + ": expected true or false, got " +
                           describeJson(*value));
    out = value->get<bool>();
    return Status::success();
  }

  /// A string, one of `choices` when they are given, never empty.
  Status string(const std::string &key, std::string &out,
                const std::vector<std::string> &choices = {}) {
    const json *value = get(key);
    if (!value)
      return Status::error(field(key) + ": missing");
    std::string options;
    for (const std::string &choice : choices)
      options += (options.empty() ? "\"" : ", \"") + choice + "\"";
    std::string expected =
        choices.empty() ? "a non-empty string" : "one of " + options;
    if (!value->is_string() || value->get<std::string>().empty())
      return Status::error(field(key) + ": expected " + expected + ", got " +
                           describeJson(*value));
    out = value->get<std::string>();
    if (choices.empty() ||
        std::find(choices.begin(), choices.end(), out) != choices.end())
      return Status::success();
    return Status::error(field(key) + ": expected " + expected + ", got \"" +
                         out + "\"");
  }

  Status noUnknownFields() const {
    if (const std::string *key = members_.firstUnread())
      return Status::error(field(*key) + ": unknown field");
    return Status::success();
  }

private:
  JsonMembers members_;
  std::string where_;
};

Status expectObject(const json &value, const std::string &where) {
  if (value.is_object())
    return Status::success();
  return Status::error(where + ": expected an object, got " +
                       describeJson(value));
}

//===----------------------------------------------------------------------===//
// The model and the launch plan
//===----------------------------------------------------------------------===//

template <typename Json> Json modelJson(const ModelConfig &config) {
  const CellConfig &cell = config.cell;
  Json model;
  model["input_dim"] = config.inputDim;
  model["hidden_dim"] = cell.hiddenDim;
  model["memory_size"] = cell.memorySize;
  model["units"] = config.hasReadout() ? config.head.units : 0;
  model["pooling"] = toString(config.pooling());
  model["activation"] = toString(config.hasReadout() ? config.head.activation
                                                     : Activation::Linear);
  model["trace_batching"] = toString(config.traceBatching);
  model["use_layer_norm"] = cell.useLayerNorm;
  model["hebbian_lr"] = cell.hebbianLr;
  model["scale_factor"] = cell.scaleFactor;
  model["temperature"] = cell.temperature;
  model["sparsity_strength"] = cell.sparsityStrength;
  return model;
}

Status parseModel(const json &value, ModelConfig &config) {
  ENGRAM_TRY(expectObject(value, "model"));
  Fields fields(value, "model");
  CellConfig &cell = config.cell;
  ENGRAM_TRY(fields.integer("input_dim", config.inputDim, 1, INT32_MAX));
  ENGRAM_TRY(fields.integer("hidden_dim", cell.hiddenDim, 1, INT32_MAX));
  ENGRAM_TRY(fields.integer("memory_size", cell.memorySize, 1, INT32_MAX));
  int64_t units = 0;
  ENGRAM_TRY(fields.integer("units", units, 0, INT32_MAX));
  std::string pooling, activation, batching;
  ENGRAM_TRY(
      fields.string("pooling", pooling, {"last", "attention", "sequence"}));
  ENGRAM_TRY(fields.string("activation", activation, {"softmax", "linear"}));
  ENGRAM_TRY(fields.string("trace_batching", batching,
                           {"per_sequence", "batch_mean"}));
  ENGRAM_TRY(fields.boolean("use_layer_norm", cell.useLayerNorm));
  auto finite = [](double v) { return std::isfinite(v); };
  ENGRAM_TRY(fields.number(
      "hebbian_lr", cell.hebbianLr,
      [&](double v) { return finite(v) && v >= 0 && v <= 1; },
      "a number in [0, 1]"));
  ENGRAM_TRY(fields.number("scale_factor", cell.scaleFactor, finite,
                           "a finite number"));
  ENGRAM_TRY(fields.number(
      "temperature", cell.temperature,
      [&](double v) { return finite(v) && v > 0; }, "a number > 0"));
  ENGRAM_TRY(fields.number(
      "sparsity_strength", cell.sparsityStrength,
      [&](double v) { return finite(v) && v >= 0; }, "a number >= 0"));
  ENGRAM_TRY(fields.noUnknownFields());

  config.traceBatching = batching == "batch_mean" ? TraceBatching::BatchMean
                                                  : TraceBatching::PerSequence;
  // A "sequence" pooling without readout is the same network as no head.
  config.hasHead = !(pooling == "sequence" && units == 0);
  config.head.pooling = pooling == "last"        ? Pooling::Last
                        : pooling == "attention" ? Pooling::Attention
                                                 : Pooling::Sequence;
  config.head.units = units;
  config.head.activation =
      activation == "softmax" ? Activation::Softmax : Activation::Linear;
  return validateConfig(config).withPrefix("model: ");
}

template <typename Json> Json kernelJson(const CudaKernelEntry &entry) {
  Json value;
  value["name"] = entry.name;
  value["tile"] = entry.tile;
  value["threads"] = entry.threads;
  value["dynamic_smem_bytes"] = entry.dynamicSmemBytes;
  value["cooperative"] = entry.cooperative;
  value["min_batch"] = entry.minBatch;
  value["max_batch"] = entry.maxBatch;
  if (entry.scratchFloatsPerBlock)
    value["scratch_floats_per_block"] = *entry.scratchFloatsPerBlock;
  return value;
}

Status parseKernel(const json &value, const std::string &where,
                   CudaKernelEntry &entry) {
  ENGRAM_TRY(expectObject(value, where));
  Fields fields(value, where);
  ENGRAM_TRY(fields.string("name", entry.name));
  ENGRAM_TRY(fields.integer("tile", entry.tile, 1, INT32_MAX));
  ENGRAM_TRY(fields.integer("threads", entry.threads, 1, 1024));
  ENGRAM_TRY(fields.integer("dynamic_smem_bytes", entry.dynamicSmemBytes, 0,
                            INT32_MAX));
  ENGRAM_TRY(fields.boolean("cooperative", entry.cooperative));
  ENGRAM_TRY(fields.integer("min_batch", entry.minBatch, 1, INT32_MAX));
  ENGRAM_TRY(fields.integer("max_batch", entry.maxBatch, 1, INT32_MAX));
  if (entry.maxBatch < entry.minBatch)
    return Status::error(
        fields.field("max_batch") + ": " + std::to_string(entry.maxBatch) +
        " is below min_batch " + std::to_string(entry.minBatch));
  if (fields.get("scratch_floats_per_block")) {
    int64_t floats = 0;
    ENGRAM_TRY(
        fields.integer("scratch_floats_per_block", floats, 0, INT32_MAX));
    entry.scratchFloatsPerBlock = floats;
  }
  return fields.noUnknownFields();
}

Status parseKernels(const json *value, std::vector<CudaKernelEntry> &out) {
  if (!value)
    return Status::error("kernels: missing");
  if (!value->is_array() || value->empty())
    return Status::error("kernels: expected a non-empty array of launch-plan "
                         "entries, got " +
                         describeJson(*value));
  out.resize(value->size());
  for (size_t i = 0; i < value->size(); ++i)
    ENGRAM_TRY(
        parseKernel((*value)[i], "kernels[" + std::to_string(i) + "]", out[i]));
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Sections
//===----------------------------------------------------------------------===//

struct Range {
  std::string name;
  uint64_t offset = 0, size = 0;
};

std::string bytesText(const Range &range) {
  return "bytes " + std::to_string(range.offset) + ".." +
         std::to_string(range.offset + range.size);
}

/// Reads one "sections" entry and checks where it lies in the file.
Status parseRange(const std::string &name, const json &value, uint64_t fileSize,
                  uint64_t dataStart, Range &range) {
  std::string where = "sections." + name;
  ENGRAM_TRY(expectObject(value, where));
  Fields fields(value, where);
  int64_t offset = 0, size = 0;
  ENGRAM_TRY(fields.integer("offset", offset, 0, INT64_MAX));
  ENGRAM_TRY(fields.integer("size", size, 0, INT64_MAX));
  ENGRAM_TRY(fields.noUnknownFields());
  range = {name, uint64_t(offset), uint64_t(size)};
  if (range.offset > fileSize || range.size > fileSize - range.offset)
    return Status::error(where + ": offset " + std::to_string(offset) +
                         " + size " + std::to_string(size) +
                         " runs past the end of the file (" +
                         std::to_string(fileSize) + " bytes)");
  if (range.offset % kCudaSectionAlignment != 0)
    return Status::error(where + ": offset " + std::to_string(offset) +
                         " is not a multiple of " +
                         std::to_string(kCudaSectionAlignment));
  if (range.offset < dataStart)
    return Status::error(where + ": offset " + std::to_string(offset) +
                         " lies inside the header and metadata (bytes 0.." +
                         std::to_string(dataStart) + ")");
  return Status::success();
}

/// Reads the "sections" map and checks that no two sections overlap.
Status parseRanges(const json *value, uint64_t fileSize, uint64_t dataStart,
                   std::vector<Range> &ranges) {
  if (!value)
    return Status::error("sections: missing");
  ENGRAM_TRY(expectObject(*value, "sections"));
  for (const auto &item : value->items()) {
    ranges.emplace_back();
    ENGRAM_TRY(parseRange(item.key(), item.value(), fileSize, dataStart,
                          ranges.back()));
  }
  std::vector<const Range *> sorted;
  for (const Range &range : ranges)
    if (range.size > 0)
      sorted.push_back(&range);
  std::sort(sorted.begin(), sorted.end(), [](const Range *a, const Range *b) {
    return a->offset < b->offset;
  });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i]->offset < sorted[i - 1]->offset + sorted[i - 1]->size)
      return Status::error("sections." + sorted[i]->name + " (" +
                           bytesText(*sorted[i]) + ") overlaps sections." +
                           sorted[i - 1]->name + " (" +
                           bytesText(*sorted[i - 1]) + ")");
  return Status::success();
}

/// Checks the code sections' contents.
Status checkCode(const std::map<std::string, std::string> &sections) {
  const std::string &cubin = sections.at("cubin"), &ptx = sections.at("ptx");
  if (cubin.empty() && ptx.empty())
    return Status::error("sections: cubin and ptx are both empty: the "
                         "artifact holds no code");
  static const char elf[] = {0x7f, 'E', 'L', 'F'};
  static const char fatbin[] = {0x50, char(0xed), 0x55, char(0xba)};
  if (!cubin.empty() &&
      (cubin.size() < 4 || (std::memcmp(cubin.data(), elf, 4) &&
                            std::memcmp(cubin.data(), fatbin, 4))))
    return Status::error("sections.cubin: not a cubin (no ELF or fatbin "
                         "header)");
  if (size_t nul = ptx.find('\0'); nul != std::string::npos)
    return Status::error("sections.ptx: a NUL byte at offset " +
                         std::to_string(nul) + " (PTX is text)");
  return Status::success();
}

/// Reads "padded_hidden_dim", when present: the next multiple of
/// ENGRAM_CUDA_HIDDEN_MULTIPLE above a hidden_dim that is not one.
Status parsePaddedHidden(Fields &fields, CudaBundle &bundle) {
  if (!fields.get("padded_hidden_dim"))
    return Status::success();
  ENGRAM_TRY(
      fields.integer("padded_hidden_dim", bundle.paddedHidden, 1, INT32_MAX));
  const int64_t hidden = bundle.config.cell.hiddenDim,
                expected = paddedHiddenDim(hidden, ENGRAM_CUDA_HIDDEN_MULTIPLE);
  if (bundle.paddedHidden != expected || expected == hidden)
    return Status::error(
        "padded_hidden_dim: " + std::to_string(bundle.paddedHidden) +
        (expected == hidden ? " for a hidden_dim that needs no padding (" +
                                  std::to_string(hidden) + ")"
                            : ", expected " + std::to_string(expected) +
                                  " for hidden_dim " + std::to_string(hidden)));
  return Status::success();
}

/// Reads "memory_storage", the format of a packed bank, sized by `config`.
Status parseMemoryStorage(const json &value, const ModelConfig &config,
                          PackedBank &bank) {
  ENGRAM_TRY(expectObject(value, "memory_storage"));
  Fields fields(value, "memory_storage");
  std::string scale;
  ENGRAM_TRY(fields.integer("bits", bank.bits, 1, 8));
  ENGRAM_TRY(fields.integer("values_per_byte", bank.perByte, 1, 8));
  ENGRAM_TRY(fields.string("scale", scale, {"row", "tensor"}));
  ENGRAM_TRY(fields.noUnknownFields());
  bank.rowScale = scale == "row";
  bank.rows = config.cell.memorySize;
  bank.width = config.cell.hiddenDim;
  return Status::success();
}

/// Moves the packed bank's sections out of `bundle.sections` into
/// `bundle.memory` (the writer puts them back from it) and checks it.
Status readPackedBank(CudaBundle &bundle) {
  PackedBank &bank = *bundle.memory;
  if (bundle.sections.count("cell.memory"))
    return Status::error("sections.cell.memory: present, but memory_storage "
                         "says the bank is stored packed");
  for (const char *name : {kPackedBankValuesSection, kPackedBankScalesSection})
    if (!bundle.sections.count(name))
      return Status::error(std::string("sections.") + name +
                           ": missing (memory_storage says the bank is "
                           "stored packed)");
  bank.values = bundle.sections.at(kPackedBankValuesSection);
  const std::string &scales = bundle.sections.at(kPackedBankScalesSection);
  if (scales.size() % sizeof(float) != 0)
    return Status::error(std::string("sections.") + kPackedBankScalesSection +
                         ": " + std::to_string(scales.size()) +
                         " bytes, not a whole number of float32");
  bank.scales.resize(scales.size() / sizeof(float));
  std::memcpy(bank.scales.data(), scales.data(), scales.size());
  bundle.sections.erase(kPackedBankValuesSection);
  bundle.sections.erase(kPackedBankScalesSection);
  return bank.validate("memory_storage");
}

/// Matches the sections with what the model needs and copies them out.
Status readSections(const std::vector<Range> &ranges, std::string_view bytes,
                    CudaBundle &bundle) {
  std::map<std::string, const TensorSpec *> weights;
  std::vector<TensorSpec> specs = expectedTensors(bundle.config);
  for (const TensorSpec &spec : specs)
    weights[spec.name] = &spec;
  for (const Range &range : ranges) {
    auto spec = weights.find(range.name);
    bool packed = bundle.memory && (range.name == kPackedBankValuesSection ||
                                    range.name == kPackedBankScalesSection);
    if (range.name != "cubin" && range.name != "ptx" && !packed &&
        spec == weights.end())
      return Status::error("sections." + range.name +
                           ": unknown section (expected cubin, ptx and the "
                           "weight tensors of the model" +
                           (bundle.memory
                                ? ", with the packed bank's " +
                                      std::string(kPackedBankValuesSection) +
                                      " and " + kPackedBankScalesSection
                                : std::string()) +
                           ")");
    if (spec != weights.end()) {
      uint64_t expected = uint64_t(numElements(spec->second->shape)) * 4;
      if (range.size != expected)
        return Status::error("sections." + range.name + ": size " +
                             std::to_string(range.size) + " bytes, expected " +
                             std::to_string(expected) + " (" +
                             shapeToString(spec->second->shape) +
                             " float32: " + spec->second->meaning + ")");
    }
    bundle.sections[range.name] =
        std::string(bytes.substr(range.offset, range.size));
  }
  for (const char *code : {"cubin", "ptx"})
    if (!bundle.sections.count(code))
      return Status::error(std::string("sections.") + code + ": missing");
  if (bundle.memory)
    ENGRAM_TRY(readPackedBank(bundle));
  for (const TensorSpec &spec : specs)
    if (!spec.optional && !bundle.sections.count(spec.name) &&
        !(bundle.memory && spec.name == "cell.memory"))
      return Status::error("sections." + spec.name + ": missing (the weight " +
                           shapeToString(spec.shape) +
                           " float32: " + spec.meaning + ")");
  ENGRAM_TRY(checkCode(bundle.sections));
  Model model = cudaBundleModel(bundle);
  return validateWeights(bundle.config, model.weights).withPrefix("sections: ");
}

//===----------------------------------------------------------------------===//
// The whole file
//===----------------------------------------------------------------------===//

/// Checks the magic and returns the metadata length.
StatusOr<uint64_t> readHeader(std::string_view bytes) {
  size_t prefix = std::min(bytes.size(), kCudaArtifactMagic.size());
  if (bytes.substr(0, prefix) != kCudaArtifactMagic.substr(0, prefix))
    return Status::error("not an engram CUDA artifact (the file does not "
                         "start with \"ENGRAMCU\")");
  if (bytes.size() < kCudaArtifactHeaderBytes)
    return Status::error("truncated: " + std::to_string(bytes.size()) +
                         " bytes, shorter than the " +
                         std::to_string(kCudaArtifactHeaderBytes) +
                         "-byte header");
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i)
    length = length << 8 | uint8_t(bytes[8 + i]);
  if (length > bytes.size() - kCudaArtifactHeaderBytes)
    return Status::error("truncated: the metadata of " +
                         std::to_string(length) +
                         " bytes runs past the end of the file (" +
                         std::to_string(bytes.size()) + " bytes)");
  return length;
}

Status parseMetadata(const json &metadata, std::string_view bytes,
                     uint64_t dataStart, CudaBundle &bundle) {
  if (!metadata.is_object())
    return Status::error("metadata: expected a JSON object, got " +
                         describeJson(metadata));
  Fields fields(metadata, "");
  const json *format = fields.get("format");
  if (!format)
    return Status::error(std::string("format: missing (expected \"") +
                         kCudaArtifactFormat + "\")");
  if (*format != kCudaArtifactFormat)
    return Status::error("format: " + format->dump() +
                         " is not a format this runtime reads (expected \"" +
                         kCudaArtifactFormat + "\")");
  int64_t abi = 0;
  ENGRAM_TRY(fields.integer("abi_version", abi, 0, INT32_MAX));
  if (abi != ENGRAM_CUDA_ABI_VERSION)
    return Status::error("abi_version: " + std::to_string(abi) +
                         ", this runtime passes kernels the parameters of "
                         "ABI version " +
                         std::to_string(ENGRAM_CUDA_ABI_VERSION) +
                         " (recompile the model with this engramc)");
  const json *model = fields.get("model");
  if (!model)
    return Status::error("model: missing");
  ENGRAM_TRY(parseModel(*model, bundle.config));
  ENGRAM_TRY(parseKernels(fields.get("kernels"), bundle.kernels));
  if (const json *target = fields.get("target")) {
    ENGRAM_TRY(expectObject(*target, "target"));
    bundle.target = *target;
  }
  ENGRAM_TRY(parsePaddedHidden(fields, bundle));
  if (const json *storage = fields.get("memory_storage")) {
    bundle.memory.emplace();
    ENGRAM_TRY(parseMemoryStorage(*storage, bundle.config, *bundle.memory));
  }
  std::vector<Range> ranges;
  ENGRAM_TRY(
      parseRanges(fields.get("sections"), bytes.size(), dataStart, ranges));
  ENGRAM_TRY(fields.noUnknownFields());
  return readSections(ranges, bytes, bundle);
}

/// Section names in file order: the code, then the weights in package order.
std::vector<std::string> sectionOrder(const CudaBundle &bundle) {
  std::vector<std::string> order = {"cubin", "ptx"};
  for (const TensorSpec &spec : expectedTensors(bundle.config))
    if (bundle.sections.count(spec.name))
      order.push_back(spec.name);
  for (const auto &entry : bundle.sections)
    if (std::find(order.begin(), order.end(), entry.first) == order.end())
      order.push_back(entry.first);
  return order;
}

} // namespace

int64_t CudaKernelEntry::scratchFloats(int64_t grid,
                                       const ModelConfig &config) const {
  int64_t perBlock = scratchFloatsPerBlock ? *scratchFloatsPerBlock
                     : cooperative
                         ? config.cell.memorySize * config.cell.hiddenDim
                         : 0;
  return grid * perBlock;
}

const std::string *CudaBundle::section(const std::string &name) const {
  auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

json cudaModelJson(const ModelConfig &config) {
  return modelJson<json>(config);
}

CudaBundle makeCudaBundle(const Model &model, std::string cubin,
                          std::string ptx,
                          std::vector<CudaKernelEntry> kernels) {
  CudaBundle bundle;
  bundle.config = model.config;
  bundle.kernels = std::move(kernels);
  bundle.sections["cubin"] = std::move(cubin);
  bundle.sections["ptx"] = std::move(ptx);
  for (const auto &[name, weight] : model.weights)
    bundle.sections[name] =
        std::string(reinterpret_cast<const char *>(weight.data.data()),
                    weight.data.size() * sizeof(float));
  return bundle;
}

std::optional<std::string> cudaBundleWeight(const CudaBundle &bundle,
                                            const std::string &name) {
  if (name == "cell.memory" && bundle.memory) {
    std::vector<float> bank = bundle.memory->dequantize();
    return std::string(reinterpret_cast<const char *>(bank.data()),
                       bank.size() * sizeof(float));
  }
  if (const std::string *bytes = bundle.section(name))
    return *bytes;
  return std::nullopt;
}

Model cudaBundleModel(const CudaBundle &bundle) {
  Model model{bundle.config, {}};
  for (const TensorSpec &spec : expectedTensors(bundle.config)) {
    std::optional<std::string> bytes = cudaBundleWeight(bundle, spec.name);
    if (!bytes)
      continue;
    WeightTensor &weight = model.weights[spec.name];
    weight.shape = spec.shape;
    weight.data.resize(bytes->size() / sizeof(float));
    std::memcpy(weight.data.data(), bytes->data(),
                weight.data.size() * sizeof(float));
  }
  return model;
}

/// `input` with its packed bank, if any, in sections in place of a float32
/// "cell.memory"; fails when the bank is not the model's N×H.
static StatusOr<CudaBundle> withPackedSections(const CudaBundle &input) {
  CudaBundle bundle = input;
  if (!bundle.memory)
    return bundle;
  const PackedBank &bank = *bundle.memory;
  const CellConfig &cell = bundle.config.cell;
  if (bank.rows != cell.memorySize || bank.width != cell.hiddenDim)
    return Status::error(
        "memory_storage: the packed bank is " + std::to_string(bank.rows) +
        "x" + std::to_string(bank.width) + ", the model's memory " +
        std::to_string(cell.memorySize) + "x" + std::to_string(cell.hiddenDim));
  bundle.sections.erase("cell.memory");
  bundle.sections[kPackedBankValuesSection] = bank.values;
  bundle.sections[kPackedBankScalesSection] =
      std::string(reinterpret_cast<const char *>(bank.scales.data()),
                  bank.scales.size() * sizeof(float));
  return bundle;
}

/// The metadata of `bundle`, all but its "sections".
static ordered_json metadataJson(const CudaBundle &bundle) {
  ordered_json metadata;
  metadata["format"] = kCudaArtifactFormat;
  metadata["abi_version"] = ENGRAM_CUDA_ABI_VERSION;
  metadata["model"] = modelJson<ordered_json>(bundle.config);
  metadata["kernels"] = ordered_json::array();
  for (const CudaKernelEntry &entry : bundle.kernels)
    metadata["kernels"].push_back(kernelJson<ordered_json>(entry));
  metadata["target"] = ordered_json::parse(
      bundle.target.dump(-1, ' ', false, json::error_handler_t::replace),
      nullptr, /*allow_exceptions=*/false);
  if (bundle.paddedHidden)
    metadata["padded_hidden_dim"] = bundle.paddedHidden;
  if (const std::optional<PackedBank> &bank = bundle.memory)
    metadata["memory_storage"] = {{"bits", bank->bits},
                                  {"values_per_byte", bank->perByte},
                                  {"scale", bank->rowScale ? "row" : "tensor"}};
  return metadata;
}

StatusOr<std::string> encodeCudaBundle(const CudaBundle &input) {
  StatusOr<CudaBundle> stored = withPackedSections(input);
  if (!stored)
    return stored.status();
  const CudaBundle &bundle = *stored;
  if (!bundle.target.is_object())
    return Status::error("target: expected an object, got " +
                         describeJson(bundle.target));
  ordered_json metadata = metadataJson(bundle);

  // The offsets are in the metadata, whose length moves the first offset:
  // move it until the metadata fits before it.
  std::vector<std::string> order = sectionOrder(bundle);
  std::string text;
  uint64_t start = alignUp(kCudaArtifactHeaderBytes), end = start;
  for (;;) {
    ordered_json sections = ordered_json::object();
    end = start;
    for (const std::string &name : order) {
      uint64_t size = bundle.sections.at(name).size();
      end = alignUp(end);
      sections[name] = {{"offset", end}, {"size", size}};
      end += size;
    }
    metadata["sections"] = std::move(sections);
    text =
        metadata.dump(2, ' ', false, ordered_json::error_handler_t::replace) +
        "\n";
    if (kCudaArtifactHeaderBytes + text.size() <= start)
      break;
    start = alignUp(kCudaArtifactHeaderBytes + text.size());
  }

  std::string bytes(end, '\0');
  std::memcpy(&bytes[0], kCudaArtifactMagic.data(), 8);
  for (int i = 0; i < 8; ++i)
    bytes[8 + i] = char(uint64_t(text.size()) >> (8 * i) & 0xff);
  std::memcpy(&bytes[kCudaArtifactHeaderBytes], text.data(), text.size());
  for (const std::string &name : order) {
    const std::string &data = bundle.sections.at(name);
    uint64_t offset = metadata["sections"][name]["offset"].get<uint64_t>();
    if (!data.empty())
      std::memcpy(&bytes[offset], data.data(), data.size());
  }
  if (StatusOr<CudaBundle> check = decodeCudaBundle(bytes, ""); !check)
    return check.status();
  return bytes;
}

StatusOr<CudaBundle> decodeCudaBundle(std::string_view bytes,
                                      const std::string &path) {
  std::string where = path.empty() ? "" : path + ": ";
  StatusOr<uint64_t> length = readHeader(bytes);
  if (!length)
    return length.status().withPrefix(where);
  StatusOr<json> metadata =
      parseJson(bytes.substr(kCudaArtifactHeaderBytes, *length));
  if (!metadata)
    return metadata.status().withPrefix(where + "metadata: ");
  CudaBundle bundle;
  if (Status status = parseMetadata(*metadata, bytes,
                                    kCudaArtifactHeaderBytes + *length, bundle);
      !status)
    return status.withPrefix(where);
  bundle.metadata = std::move(*metadata);
  return bundle;
}

Status writeCudaBundle(const std::string &path, const CudaBundle &bundle) {
  StatusOr<std::string> bytes = encodeCudaBundle(bundle);
  if (!bytes)
    return bytes.status().withPrefix(path +
                                     ": refusing to write an invalid CUDA "
                                     "artifact: ");
  return writeFileAtomic(path, *bytes);
}

StatusOr<CudaBundle> readCudaBundle(const std::string &path) {
  StatusOr<std::string> bytes = readFile(path);
  if (!bytes)
    return bytes.status();
  return decodeCudaBundle(*bytes, path);
}

} // namespace engram::runtime

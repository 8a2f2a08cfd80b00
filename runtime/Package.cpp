//===- Package.cpp - loading engram model packages ------------------------===//
//
// model.json is read field by field: each field has a type, a range and, for
// the hyper-parameters, the default of ENGRAM_SEMANTICS.md.
//
//===----------------------------------------------------------------------===//

#include "runtime/Package.h"

#include "runtime/Files.h"
#include "runtime/Json.h"
#include "runtime/Safetensors.h"

#include <sys/stat.h>

namespace engram::runtime {
namespace {

using json = nlohmann::json;

/// Reads the members of one JSON object, remembering which were used so
/// that unknown fields can be reported.
class ObjectReader {
public:
  ObjectReader(const json &object, std::string prefix)
      : members_(object), prefix_(std::move(prefix)) {}

  std::string field(const std::string &key) const {
    return "'" + prefix_ + key + "'";
  }

  const json *get(const std::string &key) { return members_.get(key); }

  Status integer(const std::string &key, int64_t &out) {
    const json *value = get(key);
    if (!value)
      return Status::error(field(key) + ": missing");
    if (!value->is_number_integer() || value->get<int64_t>() <= 0)
      return Status::error(field(key) + ": expected a positive integer, got " +
                           describeJson(*value));
    out = value->get<int64_t>();
    return Status::success();
  }

  Status number(const std::string &key, double &out) {
    const json *value = get(key);
    if (!value)
      return Status::success(); // Keeps the default.
    if (!value->is_number())
      return Status::error(field(key) + ": expected a number, got " +
                           describeJson(*value));
    out = value->get<double>();
    return Status::success();
  }

  Status boolean(const std::string &key, bool &out) {
    const json *value = get(key);
    if (!value)
      return Status::success();
    if (!value->is_boolean())
      return Status::error(field(key) + ": expected true or false, got " +
                           describeJson(*value));
    out = value->get<bool>();
    return Status::success();
  }

  /// Reads a string that must be one of `choices`; absent keeps `out`.
  Status choice(const std::string &key,
                const std::vector<std::string> &choices, std::string &out,
                bool required = false) {
    const json *value = get(key);
    if (!value)
      return required ? Status::error(field(key) + ": missing")
                      : Status::success();
    std::string options;
    for (const std::string &c : choices)
      options += (options.empty() ? "\"" : ", \"") + c + "\"";
    if (!value->is_string())
      return Status::error(field(key) + ": expected one of " + options +
                           ", got " + describeJson(*value));
    out = value->get<std::string>();
    for (const std::string &c : choices)
      if (c == out)
        return Status::success();
    return Status::error(field(key) + ": expected one of " + options +
                         ", got \"" + out + "\"");
  }

  Status noUnknownFields() const {
    if (const std::string *key = members_.firstUnread())
      return Status::error("unknown field " + field(*key));
    return Status::success();
  }

private:
  JsonMembers members_;
  std::string prefix_;
};

#define ENGRAM_TRY(expr)                                                       \
  do {                                                                         \
    if (Status _status = (expr); !_status.ok())                                \
      return _status;                                                          \
  } while (0)

Status readCell(const json &object, CellConfig &cell) {
  if (!object.is_object())
    return Status::error("'cell': expected an object, got " +
                         describeJson(object));
  ObjectReader reader(object, "cell.");
  ENGRAM_TRY(reader.integer("hidden_dim", cell.hiddenDim));
  ENGRAM_TRY(reader.integer("memory_size", cell.memorySize));
  ENGRAM_TRY(reader.number("hebbian_lr", cell.hebbianLr));
  ENGRAM_TRY(reader.number("scale_factor", cell.scaleFactor));
  ENGRAM_TRY(reader.number("temperature", cell.temperature));
  ENGRAM_TRY(reader.number("sparsity_strength", cell.sparsityStrength));
  ENGRAM_TRY(reader.boolean("use_layer_norm", cell.useLayerNorm));
  return reader.noUnknownFields();
}

Status readHead(const json &object, HeadConfig &head) {
  if (!object.is_object())
    return Status::error("'head': expected an object, got " +
                         describeJson(object));
  ObjectReader reader(object, "head.");
  std::string pooling;
  ENGRAM_TRY(reader.choice("pooling", {"last", "attention", "sequence"},
                           pooling, /*required=*/true));
  head.pooling = pooling == "last"        ? Pooling::Last
                 : pooling == "attention" ? Pooling::Attention
                                          : Pooling::Sequence;
  std::string activation;
  bool hasActivation = reader.get("activation") != nullptr;
  if (reader.get("units")) {
    ENGRAM_TRY(reader.integer("units", head.units));
    activation = "linear";
    ENGRAM_TRY(reader.choice("activation", {"softmax", "linear"}, activation));
    head.activation =
        activation == "softmax" ? Activation::Softmax : Activation::Linear;
  } else if (hasActivation) {
    return Status::error("'head.activation' given without 'head.units'");
  }
  return reader.noUnknownFields();
}

} // namespace

StatusOr<ModelConfig> parseModelConfig(const std::string &text,
                                       std::string *weightsFile) {
  StatusOr<json> parsed = parseJson(text);
  if (!parsed)
    return parsed.status();
  if (!parsed->is_object())
    return Status::error("expected a JSON object, got " +
                         describeJson(*parsed));
  ObjectReader reader(*parsed, "");
  std::string format;
  const json *formatValue = reader.get("format");
  if (!formatValue)
    return Status::error("'format': missing (expected \"" +
                         std::string(kPackageFormat) + "\")");
  if (!formatValue->is_string())
    return Status::error("'format': expected a string, got " +
                         describeJson(*formatValue));
  if (formatValue->get<std::string>() != kPackageFormat)
    return Status::error("'format': unknown format " + formatValue->dump() +
                         " (this engram reads \"" + kPackageFormat + "\")");

  ModelConfig config;
  ENGRAM_TRY(reader.integer("input_dim", config.inputDim));
  const json *cell = reader.get("cell");
  if (!cell)
    return Status::error("'cell': missing");
  ENGRAM_TRY(readCell(*cell, config.cell));
  std::string batching = "per_sequence";
  ENGRAM_TRY(reader.choice("trace_batching", {"per_sequence", "batch_mean"},
                           batching));
  config.traceBatching = batching == "per_sequence"
                             ? TraceBatching::PerSequence
                             : TraceBatching::BatchMean;
  if (const json *head = reader.get("head"); head && !head->is_null()) {
    config.hasHead = true;
    ENGRAM_TRY(readHead(*head, config.head));
  }
  *weightsFile = "model.safetensors";
  if (const json *weights = reader.get("weights")) {
    if (!weights->is_string() || weights->get<std::string>().empty())
      return Status::error("'weights': expected a file name, got " +
                           describeJson(*weights));
    *weightsFile = weights->get<std::string>();
  }
  ENGRAM_TRY(reader.noUnknownFields());
  ENGRAM_TRY(validateConfig(config));
  return config;
}

bool isPackagePath(const std::string &path) {
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
    return true;
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
}

StatusOr<Model> loadPackage(const std::string &path) {
  struct stat info;
  bool isDirectory = stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
  std::string jsonPath = isDirectory ? path + "/model.json" : path;
  size_t slash = jsonPath.rfind('/');
  std::string directory =
      slash == std::string::npos ? "." : jsonPath.substr(0, slash);

  StatusOr<std::string> text = readFile(jsonPath);
  if (!text)
    return text.status();
  std::string weightsFile;
  StatusOr<ModelConfig> config = parseModelConfig(*text, &weightsFile);
  if (!config)
    return config.status().withPrefix(jsonPath + ": ");

  std::string weightsPath = weightsFile.front() == '/'
                                ? weightsFile
                                : directory + "/" + weightsFile;
  auto weights = readSafetensors(weightsPath);
  if (!weights)
    return weights.status();
  if (Status status = validateWeights(*config, *weights); !status)
    return status.withPrefix(weightsPath + ": ");
  return Model{*config, std::move(*weights)};
}

} // namespace engram::runtime

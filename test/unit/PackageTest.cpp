//===- PackageTest.cpp - model.json and safetensors validation ------------===//

#include "runtime/Package.h"
#include "runtime/Safetensors.h"

#include "TestModels.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace engram::runtime;

namespace {

const char *kMinimal = R"({"format": "engram-model/1", "input_dim": 28,
  "cell": {"hidden_dim": 64, "memory_size": 32}})";

/// The error message of parsing `text`, or "" if it parsed.
std::string configError(const std::string &text) {
  std::string weights;
  auto config = parseModelConfig(text, &weights);
  return config.ok() ? "" : config.status().message();
}

TEST(ModelConfig, MinimalConfigTakesTheDefaults) {
  std::string weights;
  auto config = parseModelConfig(kMinimal, &weights);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(weights, "model.safetensors");
  EXPECT_EQ(config->inputDim, 28);
  EXPECT_DOUBLE_EQ(config->cell.hebbianLr, 0.05);
  EXPECT_DOUBLE_EQ(config->cell.scaleFactor, 0.5);
  EXPECT_DOUBLE_EQ(config->cell.temperature, 1.5);
  EXPECT_DOUBLE_EQ(config->cell.sparsityStrength, 0.1);
  EXPECT_TRUE(config->cell.useLayerNorm);
  EXPECT_EQ(config->traceBatching, TraceBatching::PerSequence);
  EXPECT_FALSE(config->hasHead);
  EXPECT_EQ(config->pooling(), Pooling::Sequence);
}

TEST(ModelConfig, ReadsTheHead) {
  std::string weights;
  auto config = parseModelConfig(
      R"({"format": "engram-model/1", "input_dim": 3, "trace_batching": "batch_mean",
          "cell": {"hidden_dim": 4, "memory_size": 2, "use_layer_norm": false},
          "head": {"pooling": "attention", "units": 5, "activation": "softmax"},
          "weights": "w.safetensors"})",
      &weights);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(weights, "w.safetensors");
  EXPECT_EQ(config->traceBatching, TraceBatching::BatchMean);
  EXPECT_EQ(config->head.pooling, Pooling::Attention);
  EXPECT_EQ(config->head.units, 5);
  EXPECT_EQ(config->head.activation, Activation::Softmax);
  EXPECT_FALSE(config->cell.useLayerNorm);
}

TEST(ModelConfig, ErrorsNameTheField) {
  EXPECT_EQ(configError(R"({"input_dim": 2})"),
            "'format': missing (expected \"engram-model/1\")");
  EXPECT_EQ(configError(R"({"format": "engram-model/2"})"),
            "'format': unknown format \"engram-model/2\" (this engram reads "
            "\"engram-model/1\")");
  EXPECT_EQ(configError(R"({"format": "engram-model/1", "input_dim": "28"})"),
            "'input_dim': expected a positive integer, got the string \"28\"");
  EXPECT_EQ(configError(R"({"format": "engram-model/1", "input_dim": 2,
                            "cell": {"hiden_dim": 4}})"),
            "'cell.hidden_dim': missing");
  EXPECT_EQ(configError(R"({"format": "engram-model/1", "input_dim": 2,
                            "cell": {"hidden_dim": 4, "memory_size": 2, "lr": 1}})"),
            "unknown field 'cell.lr'");
  EXPECT_EQ(configError(R"({"format": "engram-model/1", "input_dim": 2,
                            "cell": {"hidden_dim": 4, "memory_size": 2},
                            "head": {"pooling": "max"}})"),
            "'head.pooling': expected one of \"last\", \"attention\", "
            "\"sequence\", got \"max\"");
  EXPECT_EQ(configError(R"({"format": "engram-model/1", "input_dim": 2,
                            "cell": {"hidden_dim": 4, "memory_size": 2},
                            "head": {"pooling": "last", "activation": "softmax"}})"),
            "'head.activation' given without 'head.units'");
  EXPECT_EQ(configError(R"({"format": "engram-model/1", "input_dim": 2,
                            "cell": {"hidden_dim": 4, "memory_size": 2,
                                     "hebbian_lr": 2}})"),
            "'cell.hebbian_lr': expected a number in [0, 1]");
  EXPECT_EQ(configError(R"({"format": "engram-model/1", "input_dim": 2,
                            "cell": {"hidden_dim": 4, "memory_size": 2,
                                     "temperature": 0}})"),
            "'cell.temperature': expected a number > 0");
}

TEST(ModelConfig, MalformedJsonGivesThePosition) {
  std::string error = configError("{\"format\": \n  \"engram-model/1\",, }");
  EXPECT_NE(error.find("invalid JSON"), std::string::npos) << error;
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
}

TEST(Safetensors, RoundTrip) {
  std::map<std::string, WeightTensor> tensors = {
      {"a", {{2, 3}, {1, 2, 3, 4, 5, 6}}}, {"b", {{1}, {-7.5f}}}};
  auto parsed = parseSafetensors(serializeSafetensors(tensors));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ((*parsed)["a"].shape, tensors["a"].shape);
  EXPECT_EQ((*parsed)["a"].data, tensors["a"].data);
  EXPECT_EQ((*parsed)["b"].data, tensors["b"].data);
}

/// A safetensors file with header `json` and `data` bytes.
std::string withHeader(const std::string &json, size_t dataBytes) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((uint64_t(json.size()) >> (8 * i)) & 0xff);
  return bytes + json + std::string(dataBytes, '\0');
}

std::string safetensorsError(const std::string &bytes) {
  auto parsed = parseSafetensors(bytes);
  return parsed.ok() ? "" : parsed.status().message();
}

TEST(Safetensors, RejectsMalformedFiles) {
  EXPECT_EQ(safetensorsError("abc"),
            "truncated: the file is 3 bytes, shorter than the 8-byte header "
            "length");
  std::string tooLong = withHeader("{}", 0);
  tooLong[0] = 100;
  EXPECT_EQ(safetensorsError(tooLong),
            "header length 100 is larger than the file (10 bytes)");
  EXPECT_EQ(safetensorsError(withHeader(
                R"({"a": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}})",
                2)),
            "tensor 'a': dtype F16 is not supported: engram packages hold F32 "
            "tensors");
  EXPECT_EQ(safetensorsError(withHeader(
                R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})",
                4)),
            "tensor 'a': data_offsets [0, 8] lie outside the data section (4 "
            "bytes; is the file truncated?)");
  EXPECT_EQ(safetensorsError(withHeader(
                R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                12)),
            "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
  EXPECT_EQ(safetensorsError(withHeader(
                R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
                8)),
            "tensor 'a': data_offsets [0, 8] hold 8 bytes, but shape 3 of F32 "
            "needs 12");
  EXPECT_NE(safetensorsError(withHeader("{\"a\": [", 0)).find("header: invalid JSON"),
            std::string::npos);
}

TEST(Weights, ValidationNamesTheTensor) {
  ModelConfig config = engram::runtime::testing::smallConfig();
  Model model = engram::runtime::testing::randomModel(config, 1);
  EXPECT_TRUE(validateWeights(config, model.weights).ok());

  auto missing = model.weights;
  missing.erase("cell.memory");
  EXPECT_EQ(validateWeights(config, missing).message(),
            "missing tensor 'cell.memory' (expected 3x7: cell.memory_size x "
            "cell.hidden_dim)");

  auto extra = model.weights;
  extra["pool.kernel"] = {{7, 1}, std::vector<float>(7)};
  EXPECT_EQ(validateWeights(config, extra).message(),
            "unexpected tensor 'pool.kernel': the configuration does not use it");

  auto shape = model.weights;
  shape["cell.encoder.kernel"].shape = {7, 5};
  EXPECT_EQ(validateWeights(config, shape).message(),
            "tensor 'cell.encoder.kernel': shape 7x5 does not match the "
            "configuration (input_dim x cell.hidden_dim = 5x7)");

  auto nan = model.weights;
  nan["cell.output.bias"].data[3] = std::nanf("");
  EXPECT_EQ(validateWeights(config, nan).message(),
            "tensor 'cell.output.bias': element [3] is NaN");
  auto inf = model.weights;
  inf["readout.bias"].data[0] = INFINITY;
  EXPECT_EQ(validateWeights(config, inf).message(),
            "tensor 'readout.bias': element [0] is infinite");
}

} // namespace

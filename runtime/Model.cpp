//===- Model.cpp - an engram model in memory ------------------------------===//
//
// The tensors a configuration needs and the checks shared by every way of
// building a Model (package loader, IR lifting, tests).
//
//===----------------------------------------------------------------------===//

#include "runtime/Model.h"

#include <cmath>
#include <set>
#include <sstream>

namespace engram::runtime {

const char *toString(Pooling pooling) {
  switch (pooling) {
  case Pooling::Last:
    return "last";
  case Pooling::Attention:
    return "attention";
  case Pooling::Sequence:
    return "sequence";
  }
  return "?";
}

const char *toString(Activation activation) {
  return activation == Activation::Softmax ? "softmax" : "linear";
}

const char *toString(TraceBatching batching) {
  return batching == TraceBatching::PerSequence ? "per_sequence"
                                                : "batch_mean";
}

std::string shapeToString(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return "scalar";
  std::ostringstream os;
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? "x" : "") << shape[i];
  return os.str();
}

std::vector<TensorSpec> expectedTensors(const ModelConfig &config) {
  const int64_t d = config.inputDim, h = config.cell.hiddenDim,
                n = config.cell.memorySize;
  std::vector<TensorSpec> specs = {
      {"cell.encoder.kernel", {d, h}, "input_dim x cell.hidden_dim"},
      {"cell.encoder.bias", {h}, "cell.hidden_dim"},
  };
  if (config.cell.useLayerNorm) {
    specs.push_back({"cell.norm1.gamma", {h}, "cell.hidden_dim"});
    specs.push_back({"cell.norm1.beta", {h}, "cell.hidden_dim"});
  }
  specs.push_back(
      {"cell.integrator.kernel", {3 * h, 3 * h}, "3*cell.hidden_dim square"});
  specs.push_back({"cell.integrator.bias", {3 * h}, "3*cell.hidden_dim"});
  specs.push_back(
      {"cell.output.kernel", {3 * h, h}, "3*cell.hidden_dim x cell.hidden_dim"});
  specs.push_back({"cell.output.bias", {h}, "cell.hidden_dim"});
  if (config.cell.useLayerNorm) {
    specs.push_back({"cell.norm2.gamma", {h}, "cell.hidden_dim"});
    specs.push_back({"cell.norm2.beta", {h}, "cell.hidden_dim"});
  }
  specs.push_back(
      {"cell.memory", {n, h}, "cell.memory_size x cell.hidden_dim"});
  specs.push_back({"cell.trace_init", {n, h},
                   "cell.memory_size x cell.hidden_dim", /*optional=*/true});
  if (config.hasHead && config.head.pooling == Pooling::Attention) {
    specs.push_back({"pool.kernel", {h, 1}, "cell.hidden_dim x 1"});
    specs.push_back({"pool.bias", {1}, "1"});
  }
  if (config.hasReadout()) {
    specs.push_back({"readout.kernel", {h, config.head.units},
                     "cell.hidden_dim x head.units"});
    specs.push_back({"readout.bias", {config.head.units}, "head.units"});
  }
  return specs;
}

Status validateConfig(const ModelConfig &config) {
  auto positive = [](const char *field, int64_t value) {
    if (value > 0)
      return Status::success();
    return Status::error(std::string("'") + field +
                         "': expected a positive integer, got " +
                         std::to_string(value));
  };
  const CellConfig &cell = config.cell;
  for (Status status :
       {positive("input_dim", config.inputDim),
        positive("cell.hidden_dim", cell.hiddenDim),
        positive("cell.memory_size", cell.memorySize)})
    if (!status.ok())
      return status;
  auto finite = [](double v) { return std::isfinite(v); };
  if (!(finite(cell.hebbianLr) && cell.hebbianLr >= 0 && cell.hebbianLr <= 1))
    return Status::error("'cell.hebbian_lr': expected a number in [0, 1]");
  if (!finite(cell.scaleFactor))
    return Status::error("'cell.scale_factor': expected a finite number");
  if (!(finite(cell.temperature) && cell.temperature > 0))
    return Status::error("'cell.temperature': expected a number > 0");
  if (!(finite(cell.sparsityStrength) && cell.sparsityStrength >= 0))
    return Status::error("'cell.sparsity_strength': expected a number >= 0");
  if (config.hasReadout() && config.head.units <= 0)
    return Status::error("'head.units': expected a positive integer");
  return Status::success();
}

const WeightTensor *Model::find(const std::string &name) const {
  auto it = weights.find(name);
  return it == weights.end() ? nullptr : &it->second;
}

/// The multi-index "[i, j]" of element `flat` in a row-major `shape`.
static std::string indexToString(const std::vector<int64_t> &shape,
                                 size_t flat) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = static_cast<int64_t>(flat) % shape[d];
    flat /= shape[d];
  }
  std::string text = "[";
  for (size_t d = 0; d < index.size(); ++d)
    text += (d ? ", " : "") + std::to_string(index[d]);
  return text + "]";
}

Status validateWeights(const ModelConfig &config,
                       const std::map<std::string, WeightTensor> &weights) {
  std::set<std::string> expected;
  for (const TensorSpec &spec : expectedTensors(config)) {
    expected.insert(spec.name);
    auto it = weights.find(spec.name);
    if (it == weights.end()) {
      if (spec.optional)
        continue;
      return Status::error("missing tensor '" + spec.name + "' (expected " +
                           shapeToString(spec.shape) + ": " + spec.meaning +
                           ")");
    }
    if (it->second.shape != spec.shape)
      return Status::error("tensor '" + spec.name + "': shape " +
                           shapeToString(it->second.shape) +
                           " does not match the configuration (" +
                           spec.meaning + " = " + shapeToString(spec.shape) +
                           ")");
    const std::vector<float> &data = it->second.data;
    for (size_t i = 0; i < data.size(); ++i)
      if (!std::isfinite(data[i]))
        return Status::error("tensor '" + spec.name + "': element " +
                             indexToString(spec.shape, i) + " is " +
                             (std::isnan(data[i]) ? "NaN" : "infinite"));
  }
  for (const auto &entry : weights)
    if (!expected.count(entry.first))
      return Status::error("unexpected tensor '" + entry.first +
                           "': the configuration does not use it");
  return Status::success();
}

} // namespace engram::runtime

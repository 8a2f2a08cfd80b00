//===- HiddenPadding.cpp - a model widened to a padded hidden width -------===//

#include "runtime/HiddenPadding.h"

namespace engram::runtime {
namespace {

/// How one axis of a weight is laid out: `segments` runs of H features
/// (widened to Hp each), or a plain axis of `size` entries (kept).
struct Axis {
  int64_t segments = 0; // 0: not a hidden axis
  int64_t size = 0;     // entries of a plain axis

  int64_t extent(int64_t width) const {
    return segments ? segments * width : size;
  }
  /// Where entry `i` of the unpadded axis goes.
  int64_t place(int64_t i, int64_t hidden, int64_t padded) const {
    return segments ? (i / hidden) * padded + i % hidden : i;
  }
};

/// The (row, column) axes of weight `name`; a vector is one row.
std::pair<Axis, Axis> axesOf(const std::string &name,
                             const ModelConfig &config) {
  const Axis one{0, 1}, hidden{1, 0}, triple{3, 0};
  if (name == "cell.encoder.kernel")
    return {Axis{0, config.inputDim}, hidden};
  if (name == "cell.integrator.kernel")
    return {triple, triple};
  if (name == "cell.integrator.bias")
    return {one, triple};
  if (name == "cell.output.kernel")
    return {triple, hidden};
  if (name == "cell.memory" || name == "cell.trace_init")
    return {Axis{0, config.cell.memorySize}, hidden};
  if (name == "pool.kernel")
    return {hidden, one};
  if (name == "readout.kernel")
    return {hidden, Axis{0, config.head.units}};
  if (name == "pool.bias")
    return {one, one};
  if (name == "readout.bias")
    return {one, Axis{0, config.head.units}};
  return {one, hidden}; // the biases, gammas and betas of width H
}

} // namespace

int64_t paddedHiddenDim(int64_t hidden, int64_t multiple) {
  return (hidden + multiple - 1) / multiple * multiple;
}

std::vector<float> padHiddenWeight(const std::string &name,
                                   const std::vector<float> &values,
                                   const ModelConfig &config, int64_t padded) {
  const int64_t hidden = config.cell.hiddenDim;
  auto [rows, columns] = axesOf(name, config);
  const int64_t rowCount = rows.extent(hidden),
                columnCount = columns.extent(hidden),
                paddedColumns = columns.extent(padded);
  std::vector<float> out(size_t(rows.extent(padded) * paddedColumns), 0.f);
  for (int64_t r = 0; r < rowCount; ++r) {
    const int64_t pr = rows.place(r, hidden, padded);
    for (int64_t c = 0; c < columnCount; ++c)
      out[size_t(pr * paddedColumns + columns.place(c, hidden, padded))] =
          values[size_t(r * columnCount + c)];
  }
  return out;
}

Model padHiddenModel(const Model &model, int64_t padded) {
  Model out;
  out.config = model.config;
  out.config.cell.hiddenDim = padded;
  std::vector<TensorSpec> specs = expectedTensors(out.config);
  for (const auto &[name, weight] : model.weights) {
    WeightTensor &tensor = out.weights[name];
    tensor.data = padHiddenWeight(name, weight.data, model.config, padded);
    for (const TensorSpec &spec : specs)
      if (spec.name == name)
        tensor.shape = spec.shape;
  }
  return out;
}

} // namespace engram::runtime

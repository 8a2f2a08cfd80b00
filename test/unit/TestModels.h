//===- TestModels.h - random models for the runtime unit tests --*- C++ -*-===//
//
// Builds well-conditioned random models (weights ~ U(-0.2, 0.2)) and inputs
// (~ U(0, 1)) for any configuration, with a fixed seed per test.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_TEST_UNIT_TESTMODELS_H
#define ENGRAM_TEST_UNIT_TESTMODELS_H

#include "runtime/Model.h"
#include "runtime/Tensor.h"

#include <limits>
#include <random>

namespace engram::runtime::testing {

inline ModelConfig smallConfig(Pooling pooling = Pooling::Last,
                               TraceBatching batching =
                                   TraceBatching::PerSequence,
                               bool layerNorm = true) {
  ModelConfig config;
  config.inputDim = 5;
  config.cell.hiddenDim = 7;
  config.cell.memorySize = 3;
  config.cell.useLayerNorm = layerNorm;
  config.traceBatching = batching;
  config.hasHead = true;
  config.head.pooling = pooling;
  config.head.units = 4;
  config.head.activation = Activation::Softmax;
  return config;
}

inline Model randomModel(const ModelConfig &config, unsigned seed,
                         bool traceInit = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> weight(-0.2f, 0.2f);
  Model model{config, {}};
  for (const TensorSpec &spec : expectedTensors(config)) {
    if (spec.optional && !traceInit)
      continue;
    WeightTensor &tensor = model.weights[spec.name];
    tensor.shape = spec.shape;
    tensor.data.resize(numElements(spec.shape));
    for (float &v : tensor.data)
      v = weight(rng);
  }
  return model;
}

template <typename T>
Tensor<T> randomInput(int64_t batch, int64_t steps, int64_t width,
                      unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> value(0.0, 1.0);
  Tensor<T> input({batch, steps, width});
  for (T &v : input.data)
    v = static_cast<T>(value(rng));
  return input;
}

/// max |a - b| / max |b|; infinite when the shapes differ.
template <typename A, typename B>
double relativeError(const Tensor<A> &a, const Tensor<B> &b) {
  if (a.shape != b.shape)
    return std::numeric_limits<double>::infinity();
  double diff = 0, scale = 0;
  for (size_t i = 0; i < b.data.size(); ++i) {
    diff = std::max(diff, std::abs(double(a.data[i]) - double(b.data[i])));
    scale = std::max(scale, std::abs(double(b.data[i])));
  }
  return diff / std::max(scale, 1e-300);
}

} // namespace engram::runtime::testing

#endif // ENGRAM_TEST_UNIT_TESTMODELS_H

//===- Model.h - an engram model in memory ----------------------*- C++ -*-===//
//
// The configuration and weights of an engram network, as described by the
// model package of ENGRAM_SEMANTICS.md, independent of how they were read
// (from a package, or lifted back from engram IR).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_MODEL_H
#define ENGRAM_RUNTIME_MODEL_H

#include "runtime/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace engram::runtime {

/// Constants of ENGRAM_SEMANTICS.md.
inline constexpr double kLayerNormEpsilon = 1e-6;
inline constexpr double kTraceClip = 0.1;
inline constexpr double kNormFloor = 1e-12;

enum class Pooling { Last, Attention, Sequence };
enum class Activation { Softmax, Linear };
enum class TraceBatching { PerSequence, BatchMean };

const char *toString(Pooling pooling);
const char *toString(Activation activation);
const char *toString(TraceBatching batching);

struct CellConfig {
  int64_t hiddenDim = 0;
  int64_t memorySize = 0;
  double hebbianLr = 0.05;
  double scaleFactor = 0.5;
  double temperature = 1.5;
  double sparsityStrength = 0.1;
  bool useLayerNorm = true;
};

struct HeadConfig {
  Pooling pooling = Pooling::Last;
  /// Units of the dense readout; 0 when the head has no readout.
  int64_t units = 0;
  Activation activation = Activation::Linear;
  bool hasReadout() const { return units > 0; }
};

struct ModelConfig {
  int64_t inputDim = 0;
  CellConfig cell;
  TraceBatching traceBatching = TraceBatching::PerSequence;
  /// Absent head: the output is the sequence of states.
  bool hasHead = false;
  HeadConfig head;

  /// The pooling in effect (`sequence` without a head).
  Pooling pooling() const { return hasHead ? head.pooling : Pooling::Sequence; }
  bool hasReadout() const { return hasHead && head.hasReadout(); }
};

/// A float32 tensor of the package, row-major.
struct WeightTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// One tensor a configuration asks for.
struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  /// Which config fields the shape comes from, for error messages.
  std::string meaning;
  bool optional = false;
};

/// The tensors `config` needs, in package order.
std::vector<TensorSpec> expectedTensors(const ModelConfig &config);

/// Checks the hyper-parameters' ranges; `where` prefixes field names.
Status validateConfig(const ModelConfig &config);

struct Model {
  ModelConfig config;
  std::map<std::string, WeightTensor> weights;

  /// The tensor called `name`, or null when the model has none.
  const WeightTensor *find(const std::string &name) const;
};

/// Checks that `weights` holds exactly the tensors `config` needs, with the
/// right shapes and finite values.
Status validateWeights(const ModelConfig &config,
                       const std::map<std::string, WeightTensor> &weights);

/// "28x64".
std::string shapeToString(const std::vector<int64_t> &shape);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_MODEL_H

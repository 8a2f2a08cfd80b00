//===- NirMaps.h - NIR's linear nodes as sparse maps -------------*- C++ -*-===//
//
// The nodes of a NIR graph between two neuron nodes (Affine, Linear,
// Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten, Delay) are linear in what
// they pass on. The importer composes each chain of them into one sparse
// map from the pre population's neurons to the post's inputs, which becomes
// one projection; shapes (channels, height, width) travel with the map, so
// a convolution keeps its geometry as a sparse projection. No MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_NIR_NIRMAPS_H
#define ENGRAM_BACKENDS_NIR_NIRMAPS_H

#include "backends/nir/Hdf5.h"
#include "runtime/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace engram::nir::detail {

/// A tensor shape without the batch: (n), (c, l) or (c, h, w).
using Shape = std::vector<int64_t>;

/// The number of elements of `shape` (0 when it is empty).
size_t elements(const Shape &shape);

/// A NIR node's parameters: its numeric datasets and its strings (a
/// convolution's padding may be "same" or "valid").
struct NodeParams {
  std::string name, type;
  std::map<std::string, hdf5::Array> arrays;
  std::map<std::string, std::string> texts;
};

/// A linear map from a population's neurons to a node's outputs: per
/// output, its (pre neuron, weight) terms; the bias gathered on the way
/// (empty: none); the outputs' shape.
struct SparseMap {
  std::vector<std::vector<std::pair<uint32_t, double>>> rows;
  std::vector<double> bias;
  Shape shape;

  /// The map of a population of `shape` onto itself.
  static SparseMap identity(const Shape &shape);
};

/// Whether NIR's `type` is a linear node that engram composes into
/// projections (Affine, Linear, convolutions, pooling, Flatten, Delay).
bool isLinearNode(const std::string &type);

/// The shape of what `node` outputs for an input of shape `in`.
runtime::StatusOr<Shape> outputShape(const NodeParams &node, const Shape &in);

/// `map` followed by the linear node `node` (a Delay passes it unchanged);
/// its bias is added when `withBias`. Errors name the node.
runtime::StatusOr<SparseMap> compose(const NodeParams &node,
                                     const SparseMap &map, bool withBias);

} // namespace engram::nir::detail

#endif // ENGRAM_BACKENDS_NIR_NIRMAPS_H

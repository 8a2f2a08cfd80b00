//===- Tensor.h - a dense row-major tensor for the runtime ------*- C++ -*-===//
//
// The value type of the reference interpreter: a shape and a contiguous,
// row-major buffer of float or double.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_TENSOR_H
#define ENGRAM_RUNTIME_TENSOR_H

#include "runtime/Model.h"

#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

namespace engram::runtime {

inline int64_t numElements(const std::vector<int64_t> &shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

template <typename T> struct Tensor {
  std::vector<int64_t> shape;
  std::vector<T> data;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> shape, T fill = T(0))
      : shape(std::move(shape)), data(numElements(this->shape), fill) {}

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t dim(int64_t i) const { return shape[i < 0 ? i + rank() : i]; }
  int64_t size() const { return static_cast<int64_t>(data.size()); }
  /// Number of vectors along the last dimension.
  int64_t rows() const { return shape.empty() ? 1 : size() / shape.back(); }
  T *ptr() { return data.data(); }
  const T *ptr() const { return data.data(); }
};

/// A package weight converted to `T`.
template <typename T> Tensor<T> toTensor(const WeightTensor &weight) {
  Tensor<T> tensor;
  tensor.shape = weight.shape;
  tensor.data.assign(weight.data.begin(), weight.data.end());
  return tensor;
}

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_TENSOR_H

//===- HiddenPadding.h - a model widened to a padded hidden width -*- C++
//-*-===//
//
// The CUDA kernels work on whole warps of features, so a model whose
// hidden_dim H is not a multiple of 32 runs as a model of width Hp (H rounded
// up) whose extra lanes hold zeros: every weight that reads or writes a
// hidden feature gets zero rows and columns there. Those lanes then stay
// exactly zero through the step (relu(0) = 0; the Hebbian update of a zero
// column is zero; l2 norms and dot products are unchanged), so the padded
// model computes the same values in its first H lanes; only the layer norms'
// mean and variance must count H lanes, not Hp (the kernels' masked form).
// The 3H-wide integrator input [z | m | h] and its 3H outputs are padded
// segment by segment: index k·H + j moves to k·Hp + j.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_HIDDENPADDING_H
#define ENGRAM_RUNTIME_HIDDENPADDING_H

#include "runtime/Model.h"

#include <algorithm>
#include <string>
#include <vector>

namespace engram::runtime {

/// H rounded up to a multiple of `multiple` (> 0).
int64_t paddedHiddenDim(int64_t hidden, int64_t multiple);

/// The values of weight `name` (shaped as `config` says) laid out for the
/// hidden width `padded` >= config.cell.hiddenDim, zeros in the new lanes;
/// weights that touch no hidden feature (readout.bias, pool.bias) unchanged.
std::vector<float> padHiddenWeight(const std::string &name,
                                   const std::vector<float> &values,
                                   const ModelConfig &config, int64_t padded);

/// `model` with every weight padded and hidden_dim = `padded`.
Model padHiddenModel(const Model &model, int64_t padded);

/// Rows of `padded` floats (the last axis of `values`, `values.size() /
/// padded` rows) cut to their first `hidden`: the model's own layout of a
/// padded kernel's states and outputs.
template <typename T>
std::vector<T> compactHiddenRows(const std::vector<T> &values, int64_t padded,
                                 int64_t hidden) {
  const size_t rows = values.size() / size_t(padded);
  std::vector<T> out(rows * size_t(hidden));
  for (size_t r = 0; r < rows; ++r)
    std::copy_n(values.begin() + ptrdiff_t(r * size_t(padded)), hidden,
                out.begin() + ptrdiff_t(r * size_t(hidden)));
  return out;
}

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_HIDDENPADDING_H

//===- LoihiFixed.cpp - Loihi fixed-point LIF and Dense
//---------------------===//
//
// The arithmetic of docs/loihi-fixed-point.md: decays truncate toward zero in
// 64 bits, u wraps once into 24 bits, v saturates, the bias is shifted by its
// own exponent only, and Dense sums are shifted after summation.
//
//===----------------------------------------------------------------------===//

#include "runtime/LoihiFixed.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace engram::runtime::loihi {
namespace {

constexpr int64_t kHalfRange = int64_t(1) << (kStateBits - 1); // 2^23

/// x · (4096 - decay) / 4096, truncated toward zero.
int64_t decay(int64_t x, int64_t factor) {
  int64_t product = x * factor;
  int64_t magnitude = std::llabs(product) >> kDecayShift;
  return product < 0 ? -magnitude : magnitude;
}

} // namespace

int64_t shiftLeft(int64_t a, int e) {
  // Through unsigned: a negative a shifts as two's complement does on the
  // chip (a signed left shift of a negative value is undefined in C++17).
  return int64_t(uint64_t(a) << e);
}

int64_t shiftBy(int64_t a, int e) { return e >= 0 ? shiftLeft(a, e) : a >> -e; }

void stepLif(const LifParams &params, const std::vector<int32_t> &input,
             LifState &state, std::vector<uint8_t> &spikes) {
  const size_t size = state.v.size();
  const int64_t uFactor = (int64_t(1) << kDecayShift) - (params.du + 1);
  const int64_t vFactor = (int64_t(1) << kDecayShift) - params.dv;
  const int64_t threshold = int64_t(params.vth) << kThresholdShift;
  spikes.assign(size, 0);
  for (size_t i = 0; i < size; ++i) {
    // The current: decay, input in u units, one wrap into 24 bits.
    int64_t u =
        decay(state.u[i], uFactor) + shiftLeft(input[i], kActivationShift);
    if (u > kHalfRange)
      u -= 2 * kHalfRange;
    else if (u <= -kHalfRange)
      u += 2 * kHalfRange;
    state.u[i] = int32_t(u);
    // The voltage: decay, plus the new current and the bias, saturated.
    int64_t bias =
        params.biasMant.empty()
            ? 0
            : shiftBy(params.biasMant[i],
                      params.biasExp.empty() ? 0 : params.biasExp[i]);
    int64_t v = decay(state.v[i], vFactor) + u + bias;
    v = std::clamp(v, -kHalfRange + 1, kHalfRange - 1);
    if (v > threshold) {
      spikes[i] = 1;
      v = 0;
    }
    state.v[i] = int32_t(v);
  }
}

SignMode signModeOf(const std::vector<int32_t> &weights) {
  bool negative = false, positive = false;
  for (int32_t w : weights) {
    negative |= w < 0;
    positive |= w > 0;
  }
  if (!negative)
    return SignMode::Excitatory;
  return positive ? SignMode::Mixed : SignMode::Inhibitory;
}

std::vector<int32_t> prepareWeights(std::vector<int32_t> weights, SignMode mode,
                                    int weightBits) {
  const bool mixed = mode == SignMode::Mixed;
  const bool inhibitory = mode == SignMode::Inhibitory;
  const int64_t low = mixed ? -256 : 0, high = 255;
  const int dropped = 8 - weightBits + (mixed ? 1 : 0);
  for (int32_t &w : weights) {
    int64_t x = inhibitory ? -int64_t(w) : w;
    x = std::clamp(x, low, high);
    x = shiftLeft(x >> dropped, dropped); // Rounds toward -infinity.
    w = int32_t(inhibitory ? -x : x);
  }
  return weights;
}

StatusOr<Dense> Dense::create(std::vector<int32_t> weights, size_t post,
                              size_t pre, int weightBits, int weightExp,
                              std::optional<SignMode> mode) {
  if (weights.size() != post * pre)
    return Status::error("Dense: " + std::to_string(weights.size()) +
                         " weights for " + std::to_string(post) + " x " +
                         std::to_string(pre));
  if (weightBits < 1 || weightBits > 8)
    return Status::error("Dense: num_weight_bits must be in [1, 8], got " +
                         std::to_string(weightBits));
  if (weightExp < -8 || weightExp > 7)
    return Status::error("Dense: weight_exp must be in [-8, 7], got " +
                         std::to_string(weightExp));
  Dense dense;
  SignMode sign = mode ? *mode : signModeOf(weights);
  dense.weights_ = prepareWeights(std::move(weights), sign, weightBits);
  dense.buffer_.assign(post, 0);
  dense.post_ = post;
  dense.pre_ = pre;
  dense.weightExp_ = weightExp;
  return dense;
}

std::vector<int32_t> denseSum(const std::vector<int32_t> &weights, size_t post,
                              size_t pre, int weightExp,
                              const std::vector<uint8_t> &spikes) {
  std::vector<int32_t> out(post, 0);
  for (size_t i = 0; i < post; ++i) {
    int64_t sum = 0;
    for (size_t j = 0; j < pre; ++j)
      if (spikes[j])
        sum += weights[i * pre + j];
    out[i] = int32_t(shiftBy(sum, weightExp));
  }
  return out;
}

std::vector<int32_t> Dense::step(const std::vector<uint8_t> &spikes) {
  std::vector<int32_t> delivered = std::move(buffer_);
  buffer_ = denseSum(weights_, post_, pre_, weightExp_, spikes);
  return delivered;
}

} // namespace engram::runtime::loihi

//===- LoihiFixed.h - Loihi fixed-point LIF and Dense -----------*- C++ -*-===//
//
// The integer neuron and synapse models of the spiking simulator's
// fixed-point mode. They follow Lava's bit-accurate models (lava-nc/lava:
// PyLifModelBitAcc in src/lava/proc/lif/models.py, PyDenseModelBitAcc in
// src/lava/proc/dense/models.py, weight handling in
// src/lava/utils/weightutils.py) bit for bit; docs/loihi-fixed-point.md
// states every rule and where it comes from.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_LOIHIFIXED_H
#define ENGRAM_RUNTIME_LOIHIFIXED_H

#include "runtime/Status.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace engram::runtime::loihi {

/// Bits of the current u and voltage v.
inline constexpr int kStateBits = 24;
/// Decays are multiplications by (4096 - d) / 4096.
inline constexpr int kDecayShift = 12;
/// Synaptic input and the threshold are scaled by 2^6 into u/v units.
inline constexpr int kActivationShift = 6;
inline constexpr int kThresholdShift = 6;

/// A population of current-based LIF neurons, Loihi fixed point.
struct LifParams {
  /// Current and voltage decay, 0..4095 (u decays by (4095 - du) / 4096,
  /// v by (4096 - dv) / 4096).
  int du = 0, dv = 0;
  /// Threshold mantissa; a neuron spikes when v > vth · 2^6.
  int32_t vth = 10;
  /// Per-neuron bias mantissa (13 signed bits) and exponent (-7..7):
  /// bias = biasMant << biasExp, or >> -biasExp (rounding down). Empty:
  /// no bias.
  std::vector<int32_t> biasMant;
  std::vector<int32_t> biasExp;

  /// Checks the ranges above for a population of `size` neurons.
  Status validate(size_t size) const;
};

/// The state of a population: current u and voltage v, both 24-bit.
struct LifState {
  std::vector<int32_t> u, v;
  explicit LifState(size_t size = 0) : u(size, 0), v(size, 0) {}
};

/// One time step: u decays and takes `input` (the synaptic sum, in weight
/// units), v decays and takes u and the bias, neurons above threshold set
/// `spikes` and reset v to 0 (u keeps its value).
void stepLif(const LifParams &params, const std::vector<int32_t> &input,
             LifState &state, std::vector<uint8_t> &spikes);

/// a << e for e >= 0, a >> -e (arithmetic, rounding down) otherwise: how
/// Loihi applies weight and bias exponents.
int64_t shiftBy(int64_t a, int e);

/// a · 2^e for e >= 0, wrapping as two's complement (defined for negative a).
int64_t shiftLeft(int64_t a, int e);

/// How the weights of a projection are signed (Lava's SignMode).
enum class SignMode { Mixed, Excitatory, Inhibitory };

/// Excitatory when no weight is negative (all zeros included), inhibitory
/// when none is positive, mixed otherwise.
SignMode signModeOf(const std::vector<int32_t> &weights);

/// The weights a Dense projection uses: clipped to 8 bits of magnitude
/// ([0, 255], or [-256, 255] when mixed) and truncated to `weightBits`
/// (the lowest 8 - weightBits bits cleared, one more when mixed).
std::vector<int32_t> prepareWeights(std::vector<int32_t> weights, SignMode mode,
                                    int weightBits);

/// What a Dense projection sends for binary `spikes`: per post neuron,
/// (Σ_j w_ij·s_j) << weightExp, or >> -weightExp (rounding down); `weights`
/// post-major (`post` rows of `pre`), already prepared.
std::vector<int32_t> denseSum(const std::vector<int32_t> &weights, size_t post,
                              size_t pre, int weightExp,
                              const std::vector<uint8_t> &spikes);

/// A dense projection `post × pre` with the one-step delay of Loihi: the
/// sum of the spikes received at step t reaches the post neurons at t+1.
class Dense {
public:
  /// `weights` post-major (`post` rows of `pre`), already integers.
  static StatusOr<Dense> create(std::vector<int32_t> weights, size_t post,
                                size_t pre, int weightBits, int weightExp,
                                std::optional<SignMode> mode = std::nullopt);

  /// Delivers the sum buffered at the previous step and buffers the sum of
  /// `spikes` (binary) for the next one: (Σ w·s) << weightExp, or >>
  /// -weightExp (rounding down).
  std::vector<int32_t> step(const std::vector<uint8_t> &spikes);

  const std::vector<int32_t> &weights() const { return weights_; }

private:
  Dense() = default;
  std::vector<int32_t> weights_, buffer_;
  size_t post_ = 0, pre_ = 0;
  int weightExp_ = 0;
};

} // namespace engram::runtime::loihi

#endif // ENGRAM_RUNTIME_LOIHIFIXED_H

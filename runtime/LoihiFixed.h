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
#include "spiking/LoihiRanges.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace engram::runtime::loihi {

// The ranges of Loihi's fixed-point LIF (spiking/LoihiRanges.h).
using spiking::loihi::kActivationShift;
using spiking::loihi::kDecayShift;
using spiking::loihi::kStateBits;
using spiking::loihi::kThresholdShift;
using spiking::loihi::LifParams;

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

//===- LoihiRanges.h - the ranges of Loihi's fixed-point LIF ----*- C++ -*-===//
//
// The parameters of a population of Loihi 2 fixed-point LIF neurons and the
// ranges the chip allows, shared by the snn dialect (the loihi2 profile's
// verifier) and the simulator (runtime/LoihiFixed.h, which steps them).
// docs/loihi-fixed-point.md says where each range comes from.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_SPIKING_LOIHIRANGES_H
#define ENGRAM_SPIKING_LOIHIRANGES_H

#include "runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace engram::spiking::loihi {

using runtime::Status;

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

} // namespace engram::spiking::loihi

#endif // ENGRAM_SPIKING_LOIHIRANGES_H

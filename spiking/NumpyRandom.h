//===- NumpyRandom.h - numpy's default generator, for Lava's rounding -----===//
//
// Lava's bit-approximate learning engine rounds learned weights
// stochastically with numbers from numpy's default generator
// (np.random.default_rng(seed): SeedSequence feeding PCG64, XSL-RR output),
// drawing one per learning epoch from a fixed seed. engram's simulator
// draws the same numbers so that a Lava export learns in engram-run exactly
// as in Lava. This is an implementation of those published algorithms
// (O'Neill's PCG, numpy's SeedSequence), not a general random library.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_SPIKING_NUMPYRANDOM_H
#define ENGRAM_SPIKING_NUMPYRANDOM_H

#include <cstdint>

namespace engram::spiking {

/// numpy's PCG64 bit generator as np.random.default_rng(seed) seeds it.
class NumpyPcg64 {
public:
  /// default_rng(seed) for a seed below 2^32.
  explicit NumpyPcg64(uint32_t seed);
  /// The next 64 random bits (PCG64's next_uint64).
  uint64_t next64();
  /// Generator.random(): the next double in [0, 1), 53 bits.
  double uniform() { return double(next64() >> 11) * 0x1.0p-53; }

private:
  void step();
  unsigned __int128 state_ = 0, inc_ = 0;
};

} // namespace engram::spiking

#endif // ENGRAM_SPIKING_NUMPYRANDOM_H

//===- NumpyRandom.cpp - numpy's SeedSequence and PCG64 -------------------===//

#include "spiking/NumpyRandom.h"

#include <array>

namespace engram::spiking {
namespace {

// SeedSequence's hashing constants (numpy/random/bit_generator.pyx).
constexpr uint32_t kInitA = 0x43b0d7e5, kMultA = 0x931e8875;
constexpr uint32_t kInitB = 0x8b51f9dd, kMultB = 0x58f38ded;
constexpr uint32_t kMixMultL = 0xca01f9dd, kMixMultR = 0x4973f715;
constexpr int kXShift = 16;
constexpr int kPoolSize = 4;

uint32_t hashMix(uint32_t value, uint32_t &hashConst) {
  value ^= hashConst;
  hashConst *= kMultA;
  value *= hashConst;
  return value ^ (value >> kXShift);
}

uint32_t mix(uint32_t x, uint32_t y) {
  uint32_t result = kMixMultL * x - kMixMultR * y;
  return result ^ (result >> kXShift);
}

/// SeedSequence(seed).generate_state(4, uint64) as 8 little-endian words.
std::array<uint32_t, 8> seedState(uint32_t seed) {
  std::array<uint32_t, kPoolSize> pool{};
  uint32_t hashConst = kInitA;
  for (int i = 0; i < kPoolSize; ++i)
    pool[i] = hashMix(i == 0 ? seed : 0, hashConst);
  for (int src = 0; src < kPoolSize; ++src)
    for (int dst = 0; dst < kPoolSize; ++dst)
      if (src != dst)
        pool[dst] = mix(pool[dst], hashMix(pool[src], hashConst));
  std::array<uint32_t, 8> words{};
  uint32_t hashB = kInitB;
  for (int i = 0; i < 8; ++i) {
    uint32_t value = pool[i % kPoolSize] ^ hashB;
    hashB *= kMultB;
    value *= hashB;
    words[i] = value ^ (value >> kXShift);
  }
  return words;
}

unsigned __int128 pair(uint64_t high, uint64_t low) {
  return (static_cast<unsigned __int128>(high) << 64) | low;
}

} // namespace

NumpyPcg64::NumpyPcg64(uint32_t seed) {
  std::array<uint32_t, 8> w = seedState(seed);
  auto word64 = [&](int i) {
    return uint64_t(w[2 * i]) | uint64_t(w[2 * i + 1]) << 32;
  };
  // PCG64's set_seed: state from words 0-1, increment from 2-3 (high first).
  unsigned __int128 initState = pair(word64(0), word64(1));
  unsigned __int128 initSeq = pair(word64(2), word64(3));
  state_ = 0;
  inc_ = (initSeq << 1) | 1;
  step();
  state_ += initState;
  step();
}

void NumpyPcg64::step() {
  const unsigned __int128 multiplier =
      pair(0x2360ed051fc65da4ULL, 0x4385df649fccf645ULL);
  state_ = state_ * multiplier + inc_;
}

uint64_t NumpyPcg64::next64() {
  step();
  uint64_t folded = uint64_t(state_ >> 64) ^ uint64_t(state_);
  unsigned rotation = unsigned(state_ >> 122);
  return (folded >> rotation) | (folded << ((64 - rotation) & 63));
}

} // namespace engram::spiking

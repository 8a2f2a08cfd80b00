//===- fma_peak.cpp - measures the single-core float32 FMA peak -----------===//
//
// Runs independent chains of vector FMAs (enough to cover the FMA latency of
// every current x86 core) on one thread and prints GFLOP/s, counting an FMA
// as 2 FLOP per lane. Built with -march=native, so it measures the widest
// vectors the host has: the peak that bench/cpu_bench.py compares against.
//
//===----------------------------------------------------------------------===//

#include <chrono>
#include <cstdio>

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif

typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

constexpr int kChains = 16;

/// `iterations` × kChains FMAs per lane; the result keeps them alive.
__attribute__((noinline)) float run(long iterations, float a, float b) {
  Vec acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = Vec{} + (float)i;
  Vec va = Vec{} + a, vb = Vec{} + b;
  for (long it = 0; it < iterations; ++it) {
#pragma clang loop unroll(full)
    for (int i = 0; i < kChains; ++i)
      acc[i] = acc[i] * va + vb; // contracted into an FMA
    // Keep the compiler from folding or shortening the chains.
#pragma clang loop unroll(full)
    for (int i = 0; i < kChains; ++i)
      asm volatile("" : "+v"(acc[i]));
  }
  Vec sum = Vec{};
  for (int i = 0; i < kChains; ++i)
    sum += acc[i];
  float total = 0;
  for (int l = 0; l < kLanes; ++l)
    total += sum[l];
  return total;
}

int main() {
  using Clock = std::chrono::steady_clock;
  const long iterations = 200'000'000 / kChains;
  double best = 0;
  float sink = 0;
  for (int repeat = 0; repeat < 5; ++repeat) {
    auto start = Clock::now();
    sink += run(iterations, 0.999999f, 1e-7f);
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    double gflops = 2.0 * kLanes * kChains * iterations / seconds / 1e9;
    best = gflops > best ? gflops : best;
  }
  std::printf("fma peak: %.1f GFLOP/s (float32, %d lanes, one core)%s\n", best,
              kLanes, sink == 12345.0f ? " " : "");
  return 0;
}

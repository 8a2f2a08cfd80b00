//===- KernelsTest.cpp - properties of the step kernels -------------------===//
//
// Invariants that follow from the equations, independent of the PyTorch
// comparison: softmax rows sum to one, the trace stays in [-c, c], layer norm
// standardizes, shared and per-sequence traces agree for one sequence.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels.h"

#include "TestModels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

using namespace engram::runtime;

namespace {

Tensor<double> random(std::vector<int64_t> shape, unsigned seed, double lo,
                      double hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> value(lo, hi);
  Tensor<double> t(std::move(shape));
  for (double &v : t.data)
    v = value(rng);
  return t;
}

TEST(Kernels, RecallWeightsAreADistribution) {
  auto z = random({4, 6}, 1, -1, 1);
  auto memory = random({5, 6}, 2, -0.2, 0.2);
  auto trace = random({4, 5, 6}, 3, -0.1, 0.1);
  RecallResult<double> r = recall(z, memory, trace, 0.5, 0.75);
  for (int64_t b = 0; b < 4; ++b) {
    double sum = 0;
    for (int64_t i = 0; i < 5; ++i) {
      double a = r.weights.data[b * 5 + i];
      EXPECT_GT(a, 0.0);
      sum += a;
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
}

TEST(Kernels, RecallOfAZeroQueryIsUniform) {
  // relu can zero the encoding; the 1e-12 norm floor keeps the cosine at 0.
  Tensor<double> z({2, 6});
  auto memory = random({5, 6}, 2, -0.2, 0.2);
  Tensor<double> trace({5, 6});
  RecallResult<double> r = recall(z, memory, trace, 0.5, 0.75);
  for (double a : r.weights.data)
    EXPECT_NEAR(a, 0.2, 1e-12);
}

TEST(Kernels, HebbianUpdateStaysClipped) {
  auto trace = random({3, 4, 5}, 4, -0.1, 0.1);
  auto a = random({3, 4}, 5, 0, 1);
  auto z = random({3, 5}, 6, -30, 30);
  Tensor<double> next = hebbianUpdate(trace, a, z, 0.5, 0.1);
  double largest = 0;
  for (double v : next.data) {
    EXPECT_LE(std::abs(v), 0.1);
    largest = std::max(largest, std::abs(v));
  }
  EXPECT_DOUBLE_EQ(largest, 0.1); // The update is large enough to saturate.
}

TEST(Kernels, HebbianUpdateIsTheDecayedOuterProduct) {
  Tensor<double> trace({1, 2, 2});
  trace.data = {0.02, -0.02, 0.04, 0.0};
  Tensor<double> a({1, 2});
  a.data = {0.25, 0.75};
  Tensor<double> z({1, 2});
  z.data = {0.4, -0.2};
  Tensor<double> next = hebbianUpdate(trace, a, z, 0.1, 0.1);
  // (1 − η)·T + η·a_i·z_j
  EXPECT_NEAR(next.data[0], 0.9 * 0.02 + 0.1 * 0.25 * 0.4, 1e-15);
  EXPECT_NEAR(next.data[1], 0.9 * -0.02 + 0.1 * 0.25 * -0.2, 1e-15);
  EXPECT_NEAR(next.data[2], 0.9 * 0.04 + 0.1 * 0.75 * 0.4, 1e-15);
  EXPECT_NEAR(next.data[3], 0.1 * 0.75 * -0.2, 1e-15);
}

TEST(Kernels, SharedTraceAveragesTheBatch) {
  Tensor<double> trace({2, 2});
  auto a = random({3, 2}, 7, 0, 1);
  auto z = random({3, 2}, 8, -0.1, 0.1);
  Tensor<double> next = hebbianUpdate(trace, a, z, 1.0, 10.0);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      double mean = 0;
      for (int b = 0; b < 3; ++b)
        mean += a.data[b * 2 + i] * z.data[b * 2 + j] / 3;
      EXPECT_NEAR(next.data[i * 2 + j], mean, 1e-15);
    }
}

TEST(Kernels, SharedAndPerSequenceAgreeForOneSequence) {
  auto z = random({1, 6}, 9, -1, 1);
  auto memory = random({5, 6}, 10, -0.2, 0.2);
  auto shared = random({5, 6}, 11, -0.1, 0.1);
  Tensor<double> perSequence = shared;
  perSequence.shape = {1, 5, 6};
  auto r1 = recall(z, memory, shared, 0.5, 0.75);
  auto r2 = recall(z, memory, perSequence, 0.5, 0.75);
  EXPECT_EQ(r1.weights.data, r2.weights.data);
  EXPECT_EQ(r1.recalled.data, r2.recalled.data);
  auto t1 = hebbianUpdate(shared, r1.weights, z, 0.05, 0.1);
  auto t2 = hebbianUpdate(perSequence, r2.weights, z, 0.05, 0.1);
  EXPECT_EQ(t1.data, t2.data);
}

TEST(Kernels, LayerNormStandardizes) {
  auto v = random({3, 9}, 12, -5, 5);
  Tensor<double> gamma({9}, 1.0), beta({9}, 0.0);
  Tensor<double> n = layerNorm(v, gamma, beta, 1e-6);
  for (int r = 0; r < 3; ++r) {
    double mean = 0, var = 0;
    for (int j = 0; j < 9; ++j)
      mean += n.data[r * 9 + j] / 9;
    for (int j = 0; j < 9; ++j)
      var += (n.data[r * 9 + j] - mean) * (n.data[r * 9 + j] - mean) / 9;
    EXPECT_NEAR(mean, 0.0, 1e-12);
    EXPECT_NEAR(var, 1.0, 1e-6);
  }
}

TEST(Kernels, PoolingOfConstantStates) {
  Tensor<double> states({2, 4, 3});
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 4; ++t)
      for (int64_t j = 0; j < 3; ++j)
        states.data[(b * 4 + t) * 3 + j] = b + 0.5 * j;
  auto kernel = random({3, 1}, 13, -1, 1);
  Tensor<double> bias({1}, 0.3);
  Tensor<double> attention = pool(Pooling::Attention, states, &kernel, &bias);
  Tensor<double> last = pool<double>(Pooling::Last, states, nullptr, nullptr);
  ASSERT_EQ(attention.shape, (std::vector<int64_t>{2, 3}));
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(attention.data[i], last.data[i], 1e-12);
  }
  EXPECT_EQ(pool<double>(Pooling::Sequence, states, nullptr, nullptr).data,
            states.data);
}

TEST(Kernels, SoftmaxReadoutRowsSumToOne) {
  auto v = random({2, 3, 4}, 14, -1, 1);
  auto kernel = random({4, 6}, 15, -1, 1);
  auto bias = random({6}, 16, -1, 1);
  Tensor<double> y = readout(v, kernel, bias, Activation::Softmax);
  ASSERT_EQ(y.shape, (std::vector<int64_t>{2, 3, 6}));
  for (int64_t r = 0; r < 6; ++r) {
    double sum = 0;
    for (int64_t c = 0; c < 6; ++c)
      sum += y.data[r * 6 + c];
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
}

TEST(Kernels, TopKOfEverySlotIsTheDenseRecall) {
  auto z = random({3, 6}, 12, -1, 1);
  auto memory = random({5, 6}, 13, -0.2, 0.2);
  auto trace = random({3, 5, 6}, 14, -0.1, 0.1);
  auto dense = recall(z, memory, trace, 0.5, 0.75);
  auto all = recall(z, memory, trace, 0.5, 0.75, /*topK=*/5);
  for (size_t i = 0; i < dense.weights.data.size(); ++i)
    EXPECT_NEAR(all.weights.data[i], dense.weights.data[i], 1e-15);
  for (size_t i = 0; i < dense.recalled.data.size(); ++i)
    EXPECT_NEAR(all.recalled.data[i], dense.recalled.data[i], 1e-15);
}

TEST(Kernels, TopKKeepsTheLargestLogitsAndRenormalizes) {
  auto z = random({4, 6}, 15, -1, 1);
  auto memory = random({7, 6}, 16, -0.2, 0.2);
  auto trace = random({4, 7, 6}, 17, -0.1, 0.1);
  auto dense = recall(z, memory, trace, 0.5, 0.75);
  auto top = recall(z, memory, trace, 0.5, 0.75, /*topK=*/3);
  for (int b = 0; b < 4; ++b) {
    // The kept slots are the 3 largest dense weights, rescaled by their sum.
    std::vector<double> row(dense.weights.data.begin() + b * 7,
                            dense.weights.data.begin() + (b + 1) * 7);
    std::vector<double> sorted = row;
    std::sort(sorted.rbegin(), sorted.rend());
    double kept = sorted[0] + sorted[1] + sorted[2];
    int nonzero = 0;
    for (int i = 0; i < 7; ++i) {
      double w = top.weights.data[b * 7 + i];
      if (row[i] >= sorted[2]) {
        EXPECT_NEAR(w, row[i] / kept, 1e-12);
        ++nonzero;
      } else {
        EXPECT_EQ(w, 0.0);
      }
    }
    EXPECT_EQ(nonzero, 3);
  }
}

TEST(Kernels, TraceQuantizationErrorIsAtMostHalfAStep) {
  for (int bits : {4, 8, 16}) {
    const int64_t q = (int64_t(1) << (bits - 1)) - 1;
    const double step = 0.1 / double(q);
    auto values = random({2, 5, 7}, 18 + bits, -0.1, 0.1);
    Tensor<double> ints = quantizeTrace(values, step, q);
    Tensor<double> back = dequantizeTrace(ints, step);
    for (size_t i = 0; i < values.data.size(); ++i) {
      EXPECT_EQ(ints.data[i], std::round(ints.data[i]));
      EXPECT_LE(std::abs(ints.data[i]), double(q));
      EXPECT_LE(std::abs(back.data[i] - values.data[i]), step / 2 + 1e-15)
          << bits << " bits, entry " << i;
    }
  }
}

TEST(Kernels, FixedHebbianUpdateTracksTheFloatUpdate) {
  // One fixed-point step differs from the float update rounded to the grid
  // by at most one step (decay rounding + increment rounding), and saturates
  // at ±Q exactly where the float update clips.
  const int64_t q = 127;
  const double step = 0.1 / double(q);
  auto values = random({2, 4, 6}, 30, -0.1, 0.1);
  auto a = random({2, 4}, 31, 0, 1);
  auto z = random({2, 6}, 32, -3, 3);
  Tensor<double> ints = quantizeTrace(values, step, q);
  Tensor<double> fixed = hebbianUpdateFixed(ints, a, z, 0.05, step, q);
  Tensor<double> exact =
      hebbianUpdate(dequantizeTrace(ints, step), a, z, 0.05, 0.1);
  for (size_t i = 0; i < fixed.data.size(); ++i) {
    EXPECT_LE(std::abs(fixed.data[i]), double(q));
    EXPECT_LE(std::abs(fixed.data[i] * step - exact.data[i]), step + 1e-12)
        << "entry " << i;
  }
}

} // namespace

/// The bfloat16 nearest to a float32, by the bit rule the CPU lowering
/// emits (add 0x7FFF plus the lowest kept bit, keep the high half): an
/// independent oracle for roundToBf16 on float32 inputs.
static float bf16ByBits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
  float rounded;
  std::memcpy(&rounded, &bits, 4);
  return rounded;
}

TEST(Kernels, Bf16RoundsToNearestEven) {
  using engram::runtime::roundToBf16;
  const double ulp = std::ldexp(1.0, -7);     // of a bfloat16 in [1, 2)
  EXPECT_EQ(roundToBf16(1.0 + ulp / 2), 1.0); // tie: even
  EXPECT_EQ(roundToBf16(1.0 + 3 * ulp / 2), 1.0 + 2 * ulp); // tie: even
  EXPECT_EQ(roundToBf16(1.0 + ulp / 2 + 1e-12), 1.0 + ulp); // above the tie
  EXPECT_EQ(roundToBf16(-0.1), -0.10009765625);
  EXPECT_EQ(roundToBf16(1.5 * std::ldexp(1.0, -133)), // subnormal tie
            std::ldexp(1.0, -132));
  EXPECT_EQ(roundToBf16(std::ldexp(1.0, -135)), 0.0);
  EXPECT_EQ(roundToBf16(0x1.ffp127), HUGE_VAL); // the top tie overflows
  EXPECT_EQ(roundToBf16(-0x1.fe8p127), -0x1.fep127);
  EXPECT_TRUE(std::isnan(roundToBf16(std::nan(""))));
  EXPECT_EQ(roundToBf16(-HUGE_VAL), -HUGE_VAL);
}

TEST(Kernels, Bf16AgreesWithTheBitRuleOnFloats) {
  uint32_t state = 12345;
  for (int i = 0; i < 200000; ++i) {
    state = state * 1664525u + 1013904223u;
    float v;
    std::memcpy(&v, &state, 4);
    if (!std::isfinite(v))
      continue;
    ASSERT_EQ(float(engram::runtime::roundToBf16(v)), bf16ByBits(v))
        << "bits 0x" << std::hex << state;
  }
}

TEST(Kernels, Bf16TraceHoldsRoundedValues) {
  engram::runtime::Tensor<double> t({2, 2});
  t.data = {0.1, -0.0333, 1e-40, 0.07};
  auto rounded = engram::runtime::roundTraceToBf16(t);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(rounded.data[i], engram::runtime::roundToBf16(t.data[i]));
    EXPECT_LE(std::abs(rounded.data[i] - t.data[i]),
              std::abs(t.data[i]) * std::ldexp(1.0, -8) +
                  std::ldexp(1.0, -134));
  }
}

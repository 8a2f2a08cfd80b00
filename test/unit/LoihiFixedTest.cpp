//===- LoihiFixedTest.cpp - the Loihi fixed-point LIF and Dense -----------===//
//
// Hand-computed traces of small networks, and the expected values of Lava's
// own tests of PyLifModelBitAcc and PyDenseModelBitAcc (tests/lava/proc/lif
// and tests/lava/proc/dense in lava-nc/lava), which the fixed-point mode must
// reproduce exactly.
//
//===----------------------------------------------------------------------===//

#include "runtime/LoihiFixed.h"

#include <gtest/gtest.h>

using namespace engram::runtime::loihi;

namespace {

/// v of one neuron over `steps` steps with input `input(t)` (t from 1).
template <typename Input>
std::vector<int32_t> voltages(const LifParams &params, int steps, Input input,
                              std::vector<int32_t> *currents = nullptr) {
  LifState state(1);
  std::vector<uint8_t> spikes;
  std::vector<int32_t> v;
  for (int t = 1; t <= steps; ++t) {
    stepLif(params, {input(t)}, state, spikes);
    v.push_back(state.v[0]);
    if (currents)
      currents->push_back(state.u[0]);
  }
  return v;
}

TEST(LoihiLif, VoltageDecayMatchesLava) {
  // Lava: a_in = 128 at the first step only, du = 0, dv = 2048.
  LifParams params;
  params.du = 0;
  params.dv = 2048;
  params.vth = 100000;
  auto v = voltages(params, 8, [](int t) { return t == 1 ? 128 : 0; });
  EXPECT_EQ(v, (std::vector<int32_t>{8192, 12286, 14331, 15351, 15859, 16111,
                                     16235, 16295}));
}

TEST(LoihiLif, CurrentDecaysByDuPlusOne) {
  // du = 2047: u halves every step, (4096 - 2048) / 4096; u_1 = 128 << 6.
  LifParams params;
  params.du = 2047;
  params.vth = 100000;
  std::vector<int32_t> u;
  voltages(params, 8, [](int t) { return t == 1 ? 128 : 0; }, &u);
  for (int j = 0; j < 8; ++j)
    EXPECT_EQ(u[j], 1 << (13 - j)) << "step " << j + 1;
  // du = 0 still decays: 8192 · 4095 / 4096 = 8190 (truncated).
  params.du = 0;
  u.clear();
  voltages(params, 2, [](int t) { return t == 1 ? 128 : 0; }, &u);
  EXPECT_EQ(u[1], 8190);
}

TEST(LoihiLif, StrictThresholdAndResetOfVOnly) {
  // Bias 128 per step, no decay, vth = 8 (512 in v units): v = 512 at step
  // 4 does not fire (strict >), 640 at step 5 does and resets to 0.
  LifParams params;
  params.dv = 0;
  params.vth = 8;
  params.biasMant = {128};
  params.biasExp = {0};
  LifState state(1);
  std::vector<uint8_t> spikes;
  std::vector<int> fired;
  for (int t = 1; t <= 10; ++t) {
    stepLif(params, {0}, state, spikes);
    if (spikes[0])
      fired.push_back(t);
    if (t == 4)
      EXPECT_EQ(state.v[0], 512);
  }
  EXPECT_EQ(fired, (std::vector<int>{5, 10}));
  // u is not reset by a spike.
  params.biasMant = {0};
  params.vth = 1;
  params.du = 4095; // u = input only.
  state = LifState(1);
  stepLif(params, {10}, state, spikes);
  EXPECT_EQ(spikes[0], 1);
  EXPECT_EQ(state.v[0], 0);
  EXPECT_EQ(state.u[0], 640);
}

TEST(LoihiLif, BiasIsShiftedByItsExponentOnly) {
  // Lava: bias_mant = 4095, bias_exp = 5 gives v = 4095 · 2^5 after a step.
  LifParams params;
  params.vth = 100000;
  params.biasMant = {4095, -5};
  params.biasExp = {5, -1};
  LifState state(2);
  std::vector<uint8_t> spikes;
  stepLif(params, {0, 0}, state, spikes);
  EXPECT_EQ(state.v[0], 4095 << 5);
  EXPECT_EQ(state.v[1], -3); // -5 >> 1 rounds down.
}

TEST(LoihiLif, CurrentWrapsAndVoltageSaturates) {
  LifParams params;
  params.du = 4095; // u = input << 6 each step.
  params.vth = (1 << 17) - 1;
  LifState state(2);
  state.u = {0, 0};
  std::vector<uint8_t> spikes;
  // 2^17 << 6 = 2^23 stays (the wrap is for > 2^23); 2^17 + 1 wraps.
  stepLif(params, {1 << 17, (1 << 17) + 1}, state, spikes);
  EXPECT_EQ(state.u[0], 1 << 23);
  const int32_t wrapped = ((1 << 17) + 1) * 64 - (1 << 24);
  EXPECT_EQ(state.u[1], wrapped);
  EXPECT_EQ(state.v[1], wrapped);
  // v (no decay) adds the wrapped current again and saturates at -(2^23 - 1).
  stepLif(params, {0, (1 << 17) + 1}, state, spikes);
  EXPECT_EQ(state.v[1], -(1 << 23) + 1);
  EXPECT_EQ(spikes[1], 0);
}

TEST(LoihiLif, ValidatesRanges) {
  LifParams params;
  params.du = 4096;
  EXPECT_FALSE(params.validate(1).ok());
  params.du = 0;
  params.biasMant = {1, 2};
  params.biasExp = {0, 0};
  EXPECT_FALSE(params.validate(1).ok());
  params.biasExp = {0};
  params.biasMant = {5000};
  EXPECT_FALSE(params.validate(1).ok());
  params.biasMant = {4095};
  EXPECT_TRUE(params.validate(1).ok());
  // A mantissa without its exponent, or the reverse, is refused.
  params.biasExp.clear();
  EXPECT_FALSE(params.validate(1).ok());
  params.biasMant.clear();
  params.biasExp = {0};
  EXPECT_FALSE(params.validate(1).ok());
  params.biasExp.clear();
  EXPECT_TRUE(params.validate(1).ok());
}

/// The a_out of a one-post Dense after one spike of every pre neuron.
std::vector<int32_t> response(std::vector<int32_t> weights, int bits, int exp,
                              std::optional<SignMode> mode = std::nullopt) {
  size_t n = weights.size();
  auto dense = Dense::create(std::move(weights), n, 1, bits, exp, mode);
  EXPECT_TRUE(dense.ok());
  std::vector<int32_t> out = dense->step({1});
  EXPECT_EQ(out, std::vector<int32_t>(n, 0)); // Nothing arrives yet.
  return dense->step({0});
}

TEST(LoihiDense, WeightsAsLavaPreparesThem) {
  // Lava's test values (float 0.5 is 0 once cast to an integer).
  EXPECT_EQ(response({0, 300, 40}, 8, 0), (std::vector<int32_t>{0, 255, 40}));
  EXPECT_EQ(response({300, -300, 39}, 8, 0),
            (std::vector<int32_t>{254, -256, 38}));
  EXPECT_EQ(response({300, -300, 39}, 8, 1),
            (std::vector<int32_t>{508, -512, 76}));
  EXPECT_EQ(response({300, -300, 39}, 7, 0),
            (std::vector<int32_t>{252, -256, 36}));
  // Inhibitory: the magnitude is clipped and truncated.
  EXPECT_EQ(response({-300, -37}, 6, 0), (std::vector<int32_t>{-252, -36}));
  // Mixed truncation rounds toward -infinity: -3 becomes -4.
  EXPECT_EQ(prepareWeights({-3, 3}, SignMode::Mixed, 8),
            (std::vector<int32_t>{-4, 2}));
}

TEST(LoihiDense, FanInSumThenExponentOneStepLater) {
  // Lava: fan-in of [300, -300, 39, 0] (mixed) is 254 - 256 + 38 = 36.
  auto dense = Dense::create({300, -300, 39, 0}, 1, 4, 8, 0);
  ASSERT_TRUE(dense.ok());
  EXPECT_EQ(dense->step({1, 1, 1, 1}), std::vector<int32_t>{0});
  EXPECT_EQ(dense->step({0, 0, 0, 0}), std::vector<int32_t>{36});
  EXPECT_EQ(dense->step({0, 0, 0, 0}), std::vector<int32_t>{0});
  // A negative exponent shifts the sum, rounding down: 36 >> 3 = 4, and
  // -37 (mixed: -38) >> 3 = -5.
  auto shifted = Dense::create({36, -37}, 2, 1, 8, -3);
  ASSERT_TRUE(shifted.ok());
  shifted->step({1});
  EXPECT_EQ(shifted->step({0}), (std::vector<int32_t>{4, -5}));
}

TEST(LoihiDense, RejectsBadShapesAndRanges) {
  EXPECT_FALSE(Dense::create({1, 2, 3}, 2, 2, 8, 0).ok());
  EXPECT_FALSE(Dense::create({1}, 1, 1, 0, 0).ok());
  EXPECT_FALSE(Dense::create({1}, 1, 1, 8, 9).ok());
}

TEST(LoihiNetwork, DenseIntoLifSpikesOneStepLater) {
  // pre spikes at t=1; Dense delivers 100 at t=2; the LIF (no decay of u by
  // input: du = 4095) sees u = 6400 > vth·64 = 6336 and fires at t=2.
  auto dense = Dense::create({100}, 1, 1, 8, 0);
  ASSERT_TRUE(dense.ok());
  LifParams params;
  params.du = 4095;
  params.dv = 4095;
  params.vth = 99;
  LifState state(1);
  std::vector<uint8_t> spikes;
  std::vector<int> fired;
  for (int t = 1; t <= 4; ++t) {
    std::vector<int32_t> input = dense->step({uint8_t(t == 1)});
    stepLif(params, input, state, spikes);
    if (spikes[0])
      fired.push_back(t);
  }
  EXPECT_EQ(fired, std::vector<int>{2});
}

} // namespace

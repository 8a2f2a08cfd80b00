//===- SnnTest.cpp - the spiking-network simulator ------------------------===//
//
// Small networks whose events, weights and counters are computed by hand:
// delivery delays, the rate code, IF and LIF firing, the fixed-point mode
// against loihi::stepLif and loihi::Dense called step by step, learning
// rules, counters and decoding; then the rule parser and the checks.
//
//===----------------------------------------------------------------------===//

#include "runtime/Snn.h"
#include "spiking/NumpyRandom.h"

#include <cmath>

#include <gtest/gtest.h>

using namespace engram::runtime;
using namespace engram::runtime::snn;

namespace {

/// Whether `text` contains `part`, showing both when it does not.
::testing::AssertionResult contains(const std::string &text,
                                    const std::string &part) {
  if (text.find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "'" << text << "' does not contain '" << part << "'";
}

Population input(const std::string &name, size_t size, Encoding encoding,
                 size_t offset = 0) {
  Population p;
  p.name = name;
  p.kind = PopulationKind::Input;
  p.size = size;
  p.encoding = encoding;
  p.inputOffset = offset;
  p.gain.assign(size, 1);
  return p;
}

Population graded(const std::string &name, size_t size,
                  Activation activation = Activation::Relu,
                  std::vector<double> bias = {}) {
  Population p;
  p.name = name;
  p.kind = PopulationKind::Graded;
  p.size = size;
  p.activation = activation;
  p.bias = std::move(bias);
  return p;
}

Projection dense(size_t pre, size_t post, std::vector<int32_t> weights,
                 int weightExp = 0, int delay = 0) {
  Projection q;
  q.pre = pre;
  q.post = post;
  q.weights = std::move(weights);
  q.weightExp = weightExp;
  q.delay = delay;
  return q;
}

/// A rule parsed from `text`, every trace with impulse 1 and decay 1 (the
/// trace is the neuron's latest event).
LearningRule rule(const std::string &text) {
  LearningRule rule;
  rule.text = text;
  auto terms = parseRule(text);
  EXPECT_TRUE(terms.ok()) << terms.status().message();
  if (terms.ok())
    rule.terms = *terms;
  for (Trace *trace : {&rule.x1, &rule.x2, &rule.y1, &rule.y2, &rule.y3})
    *trace = {1, 1};
  return rule;
}

/// Runs one sequence and returns the record of population `p`, one entry
/// per timestep (the population has one neuron).
/// A source of `width` inputs → a linear graded population of the same
/// width through one dense projection, probed as its last value.
Network linearChain(size_t width, Encoding encoding,
                    std::vector<int32_t> weights, int weightExp,
                    int timesteps) {
  Network network;
  network.timesteps = timesteps;
  network.inputWidth = width;
  network.populations = {input("in", width, encoding),
                         graded("out", width, Activation::Linear)};
  network.projections = {dense(0, 1, std::move(weights), weightExp)};
  network.output.population = 1;
  network.output.decode = Decode::Last;
  return network;
}

std::vector<float> recordOf(const Network &network, const std::vector<float> &x,
                            size_t steps, size_t p, bool fixedPoint = false) {
  RunOptions options;
  options.record = true;
  options.fixedPoint = fixedPoint;
  auto result = run(network, x.data(), 1, steps, options);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? result->record[p] : std::vector<float>();
}

/// The timesteps at which a one-neuron record has an event.
std::vector<int> eventTimes(const std::vector<float> &record) {
  std::vector<int> times;
  for (size_t t = 0; t < record.size(); ++t)
    if (record[t] != 0)
      times.push_back(int(t));
  return times;
}

TEST(SnnTest, GradedValueArrivesOneTimestepLaterAndDelayShiftsIt) {
  // (4·2 − 1·3)·2^-2 = 1.25 to neuron 0, −1.25 to neuron 1, from the input
  // of step 0 only; relu clears the negative value, linear keeps it.
  for (int delay : {0, 2}) {
    Network network;
    network.timesteps = 1;
    network.inputWidth = 2;
    network.populations = {input("in", 2, Encoding::Graded),
                           graded("relu", 2, Activation::Relu),
                           graded("linear", 2, Activation::Linear)};
    network.projections = {dense(0, 1, {4, -1, -4, 1}, -2, delay),
                           dense(0, 2, {4, -1, -4, 1}, -2, delay)};
    network.output.population = 1;
    const std::vector<float> x = {2, 3, 0, 0, 0, 0, 0, 0, 0, 0};
    RunOptions options;
    options.record = true;
    auto result = run(network, x.data(), 1, 5, options);
    ASSERT_TRUE(result.ok()) << result.status().message();
    const size_t arrival = 1 + size_t(delay);
    for (size_t t = 0; t < 5; ++t) {
      const bool due = t == arrival;
      EXPECT_EQ(result->record[1][2 * t], due ? 1.25f : 0) << t;
      EXPECT_EQ(result->record[1][2 * t + 1], 0) << t;
      EXPECT_EQ(result->record[2][2 * t], due ? 1.25f : 0) << t;
      EXPECT_EQ(result->record[2][2 * t + 1], due ? -1.25f : 0) << t;
    }
  }
}

TEST(SnnTest, LatencyZeroDeliversWithinTheTimestepInOrder) {
  // NIR's semantics: in -> a -> b with latency 0, the value reaching b in
  // the timestep it enters; a delay of 2 then shifts it by 2, not 3. In
  // fixed point alike.
  for (bool fixedPoint : {false, true})
    for (int delay : {0, 2}) {
      Network network;
      network.timesteps = 1;
      network.inputWidth = 1;
      network.populations = {input("in", 1, Encoding::Graded),
                             graded("a", 1, Activation::Linear),
                             graded("b", 1, Activation::Linear)};
      network.projections = {dense(0, 1, {3}, -1), dense(1, 2, {2}, 0, delay)};
      for (Projection &q : network.projections)
        q.latency = 0;
      network.output.population = 2;
      const std::vector<float> x = {1, 0, 0, 0, 0};
      std::vector<float> a = recordOf(network, x, 5, 1, fixedPoint);
      std::vector<float> b = recordOf(network, x, 5, 2, fixedPoint);
      EXPECT_EQ(eventTimes(a), (std::vector<int>{0}));
      EXPECT_EQ(eventTimes(b), (std::vector<int>{delay}));
      EXPECT_EQ(a[0], 1.5f);
      EXPECT_EQ(b[size_t(delay)], 3.0f);
    }
}

TEST(SnnTest, LatencyZeroNeedsItsPreFirstUnlessDelayed) {
  Network network;
  network.timesteps = 1;
  network.inputWidth = 1;
  network.populations = {input("in", 1, Encoding::Graded),
                         graded("b", 1, Activation::Linear),
                         graded("a", 1, Activation::Linear)};
  network.projections = {dense(0, 2, {1}), dense(2, 1, {1})};
  network.projections[0].latency = 0;
  network.projections[1].latency = 0;
  network.output.population = 1;
  Status status = network.validate();
  EXPECT_TRUE(contains(status.message(), "projection 1 (a -> b) delivers "
                                         "within its timestep"));
  network.projections[1].delay = 1; // then the order does not matter
  EXPECT_TRUE(network.validate().ok()) << network.validate().message();
  network.projections[1].latency = 2;
  EXPECT_TRUE(contains(network.validate().message(), "latency of 0 or 1"));
}

TEST(SnnTest, RateInputSpikesAtHandComputedTimesteps) {
  // 0.3 from an accumulator at 0.5: 0.8, 1.1 (spike), 0.4, 0.7, 1.0
  // (spike), 0.3, 0.6, 0.9, 1.2 (spike), 0.5. 1.7 is clipped to 1 (a spike
  // every timestep), −0.2 to 0 (none).
  Network network;
  network.timesteps = 10;
  network.inputWidth = 3;
  network.populations = {input("in", 3, Encoding::Rate)};
  const std::vector<float> x = {0.3f, 1.7f, -0.2f, 0.3f, 1.7f, -0.2f};
  RunOptions options;
  options.record = true;
  auto result = run(network, x.data(), 2, 1, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  for (size_t b = 0; b < 2; ++b) {
    std::vector<int> fired[3];
    for (int t = 0; t < 10; ++t)
      for (int i = 0; i < 3; ++i)
        if (result->record[0][(b * 10 + t) * 3 + i] != 0)
          fired[i].push_back(t);
    EXPECT_EQ(fired[0], (std::vector<int>{1, 4, 8})) << "sequence " << b;
    EXPECT_EQ(fired[1].size(), 10u);
    EXPECT_TRUE(fired[2].empty());
    EXPECT_FLOAT_EQ(result->output[b * 3], 0.3f);
    EXPECT_FLOAT_EQ(result->output[b * 3 + 1], 1.0f);
  }
}

/// One neuron of `kind` driven by its bias alone, over 12 timesteps.
std::vector<int> firingTimes(Population neuron) {
  neuron.name = "n";
  neuron.size = 1;
  Network network;
  network.timesteps = 12;
  network.populations = {neuron};
  const float unused = 0;
  RunOptions options;
  options.record = true;
  auto result = run(network, &unused, 1, 1, options);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? eventTimes(result->record[0]) : std::vector<int>();
}

TEST(SnnTest, IfResetBySubtractionAndToZero) {
  // v += 0.375: 0.375, 0.75, 1.125 (spike) → 0.125, 0.5, 0.875, 1.25 (spike)
  // → 0.25, 0.625, 1.0 (spike, v ≥ vth) → 0, ...
  Population neuron;
  neuron.kind = PopulationKind::If;
  neuron.bias = {0.375};
  neuron.vth = 1;
  EXPECT_EQ(firingTimes(neuron), (std::vector<int>{2, 5, 7, 10}));
  // Reset to zero: a spike every third timestep.
  neuron.resetSubtract = false;
  EXPECT_EQ(firingTimes(neuron), (std::vector<int>{2, 5, 8, 11}));
}

TEST(SnnTest, LifFiresAboveThresholdOnly) {
  // du = 1 (u = input = 0), dv = 0: v = 0.25 (t + 1) reaches 1.0 at t = 3
  // without firing (strict), fires at 1.25, resets to 0.
  Population neuron;
  neuron.kind = PopulationKind::Lif;
  neuron.du = 1;
  neuron.dv = 0;
  neuron.bias = {0.25};
  neuron.vth = 1;
  EXPECT_EQ(firingTimes(neuron), (std::vector<int>{4, 9}));
  // dv = 0.5: v → 0.5 from below, never above vth = 0.5.
  neuron.dv = 0.5;
  neuron.vth = 0.5;
  EXPECT_TRUE(firingTimes(neuron).empty());
}

TEST(SnnTest, LifResetsToVReset) {
  // du = 1, dv = 0, bias 0.25: v = 0.25, 0.5, 0.75, 1.0, 1.25 (spike) ->
  // 0.5, then 0.75, 1.0, 1.25 (spike) -> 0.5 every third timestep.
  Population neuron;
  neuron.kind = PopulationKind::Lif;
  neuron.du = 1;
  neuron.dv = 0;
  neuron.bias = {0.25};
  neuron.vReset = {0.5};
  EXPECT_EQ(firingTimes(neuron), (std::vector<int>{4, 7, 10}));
  neuron.vReset = {1.5};
  neuron.name = "n";
  neuron.size = 1;
  Network network;
  network.populations = {neuron};
  EXPECT_TRUE(contains(network.validate().message(), "v_reset below vth"));
}

/// in (rate 0.25) → Dense (100) → one LifFixed neuron, 5 steps of 10.
Network fixedNetwork(const loihi::LifParams &params) {
  Population lif;
  lif.name = "lif";
  lif.kind = PopulationKind::LifFixed;
  lif.size = 1;
  lif.fixed = params;
  Network network;
  network.timesteps = 10;
  network.inputWidth = 1;
  network.populations = {input("in", 1, Encoding::Rate), lif};
  network.projections = {dense(0, 1, {100})};
  network.output.population = 1;
  return network;
}

TEST(SnnTest, FixedPointReproducesStepLifAndDenseByHand) {
  loihi::LifParams params;
  params.du = 1000;
  params.dv = 500;
  params.vth = 400;
  params.biasMant = {3};
  params.biasExp = {2};
  const Network network = fixedNetwork(params);
  const std::vector<float> x(5, 0.25f);
  std::vector<float> in = recordOf(network, x, 5, 0, /*fixedPoint=*/true);
  std::vector<float> out = recordOf(network, x, 5, 1, /*fixedPoint=*/true);
  ASSERT_EQ(out.size(), 50u);
  // The rate code of 0.25 from 0.5 spikes at t = 1, 5, 9, ...
  auto dense = loihi::Dense::create({100}, 1, 1, 8, 0);
  ASSERT_TRUE(dense.ok());
  loihi::LifState state(1);
  std::vector<uint8_t> spikes;
  int count = 0;
  for (int t = 0; t < 50; ++t) {
    const uint8_t s = t % 4 == 1;
    EXPECT_EQ(in[t], s) << "timestep " << t;
    loihi::stepLif(params, dense->step({s}), state, spikes);
    EXPECT_EQ(out[t], spikes[0]) << "timestep " << t;
    count += spikes[0];
  }
  // At 8, 14, 19, 25, 30, 35, 41 and 46: the intervals depend on v.
  EXPECT_EQ(count, 8);
  // The float equations stay close: the same number of spikes.
  std::vector<float> floatOut = recordOf(network, x, 5, 1);
  EXPECT_EQ(int(eventTimes(floatOut).size()), count);
}

TEST(SnnTest, FixedPointRoundsPlasticWeightsToNearest) {
  // The pre spikes every timestep and w grows by 0.375 after each send:
  // 10, 10.375, 10.75, 11.125, 11.5 round to 10, 10, 11, 11, 12. With
  // du = dv = 4095 the neuron fires when its input exceeds vth = 11, so at
  // t = 5 first (truncating would give t = 7).
  loihi::LifParams params;
  params.du = 4095;
  params.dv = 4095;
  params.vth = 11;
  Network network = fixedNetwork(params);
  network.timesteps = 8;
  network.projections[0].weights = {10};
  network.projections[0].rule = rule("dw = 0.375*x0");
  const std::vector<float> x = {1};
  EXPECT_EQ(eventTimes(recordOf(network, x, 1, 1, /*fixedPoint=*/true)),
            (std::vector<int>{5, 6, 7}));
}

TEST(SnnTest, FixedPointRejectsFloatNeurons) {
  loihi::LifParams params;
  Network network = fixedNetwork(params);
  const std::vector<float> x = {0.5f};
  RunOptions options;
  options.fixedPoint = true;
  EXPECT_TRUE(run(network, x.data(), 1, 1, options).ok());
  Population neuron;
  neuron.name = "if";
  neuron.kind = PopulationKind::If;
  neuron.size = 1;
  network.populations.push_back(neuron);
  auto result = run(network, x.data(), 1, 1, options);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(contains(result.status().message(),
                       "population 'if' (if) has no fixed-point form"));
  EXPECT_TRUE(run(network, x.data(), 1, 1, RunOptions()).ok());
}

TEST(SnnTest, FixedPointGradedPayloadsHaveTwelveFractionBits) {
  // x = 0.3 → payload round(0.3·4096) = 1229; through w = 3, exp = −1:
  // (3·1229) >> 1 = 1843, i.e. 1843/4096 instead of 0.45 in float.
  Network network = linearChain(1, Encoding::Graded, {3}, -1, 3);
  const std::vector<float> x = {0.3f};
  RunOptions options;
  options.fixedPoint = true;
  auto fixed = run(network, x.data(), 1, 1, options);
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_EQ(fixed->output[0], 1843.0f / 4096.0f);
  auto real = run(network, x.data(), 1, 1, RunOptions());
  ASSERT_TRUE(real.ok());
  EXPECT_NEAR(real->output[0], 0.45f, 1e-7);
  // Negative sums round down, as Dense's arithmetic shift does:
  // (−3·1229) >> 1 = −1844.
  network.projections[0].weights = {-3};
  fixed = run(network, x.data(), 1, 1, options);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->output[0], -1844.0f / 4096.0f);
}

/// pre (graded input) → post (graded, linear, bias `bias`) through one
/// plastic synapse of initial mantissa `w`.
Network plasticPair(const std::string &text, Encoding encoding, double bias,
                    int32_t w, int delay, int timesteps) {
  Network network;
  network.timesteps = timesteps;
  network.inputWidth = 2;
  network.populations = {input("pre", 1, encoding),
                         graded("post", 1, Activation::Linear, {bias})};
  network.projections = {dense(0, 1, {w}, 0, delay)};
  network.projections[0].rule = rule(text);
  network.output.population = 1;
  return network;
}

TEST(SnnTest, EpochRuleGrowsOncePerNetworkStepAndIsClipped) {
  // x = 0.5, y = 1 while nothing has arrived: the u term adds
  // 2^-2 · 0.5 · 1 = 0.125 at t = 1 (the end of step 0) only. With a delay
  // of 3 the post sees y_t = 1 + 0.5 · w(t − 4): w = 4 sent at t = 0 and
  // t = 1 (before learning), 4.125 at t = 2 and t = 3.
  Network network = plasticPair("dw = 2^-2*u*x1*y1", Encoding::Graded, 1, 4,
                                /*delay=*/3, /*timesteps=*/2);
  const std::vector<float> x = {0.5f, 0, 0.5f, 0, 0.5f, 0, 0.5f, 0};
  EXPECT_EQ(recordOf(network, x, 4, 1),
            (std::vector<float>{1, 1, 1, 1, 3, 3, 3.0625f, 3.0625f}));
  // Clipped at wMax: 4.0625 instead of 4.125.
  network.projections[0].wMax = 4.0625;
  EXPECT_EQ(recordOf(network, x, 4, 1)[6], 3.03125f);
  // A depressing rule clipped at wMin: 3.9.
  network = plasticPair("dw = -2^-2*u*x1*y1", Encoding::Graded, 1, 4, 3, 2);
  network.projections[0].wMin = 3.9;
  EXPECT_FLOAT_EQ(recordOf(network, x, 4, 1)[6], float(1 + 0.5 * 3.9));
}

TEST(SnnTest, TracesDecayAndTakeImpulses) {
  // pre sends 1 every timestep; x1 (decay 0.5) is 1, 1.5 at the end of
  // step 0 and 1.75, 1.875 at the end of step 1, which the u term adds to
  // w = 1: the post reads 1, 1, 2.5, 2.5, 4.375 one timestep later.
  Network network = plasticPair("dw = u*x1", Encoding::Graded, 0, 1, 0, 2);
  network.projections[0].rule->x1 = {1, 0.5};
  const std::vector<float> x = {1, 0, 1, 0, 1, 0};
  EXPECT_EQ(recordOf(network, x, 3, 1),
            (std::vector<float>{0, 1, 1, 2.5f, 2.5f, 4.375f}));
}

TEST(SnnTest, PreAndPostDependenciesLearnOnTheirEventsOnly) {
  // The rate-coded pre (0.5) spikes at even timesteps; the post (bias 0)
  // has an event one timestep after each. x0: w grows by 0.5 at each pre
  // spike after sending, so the post sees 1, 1.5, 2.
  const std::vector<float> x = {0.5f, 0, 0.5f, 0, 0.5f, 0,
                                0.5f, 0, 0.5f, 0, 0.5f, 0};
  Network network = plasticPair("dw = 0.5*x0", Encoding::Rate, 0, 1, 0, 1);
  EXPECT_EQ(recordOf(network, x, 6, 1),
            (std::vector<float>{0, 1, 0, 1.5f, 0, 2}));
  // y0: w grows by 0.25 at each post event, between the sends.
  network = plasticPair("dw = 0.25*y0", Encoding::Rate, 0, 1, 0, 1);
  EXPECT_EQ(recordOf(network, x, 6, 1),
            (std::vector<float>{0, 1, 0, 1.25f, 0, 1.5f}));
}

TEST(SnnTest, ThirdFactorDrivesY3) {
  // pre sends 1 every timestep; the third factor (0.5) adds 0.5 per epoch.
  Network network =
      plasticPair("dw = u*y3", Encoding::Graded, 0, 1, /*delay=*/0, 1);
  network.populations.push_back(input("reward", 1, Encoding::Graded, 1));
  network.projections[0].thirdFactor = 2;
  const std::vector<float> x = {1, 0.5f, 1, 0.5f, 1, 0.5f, 1, 0.5f};
  EXPECT_EQ(recordOf(network, x, 4, 1), (std::vector<float>{0, 1, 1.5f, 2}));
  // Without the third factor the network is rejected.
  network.projections[0].thirdFactor.reset();
  Status status = network.validate();
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(contains(status.message(), "projection 0 (pre -> post)"));
  EXPECT_TRUE(contains(status.message(), "uses y3"));
}

TEST(SnnTest, NumpyGeneratorMatchesNumpy) {
  // np.random.default_rng(2).random() four times, and
  // np.random.default_rng(12345).bit_generator.random_raw(), from numpy 1.24.
  engram::spiking::NumpyPcg64 two(2);
  for (double expected : {0.2616121342493164, 0.2984911434141233,
                          0.8142257405942803, 0.0919159421350969})
    EXPECT_EQ(two.uniform(), expected);
  EXPECT_EQ(engram::spiking::NumpyPcg64(12345).next64(),
            4193609425186963869ULL);
}

TEST(SnnTest, LoihiAccumulatorMatchesLava) {
  // Accumulators from Lava's LearningRuleApplierBitApprox (lava-nc b6822fb)
  // applied to w << 7 with x1_u, y3_u and the weight: factors clipped to
  // their widths, products shifted back to 15 bits and by e + 7, sums
  // saturated (the last case at -2^15 - 1).
  struct Case {
    const char *rule;
    int64_t w, x1, y3, accumulator;
  } cases[] = {
      {"dw = 3*2^-7*u*x1*y3 - 6*2^-7*u*w", 100, 50, 60, 13325},
      {"dw = 3*2^-7*u*x1*y3 - 6*2^-7*u*w", -37, 127, 127, 1534},
      {"dw = 7*2^3*u*x1*y3 - 1*2^0*u*w", 255, 127, 127, 127},
      {"dw = -5*2^-3*u*y3 + 2*2^-7*u*x1", -256, 3, -100, -24762},
      {"dw = 1*2^-7*u*x1*y3", 10, 200, -300, -752},
      {"dw = -8*2^8*u*w", 300, 0, 0, 5631},
  };
  namespace ll = engram::spiking::loihi_learning;
  for (const Case &c : cases) {
    auto terms = parseRule(c.rule);
    ASSERT_TRUE(terms.ok()) << c.rule;
    ASSERT_TRUE(ll::check(*terms).ok()) << c.rule;
    EXPECT_EQ(ll::accumulate(*terms, c.w, c.x1, c.y3), c.accumulator)
        << c.rule << " w=" << c.w << " x1=" << c.x1 << " y3=" << c.y3;
  }
  // Forms Lava's engine does not carry here.
  for (const char *text : {"dw = 2^-2*x0*x1", "dw = 2^-2*u*y1", "dw = 0.3*u*x1",
                           "dw = 2^-2*u*x1*x1"})
    EXPECT_FALSE(ll::check(*parseRule(text)).ok()) << text;
}

TEST(SnnTest, LearnsInLoihiIntegersWithLavasRounding) {
  // pre sends payload 100 (x1 = 50), the third factor 1200 (y3 = 1200 >> 4
  // = 75), every timestep an epoch. dw = 2^-7·((50·75) >> 3) = 468/128 =
  // 3.656 per epoch, rounded up where Lava's draw (default_rng(2): 0.2985,
  // 0.8142, 0.0919 for epochs 1..3) is below the fraction: w = 4, 7, 11.
  Network network = plasticPair("dw = 1*2^-7*u*x1*y3", Encoding::Graded, 0, 0,
                                /*delay=*/0, /*timesteps=*/1);
  network.populations.push_back(input("third", 1, Encoding::Graded, 1));
  network.projections[0].thirdFactor = 2;
  network.projections[0].y3Shift = 4;
  network.projections[0].wMin = -256;
  network.projections[0].wMax = 255;
  const float pre = 100.0f / 4096, third = 1200.0f / 4096;
  const std::vector<float> x = {pre, third, pre, third, pre, third,
                                pre, third, pre, third};
  const std::vector<float> expected = {0, 0, 4 * pre, 7 * pre, 11 * pre};
  EXPECT_EQ(recordOf(network, x, 5, 1, /*fixedPoint=*/true), expected);
  EXPECT_EQ(recordOf(network, x, 5, 1), expected);
  // Lava bounds the weights by its range only.
  network.projections[0].wMax = 100;
  Status status = network.validate();
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(contains(status.message(), "w_min = -256, w_max = 255"));
  network.projections[0].wMax = 255;
  network.projections[0].rule = rule("dw = 2^-2*u*y1*y3");
  status = network.validate();
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(contains(status.message(), "only x1, y3 and w"));
}

/// in (2) → mid (2) → out (1), graded, T = 3, two steps.
Network countingNetwork(Decode decode) {
  Network network;
  network.timesteps = 3;
  network.inputWidth = 2;
  network.populations = {input("in", 2, Encoding::Graded), graded("mid", 2),
                         graded("out", 1)};
  network.projections = {dense(0, 1, {1, 0, 2, 5}), dense(1, 2, {0, 3})};
  network.output = {2, decode, {0.5}, {1}};
  return network;
}

TEST(SnnTest, CountsEventsAndSynopsAndDecodes) {
  // Step 0 drives in[0] (t = 0..2), step 1 in[1] (t = 3..5). mid gets
  // [1, 2] at t = 1..3 and [0, 5] at t = 4, 5; out gets 3 · mid[1]: 6 at
  // t = 2..4, 15 at t = 5. Events: 6 + 8 + 4 = 18. Synops: in[0] reaches
  // 2 non-zero weights (3 events), in[1] 1 (3 events), mid[1] 1 (5 events),
  // mid[0] none: 6 + 3 + 5 = 14. Per sequence; two identical sequences.
  const std::vector<float> x = {1, 0, 0, 1, 1, 0, 0, 1};
  auto result = run(countingNetwork(Decode::Rate), x.data(), 2, 2, {});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->events, 36u);
  EXPECT_EQ(result->synops, 28u);
  // Rate: out over t = 3..5 is (6 + 6 + 15) / 3 = 9, read as 0.5 · 9 + 1.
  EXPECT_EQ(result->outputSize, 1u);
  EXPECT_EQ(result->output, (std::vector<float>{5.5f, 5.5f}));
  // Last: 15 at t = 5.
  result = run(countingNetwork(Decode::Last), x.data(), 2, 2, {});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->output, (std::vector<float>{8.5f, 8.5f}));
}

TEST(SnnTest, ParsesRules) {
  auto terms = parseRule("dw = 2^-4*u*x1*y1 - 2^-4*u*w");
  ASSERT_TRUE(terms.ok()) << terms.status().message();
  ASSERT_EQ(terms->size(), 2u);
  const RuleTerm &grow = (*terms)[0], &decay = (*terms)[1];
  EXPECT_EQ(grow.coefficient, 1.0 / 16);
  EXPECT_EQ(grow.mantissaExponent, std::make_pair(1, -4));
  EXPECT_EQ(grow.dependency, RuleDependency::U);
  EXPECT_EQ(grow.degree(), 2u);
  EXPECT_TRUE(grow.uses(RuleFactor::X1) && grow.uses(RuleFactor::Y1));
  EXPECT_EQ(decay.coefficient, -1.0 / 16);
  EXPECT_EQ(decay.mantissaExponent, std::make_pair(-1, -4));
  EXPECT_EQ(decay.degree(), 1u);
  EXPECT_EQ(decay.power(RuleFactor::W), 1u);

  terms = parseRule("dw=3*2^-2*x0*y2*x2 + y3*y0*2^+3");
  ASSERT_TRUE(terms.ok()) << terms.status().message();
  EXPECT_EQ((*terms)[0].coefficient, 0.75);
  EXPECT_EQ((*terms)[0].mantissaExponent, std::make_pair(3, -2));
  EXPECT_EQ((*terms)[0].dependency, RuleDependency::X0);
  EXPECT_EQ((*terms)[1].coefficient, 8);
  EXPECT_EQ((*terms)[1].dependency, RuleDependency::Y0);

  // Decimals have no mantissa-exponent form; a bare dependency is 1 · 2^0.
  terms = parseRule("  dw = -0.05 * y0 * x2 + 1e-3*u  -u");
  ASSERT_TRUE(terms.ok()) << terms.status().message();
  ASSERT_EQ(terms->size(), 3u);
  EXPECT_EQ((*terms)[0].coefficient, -0.05);
  EXPECT_FALSE((*terms)[0].mantissaExponent);
  EXPECT_EQ((*terms)[1].coefficient, 1e-3);
  EXPECT_FALSE((*terms)[1].mantissaExponent);
  EXPECT_EQ((*terms)[2].mantissaExponent, std::make_pair(-1, 0));
  // Two mantissas: no form either.
  terms = parseRule("dw = 3*5*u");
  ASSERT_TRUE(terms.ok());
  EXPECT_EQ((*terms)[0].coefficient, 15);
  EXPECT_FALSE((*terms)[0].mantissaExponent);
  // Lava spells the every-epoch dependency u0.
  terms = parseRule("dw = 6*2^-7*u0*w");
  ASSERT_TRUE(terms.ok()) << terms.status().message();
  EXPECT_EQ((*terms)[0].dependency, RuleDependency::U);
  EXPECT_EQ((*terms)[0].mantissaExponent, std::make_pair(6, -7));
}

TEST(SnnTest, RuleErrorsNameTheText) {
  auto message = [](const std::string &text) {
    auto terms = parseRule(text);
    EXPECT_FALSE(terms.ok()) << text;
    return terms.ok() ? std::string() : terms.status().message();
  };
  EXPECT_TRUE(contains(message("  "), "empty learning rule"));
  EXPECT_TRUE(contains(message("w = u"), "must start with 'dw ='"));
  EXPECT_TRUE(contains(message("dw = "), "has no terms"));
  EXPECT_EQ(message("dw = u*x1 + x1*y1"),
            "term 2 of 'dw = u*x1 + x1*y1' has no dependency (x0, y0 or u)");
  EXPECT_TRUE(contains(message("dw = x0*y1*u"),
                       "term 1 of 'dw = x0*y1*u' has two dependencies"));
  EXPECT_TRUE(contains(message("dw = u*q"), "unknown factor 'q'"));
  EXPECT_TRUE(contains(message("dw = 3^2*u"), "only 2^k"));
  EXPECT_TRUE(contains(message("dw = 2^*u"), "integer exponent"));
  EXPECT_TRUE(contains(message("dw = u*"), "ends where a factor"));
  EXPECT_TRUE(contains(message("dw = u x1"), "expected '+', '-' or '*'"));
  EXPECT_TRUE(contains(message("dw = 1.2.3*u"), "malformed number '1.2.3'"));
}

TEST(SnnTest, FormatsRulesInOneSpelling) {
  using engram::spiking::formatRule;
  auto canonical = [](const std::string &text) {
    auto terms = parseRule(text);
    EXPECT_TRUE(terms.ok()) << text;
    return terms.ok() ? formatRule(*terms) : std::string();
  };
  EXPECT_EQ(canonical("dw = 2^-4*u*x1*y1 - 2^-4*u*w"),
            "dw = 2^-4*u*x1*y1 - 2^-4*u*w");
  // Factors in the order x1 x2 y1 y2 y3 w; Lava's u0 is u.
  EXPECT_EQ(canonical("dw=3*2^-2*y2*x0*x2 + y3*y0*2^+3 - 6*2^-7*u0*w"),
            "dw = 3*2^-2*x0*x2*y2 + 2^3*y0*y3 - 6*2^-7*u*w");
  // Decimals keep a '.', so that they do not read back as mantissas.
  EXPECT_EQ(canonical("  dw = -0.05 * y0 * x2 + 1e-3*u -u + 3*5*x0*x1*x1"),
            "dw = -0.05*y0*x2 + 0.001*u - u + 15.0*x0*x1*x1");
  EXPECT_EQ(canonical("dw = 7*u"), "dw = 7*u");
  // Lava's spelling (the Lava export's): u0, every m*2^e in full.
  auto lava = parseRule("dw = 2^-4*u*x1*y3 - 6*u0*w + x0 - 0.5*y0");
  ASSERT_TRUE(lava.ok());
  EXPECT_EQ(formatRule(*lava, {"u0", true}),
            "dw = 1*2^-4*u0*x1*y3 - 6*2^0*u0*w + 1*2^0*x0 - 0.5*y0");
  EXPECT_EQ(canonical("dw = 0*2^3*u"), "dw = 0*2^3*u");
}

TEST(SnnTest, FormattedRulesReadBackExactly) {
  using engram::spiking::formatRule;
  for (const char *text :
       {"dw = 2^-4*u*x1*y1 - 2^-4*u*w", "dw = 0.1*x0*y1*y1 - 1e-300*y0",
        "dw = -0.3333333333333333*u*x1*y3 + 12345*u*w",
        "dw = -7*2^-3*y0*x1 + x0*y1 - 2^-7*u0*w", "dw = 1.5*2*u*x2"}) {
    auto terms = parseRule(text);
    ASSERT_TRUE(terms.ok()) << text;
    auto again = parseRule(formatRule(*terms));
    ASSERT_TRUE(again.ok()) << formatRule(*terms);
    EXPECT_EQ(*again, *terms) << text << " -> " << formatRule(*terms);
  }
  // A product too large for a double is refused, not printed as inf.
  EXPECT_FALSE(parseRule("dw = 1e300*1e300*u").ok());
  EXPECT_FALSE(parseRule("dw = 2^2000*u").ok());
}

TEST(SnnTest, NearestLoihiConstant) {
  using engram::spiking::nearestLoihiConstant;
  EXPECT_EQ(nearestLoihiConstant(6 * std::ldexp(1.0, -7)),
            std::make_pair(6, -7));
  EXPECT_EQ(nearestLoihiConstant(0.05), std::make_pair(6, -7)); // 0.046875
  EXPECT_EQ(nearestLoihiConstant(1.0), std::make_pair(4, -2));
  EXPECT_EQ(nearestLoihiConstant(1e6), std::make_pair(7, 8));  // clipped
  EXPECT_EQ(nearestLoihiConstant(1e-9), std::make_pair(0, -7)); // underflow
  EXPECT_EQ(nearestLoihiConstant(0), std::make_pair(0, 0));
}

/// A valid network to break one field at a time.
Network validNetwork() {
  Population lif;
  lif.name = "lif";
  lif.kind = PopulationKind::Lif;
  lif.size = 2;
  Network network;
  network.timesteps = 4;
  network.inputWidth = 3;
  network.populations = {input("in", 3, Encoding::Rate), lif};
  network.projections = {dense(0, 1, {1, 2, 3, 4, 5, 6})};
  network.output.population = 1;
  return network;
}

/// The validation message of `network`, empty when it is valid.
std::string problem(const Network &network) {
  Status status = network.validate();
  return status.ok() ? std::string() : status.message();
}

TEST(SnnTest, ValidateNamesThePopulationOrProjection) {
  Network network = validNetwork();
  EXPECT_EQ(problem(network), "");

  network.timesteps = 0;
  EXPECT_TRUE(contains(problem(network), "timesteps"));
  network = validNetwork();
  network.populations[1].name = "in";
  EXPECT_TRUE(contains(problem(network), "two populations are named 'in'"));
  network = validNetwork();
  network.populations[0].inputOffset = 1;
  EXPECT_TRUE(contains(problem(network), "population 'in' reads inputs"));
  network = validNetwork();
  network.populations[1].du = 1.5;
  EXPECT_TRUE(contains(problem(network), "population 'lif' needs du and dv"));
  network = validNetwork();
  network.populations[1].bias = {1};
  EXPECT_TRUE(contains(problem(network), "population 'lif' needs one bias"));
  network = validNetwork();
  network.populations[1].kind = PopulationKind::LifFixed;
  network.populations[1].fixed.du = 5000;
  EXPECT_TRUE(contains(problem(network), "population 'lif': du and dv"));
  // A bias mantissa needs its exponent (a NIR file with one and not the
  // other once crashed the snn dialect's builder).
  network = validNetwork();
  network.populations[1].kind = PopulationKind::LifFixed;
  network.populations[1].fixed.biasMant = {1, 2};
  EXPECT_TRUE(contains(problem(network), "population 'lif': needs both "
                                         "bias_mant and bias_exp, or neither"));

  network = validNetwork();
  network.projections[0].weights.pop_back();
  EXPECT_TRUE(contains(problem(network), "projection 0 (in -> lif) has 5 "
                                         "weights for 2 x 3"));
  network = validNetwork();
  network.projections[0].delay = kMaxDelay + 1;
  EXPECT_TRUE(contains(problem(network), "projection 0 (in -> lif)"));
  network = validNetwork();
  network.projections.push_back(dense(1, 0, {1, 1, 1, 1, 1, 1}));
  EXPECT_TRUE(
      contains(problem(network), "projection 1 (lif -> in) ends at an input"));
  network = validNetwork();
  network.projections[0].post = 7;
  EXPECT_TRUE(contains(problem(network), "projection 0 connects"));
  network = validNetwork();
  network.output.scale = {1, 2, 3};
  EXPECT_TRUE(contains(problem(network), "output probe of population 'lif'"));
}

TEST(SnnTest, RunReportsErrorsInsteadOfCrashing) {
  Network network = validNetwork();
  auto result = run(network, nullptr, 1, 1, {});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(contains(result.status().message(), "no input"));
  network.populations[0].gain.clear();
  const std::vector<float> x(3, 0.5f);
  result = run(network, x.data(), 1, 1, {});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(contains(result.status().message(), "population 'in'"));
  // No sequence: nothing to read, outputs are the offsets.
  EXPECT_TRUE(run(validNetwork(), nullptr, 0, 1, {}).ok());
}

} // namespace

namespace {

/// A graded source → a linear graded unit (w = 2, exp = −1: the identity)
/// over windows of 4 timesteps.
Network sigmaDeltaChain(std::optional<double> delta) {
  Network network = linearChain(1, Encoding::Graded, {2}, -1, 4);
  network.populations[0].delta = delta;
  network.populations[1].delta = delta;
  return network;
}

} // namespace

TEST(SnnTest, SigmaDeltaSendsChangesAndKeepsTheValues) {
  // Steps 0.5, 0.5, 0.75: without sigma-delta every timestep carries the
  // value; with it only the changes go out (0.5 once, then +0.25), and the
  // receiver, which integrates them, computes the same values.
  const std::vector<float> x = {0.5f, 0.5f, 0.75f};
  std::vector<float> plainIn = recordOf(sigmaDeltaChain(std::nullopt), x, 3, 0);
  std::vector<float> deltaIn = recordOf(sigmaDeltaChain(0.0), x, 3, 0);
  std::vector<float> deltaOut = recordOf(sigmaDeltaChain(0.0), x, 3, 1);
  EXPECT_EQ(plainIn,
            (std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
                                0.75f, 0.75f, 0.75f, 0.75f}));
  EXPECT_EQ(deltaIn,
            (std::vector<float>{0.5f, 0, 0, 0, 0, 0, 0, 0, 0.25f, 0, 0, 0}));
  // The unit's own changes, one timestep later.
  EXPECT_EQ(deltaOut,
            (std::vector<float>{0, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0.25f, 0, 0}));
  RunOptions options;
  auto plain = run(sigmaDeltaChain(std::nullopt), x.data(), 1, 3, options);
  auto coded = run(sigmaDeltaChain(0.0), x.data(), 1, 3, options);
  ASSERT_TRUE(plain.ok() && coded.ok());
  EXPECT_EQ(plain->output, coded->output);
  EXPECT_EQ(coded->output[0], 0.75f);
  EXPECT_EQ(plain->events, 23u); // 12 input values, 11 output values
  EXPECT_EQ(coded->events, 4u);
  EXPECT_EQ(coded->synops, 2u); // the input's two changes reach one synapse
}

TEST(SnnTest, SigmaDeltaThresholdHoldsSmallChanges) {
  // A change of 0.25 is not sent with delta = 0.3: the receiver keeps 0.5.
  const std::vector<float> x = {0.5f, 0.75f};
  auto result = run(sigmaDeltaChain(0.3), x.data(), 1, 2, RunOptions());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->output[0], 0.5f);
  EXPECT_EQ(result->events, 2u);
  Network network = sigmaDeltaChain(-1.0);
  auto bad = run(network, x.data(), 1, 2, RunOptions());
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.status().message(),
                       "population 'in' needs a sigma-delta threshold >= 0"));
  network = fixedNetwork(loihi::LifParams());
  network.populations[1].delta = 0.0;
  bad = run(network, x.data(), 1, 2, RunOptions());
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.status().message(), "only graded events carry"));
}

TEST(SnnTest, SpikeSourceFiresAtTheStartOfTheWindow) {
  Network network = linearChain(2, Encoding::Spike, {1, 0, 0, 1}, 0, 3);
  const std::vector<float> x = {0.0f, 0.3f, 2.0f, 0.0f};
  EXPECT_EQ(recordOf(network, x, 2, 0),
            (std::vector<float>{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0}));
}

// Lava's and PyNN's trace time constants: decay = 1 - exp(-1/tau), with the
// two ends (no memory: tau 0; no decay: tau infinite) exact.
TEST(SnnTrace, TimeConstantRoundTrip) {
  const Trace none{1, 1}, keep{1, 0}, quarter{1, 0.25};
  EXPECT_EQ(none.tau(), 0);
  EXPECT_TRUE(std::isinf(keep.tau()));
  EXPECT_EQ(Trace::decayOf(0), 1);
  EXPECT_EQ(Trace::decayOf(INFINITY), 0);
  EXPECT_NEAR(quarter.tau(), 3.4760594967822, 1e-12);
  for (double decay : {1e-6, 0.01, 0.25, 0.5, 0.9, 0.999}) {
    const Trace trace{1, decay};
    EXPECT_NEAR(Trace::decayOf(trace.tau()), decay, 1e-14);
  }
}

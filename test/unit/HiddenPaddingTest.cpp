//===- HiddenPaddingTest.cpp - a model widened with zero lanes ------------===//
//
// The padded model of runtime/HiddenPadding.h computes the same values in
// its first H lanes as the model itself, and zeros in the others, as long as
// nothing averages over the lanes (layer norm, which the CUDA kernels mask).
// Checked with the float64 reference interpreter on every head and both
// trace batchings.
//
//===----------------------------------------------------------------------===//

#include "runtime/HiddenPadding.h"
#include "runtime/PackageInterpreter.h"

#include "TestModels.h"

#include <gtest/gtest.h>

using namespace engram::runtime;
using namespace engram::runtime::testing;

namespace {

/// `padded`'s tensor cut back to the model's width H on its last axis.
Tensor<double> compact(const Tensor<double> &padded, int64_t hidden) {
  Tensor<double> out;
  out.shape = padded.shape;
  out.shape.back() = hidden;
  out.data = compactHiddenRows(padded.data, padded.shape.back(), hidden);
  return out;
}

/// max |x| over the lanes H..Hp of the last axis.
double padLanes(const Tensor<double> &padded, int64_t hidden) {
  const int64_t width = padded.shape.back();
  double worst = 0;
  for (size_t i = 0; i < padded.data.size(); ++i)
    if (int64_t(i % size_t(width)) >= hidden)
      worst = std::max(worst, std::abs(padded.data[i]));
  return worst;
}

TEST(HiddenPadding, RoundsUpToTheMultiple) {
  EXPECT_EQ(paddedHiddenDim(37, 32), 64);
  EXPECT_EQ(paddedHiddenDim(64, 32), 64);
  EXPECT_EQ(paddedHiddenDim(100, 32), 128);
  EXPECT_EQ(paddedHiddenDim(1, 32), 32);
}

TEST(HiddenPadding, SegmentsOfTheIntegratorMoveApart) {
  ModelConfig config = smallConfig(); // H = 7
  std::vector<float> bias(21);
  for (size_t i = 0; i < bias.size(); ++i)
    bias[i] = float(i + 1);
  std::vector<float> padded =
      padHiddenWeight("cell.integrator.bias", bias, config, 8);
  ASSERT_EQ(padded.size(), 24u);
  EXPECT_EQ(padded[0], 1.f);   // z segment
  EXPECT_EQ(padded[7], 0.f);   // its pad lane
  EXPECT_EQ(padded[8], 8.f);   // m segment starts at Hp
  EXPECT_EQ(padded[16], 15.f); // h segment
  EXPECT_EQ(padded[23], 0.f);
}

TEST(HiddenPadding, PaddedModelComputesTheSameLanes) {
  for (Pooling pooling : {Pooling::Last, Pooling::Attention, Pooling::Sequence})
    for (TraceBatching batching :
         {TraceBatching::PerSequence, TraceBatching::BatchMean}) {
      ModelConfig config = smallConfig(pooling, batching, /*layerNorm=*/false);
      if (pooling == Pooling::Sequence)
        config.hasHead = false, config.head.units = 0; // states as output
      Model model = randomModel(config, 31, /*traceInit=*/true);
      Model padded = padHiddenModel(model, 32);
      ASSERT_TRUE(validateWeights(padded.config, padded.weights));
      auto x = randomInput<double>(3, 11, config.inputDim, 32);
      auto reference = runReference(model, x);
      auto widened = runReference(padded, x);
      ASSERT_TRUE(reference.ok() && widened.ok());
      const int64_t h = config.cell.hiddenDim;
      const RunResult<double> &r = *reference, &w = *widened;
      const bool statesOut = !config.hasReadout();
      EXPECT_LT(
          relativeError(statesOut ? compact(w.output, h) : w.output, r.output),
          1e-12);
      EXPECT_LT(relativeError(compact(w.hidden, h), r.hidden), 1e-12);
      EXPECT_LT(relativeError(compact(w.trace, h), r.trace), 1e-12);
      EXPECT_EQ(padLanes(w.hidden, h), 0.0);
      EXPECT_EQ(padLanes(w.trace, h), 0.0);
    }
}

TEST(HiddenPadding, CompactsRows) {
  std::vector<float> rows = {1, 2, 0, 0, 3, 4, 0, 0};
  EXPECT_EQ(compactHiddenRows(rows, 4, 2), (std::vector<float>{1, 2, 3, 4}));
}

} // namespace

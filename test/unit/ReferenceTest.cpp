//===- ReferenceTest.cpp - the reference interpreter as a whole -----------===//

#include "runtime/PackageInterpreter.h"

#include "TestModels.h"

#include <gtest/gtest.h>

using namespace engram::runtime;
using namespace engram::runtime::testing;

namespace {

/// Sequence b of a B×S×D input, as a 1×S×D input.
template <typename T> Tensor<T> sequence(const Tensor<T> &x, int64_t b) {
  Tensor<T> one({1, x.dim(1), x.dim(2)});
  std::copy_n(x.ptr() + b * one.size(), one.size(), one.ptr());
  return one;
}

TEST(Reference, Float32AgreesWithFloat64) {
  for (Pooling pooling : {Pooling::Last, Pooling::Attention, Pooling::Sequence})
    for (TraceBatching batching :
         {TraceBatching::PerSequence, TraceBatching::BatchMean}) {
      Model model = randomModel(smallConfig(pooling, batching), 21, true);
      auto x64 = randomInput<double>(3, 29, 5, 22);
      Tensor<float> x32;
      x32.shape = x64.shape;
      x32.data.assign(x64.data.begin(), x64.data.end());
      auto r64 = runReference(model, x64);
      auto r32 = runReference(model, x32);
      ASSERT_TRUE(r64.ok() && r32.ok());
      EXPECT_LT(relativeError(r32->output, r64->output), 1e-5);
      EXPECT_LT(relativeError(r32->hidden, r64->hidden), 1e-5);
      EXPECT_LT(relativeError(r32->trace, r64->trace), 1e-5);
    }
}

TEST(Reference, PerSequenceResultsDoNotDependOnTheBatch) {
  Model model = randomModel(smallConfig(Pooling::Attention), 23);
  auto x = randomInput<double>(3, 11, 5, 24);
  auto batched = runReference(model, x);
  ASSERT_TRUE(batched.ok());
  for (int64_t b = 0; b < 3; ++b) {
    auto alone = runReference(model, sequence(x, b));
    ASSERT_TRUE(alone.ok());
    for (int64_t c = 0; c < 4; ++c)
      EXPECT_NEAR(alone->output.data[c], batched->output.data[b * 4 + c],
                  1e-14);
  }
}

TEST(Reference, BatchMeanCouplesTheSequences) {
  Model model =
      randomModel(smallConfig(Pooling::Last, TraceBatching::BatchMean), 25);
  auto x = randomInput<double>(2, 9, 5, 26);
  auto batched = runReference(model, x);
  auto alone = runReference(model, sequence(x, 0));
  ASSERT_TRUE(batched.ok() && alone.ok());
  EXPECT_EQ(batched->trace.shape, (std::vector<int64_t>{3, 7}));
  // The first sequence's output changes when a second shares its trace.
  ASSERT_EQ(alone->output.shape, (std::vector<int64_t>{1, 4}));
  Tensor<double> first({1, 4});
  std::copy_n(batched->output.ptr(), 4, first.ptr());
  EXPECT_GT(relativeError(alone->output, first), 0.0);
}

TEST(Reference, BatchMeanEqualsPerSequenceForOneSequence) {
  auto x = randomInput<double>(1, 13, 5, 27);
  Model shared =
      randomModel(smallConfig(Pooling::Last, TraceBatching::BatchMean), 28, true);
  Model own = shared;
  own.config.traceBatching = TraceBatching::PerSequence;
  auto a = runReference(shared, x);
  auto b = runReference(own, x);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->output.data, b->output.data);
  EXPECT_EQ(a->trace.data, b->trace.data);
}

TEST(Reference, OutputShapesFollowTheHead) {
  auto x = randomInput<float>(2, 6, 5, 29);
  ModelConfig config = smallConfig(Pooling::Sequence);
  auto seq = runReference(randomModel(config, 30), x);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->output.shape, (std::vector<int64_t>{2, 6, 4}));
  config.head.units = 0;
  config.head.pooling = Pooling::Last;
  auto pooled = runReference(randomModel(config, 31), x);
  ASSERT_TRUE(pooled.ok());
  EXPECT_EQ(pooled->output.shape, (std::vector<int64_t>{2, 7}));
  config.hasHead = false;
  auto states = runReference(randomModel(config, 32), x);
  ASSERT_TRUE(states.ok());
  EXPECT_EQ(states->output.shape, (std::vector<int64_t>{2, 6, 7}));
  EXPECT_EQ(states->hidden.shape, (std::vector<int64_t>{2, 7}));
  EXPECT_EQ(states->trace.shape, (std::vector<int64_t>{2, 3, 7}));
}

TEST(Reference, RejectsInputsOfTheWrongShape) {
  Model model = randomModel(smallConfig(), 33);
  for (auto shape : {std::vector<int64_t>{2, 6, 4}, std::vector<int64_t>{2, 0, 5},
                     std::vector<int64_t>{6, 5}}) {
    Tensor<float> x(shape);
    auto result = runReference(model, x);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.status().message().find("expected BxSx5"),
              std::string::npos);
  }
}

} // namespace

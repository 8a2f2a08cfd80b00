//===- FuzzChecks.h - what the fuzz targets do with what they parsed
//--------===//
//
// A reader that accepts its input hands it to the code that trusts it: a
// model runs one short sequence in the reference interpreter, a spiking
// network is validated (it must be: every reader validates) and simulated
// for one step. Large inputs are only parsed, to keep the fuzzers fast.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_TEST_FUZZ_FUZZCHECKS_H
#define ENGRAM_TEST_FUZZ_FUZZCHECKS_H

#include "runtime/PackageInterpreter.h"
#include "runtime/Snn.h"

#include <cstdlib>
#include <vector>

namespace engram::fuzz {

/// Runs `model` on two steps of one sequence, in float32 and float64.
inline void runModel(const runtime::Model &model) {
  const runtime::ModelConfig &c = model.config;
  if (c.inputDim * c.cell.hiddenDim > 4096 ||
      c.cell.memorySize * c.cell.hiddenDim > 4096)
    return;
  runtime::Tensor<float> x({1, 2, c.inputDim});
  for (size_t i = 0; i < x.data.size(); ++i)
    x.data[i] = float(i % 7) / 7.0f;
  (void)runtime::runReference(model, x);
  runtime::Tensor<double> x64({1, 2, c.inputDim});
  x64.data.assign(x.data.begin(), x.data.end());
  (void)runtime::runReference(model, x64);
}

/// Checks an imported spiking network and simulates one step of it.
inline void runNetwork(const runtime::snn::Network &network) {
  if (!network.validate())
    std::abort(); // A reader accepted a network the simulator refuses.
  size_t neurons = 0, synapses = 0;
  for (const auto &p : network.populations)
    neurons += p.size;
  for (const auto &q : network.projections)
    synapses += q.weights.size();
  if (neurons > 4096 || synapses > 65536 || network.timesteps > 64 ||
      network.inputWidth > 4096)
    return;
  std::vector<float> x(network.inputWidth, 0.5f);
  for (bool fixedPoint : {false, true}) {
    runtime::snn::RunOptions options;
    options.fixedPoint = fixedPoint;
    (void)runtime::snn::run(network, x.data(), 1, 1, options);
  }
}

} // namespace engram::fuzz

#endif // ENGRAM_TEST_FUZZ_FUZZCHECKS_H

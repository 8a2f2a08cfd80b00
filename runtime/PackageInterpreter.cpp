//===- PackageInterpreter.cpp - the reference interpreter of a model ------===//
//
// The time loop of ENGRAM_SEMANTICS.md written once, over the step kernels.
//
//===----------------------------------------------------------------------===//

#include "runtime/PackageInterpreter.h"

#include "runtime/Kernels.h"

namespace engram::runtime {

Status checkInputShape(const std::vector<int64_t> &shape, int64_t inputDim) {
  if (shape.size() != 3 || shape[0] < 1 || shape[1] < 1 ||
      shape[2] != inputDim)
    return Status::error("input has shape " + shapeToString(shape) +
                         ", expected BxSx" + std::to_string(inputDim) +
                         " (batch x steps x input_dim, B and S >= 1)");
  return Status::success();
}

template <typename T>
StatusOr<RunResult<T>> runReference(const Model &model,
                                    const Tensor<T> &input) {
  const ModelConfig &config = model.config;
  const CellConfig &cell = config.cell;
  if (Status status = checkInputShape(input.shape, config.inputDim); !status)
    return status;
  if (Status status = validateWeights(config, model.weights); !status)
    return status;
  auto w = [&](const char *name) { return toTensor<T>(*model.find(name)); };
  auto optional = [&](const char *name) {
    const WeightTensor *weight = model.find(name);
    return weight ? toTensor<T>(*weight) : Tensor<T>();
  };

  const Tensor<T> encKernel = w("cell.encoder.kernel"),
                  encBias = w("cell.encoder.bias"),
                  intKernel = w("cell.integrator.kernel"),
                  intBias = w("cell.integrator.bias"),
                  outKernel = w("cell.output.kernel"),
                  outBias = w("cell.output.bias"), memory = w("cell.memory");
  const Tensor<T> gamma1 = optional("cell.norm1.gamma"),
                  beta1 = optional("cell.norm1.beta"),
                  gamma2 = optional("cell.norm2.gamma"),
                  beta2 = optional("cell.norm2.beta"),
                  traceInit = optional("cell.trace_init");

  const int64_t batch = input.dim(0), steps = input.dim(1),
                width = cell.hiddenDim;
  const bool shared = config.traceBatching == TraceBatching::BatchMean;
  const double temperature =
      cell.temperature / (1.0 + 10.0 * cell.sparsityStrength);

  RunResult<T> result;
  Tensor<T> h({batch, width});
  Tensor<T> trace =
      initialTrace(traceInit.size() ? &traceInit : nullptr,
                   shared ? -1 : batch, cell.memorySize, width);
  Tensor<T> states({batch, steps, width});
  for (int64_t t = 0; t < steps; ++t) {
    Tensor<T> z = encode(stepSlice(input, t), encKernel, encBias);
    if (cell.useLayerNorm)
      z = layerNorm(z, gamma1, beta1, kLayerNormEpsilon);
    RecallResult<T> recalled =
        recall(z, memory, trace, cell.scaleFactor, temperature);
    h = integrate(z, recalled.recalled, h, intKernel, intBias, outKernel,
                  outBias);
    if (cell.useLayerNorm)
      h = layerNorm(h, gamma2, beta2, kLayerNormEpsilon);
    trace = hebbianUpdate(trace, recalled.weights, z, cell.hebbianLr,
                          kTraceClip);
    storeStep(states, t, h);
  }

  Tensor<T> poolKernel = optional("pool.kernel"), poolBias = optional("pool.bias");
  result.output = pool(config.pooling(), states, &poolKernel, &poolBias);
  if (config.hasReadout())
    result.output = readout(result.output, w("readout.kernel"),
                            w("readout.bias"), config.head.activation);
  result.hidden = std::move(h);
  result.trace = std::move(trace);
  return result;
}

template StatusOr<RunResult<float>> runReference(const Model &,
                                                 const Tensor<float> &);
template StatusOr<RunResult<double>> runReference(const Model &,
                                                  const Tensor<double> &);

} // namespace engram::runtime

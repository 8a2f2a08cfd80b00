//===- PackageInterpreter.cpp - the reference interpreter of a model ------===//
//
// The time loop of ENGRAM_SEMANTICS.md written once, over the step kernels.
//
//===----------------------------------------------------------------------===//

#include "runtime/PackageInterpreter.h"

#include "runtime/Kernels.h"

#include <cmath>

namespace engram::runtime {

Status checkInputShape(const std::vector<int64_t> &shape, int64_t inputDim) {
  if (shape.size() != 3 || shape[0] < 1 || shape[1] < 1 ||
      shape[2] != inputDim)
    return Status::error("input has shape " + shapeToString(shape) +
                         ", expected BxSx" + std::to_string(inputDim) +
                         " (batch x steps x input_dim, B and S >= 1)");
  return Status::success();
}

Status checkState(const std::vector<int64_t> &hidden,
                  const std::vector<int64_t> &trace, const StateShape &shape) {
  const std::vector<int64_t> wantHidden = shape.hiddenShape(),
                             wantTrace = shape.traceShape();
  if (hidden != wantHidden)
    return Status::error("'h' has shape " + shapeToString(hidden) +
                         ", expected " + shapeToString(wantHidden) +
                         " (batch x hidden_dim) for this input");
  if (trace != wantTrace)
    return Status::error(
        "'trace' has shape " + shapeToString(trace) + ", expected " +
        shapeToString(wantTrace) +
        (shape.shared ? " (memory_size x hidden_dim: batch_mean shares one "
                        "trace)"
                      : " (batch x memory_size x hidden_dim)") +
        " for this input");
  return Status::success();
}

template <typename T>
Status checkStateValues(const State<T> &state, const StateShape &shape) {
  if (Status status = checkState(state.hidden.shape, state.trace.shape, shape);
      !status)
    return status;
  for (const auto &[name, tensor] :
       {std::pair{"h", &state.hidden}, std::pair{"trace", &state.trace}})
    for (T value : tensor->data)
      if (!std::isfinite(value))
        return Status::error(std::string("'") + name +
                             "' holds a value that is not finite");
  return Status::success();
}

template Status checkStateValues(const State<float> &, const StateShape &);
template Status checkStateValues(const State<double> &, const StateShape &);

namespace {

/// Weight `name` of `model`, which validateWeights made sure is there.
template <typename T>
Tensor<T> requiredWeight(const Model &model, const char *name) {
  return toTensor<T>(*model.find(name));
}

/// Weight `name` of `model`, or an empty tensor when it has none.
template <typename T>
Tensor<T> optionalWeight(const Model &model, const char *name) {
  const WeightTensor *weight = model.find(name);
  return weight ? toTensor<T>(*weight) : Tensor<T>();
}

/// The cell's weights; the optional ones are empty when absent.
template <typename T> struct CellWeights {
  explicit CellWeights(const Model &model)
      : encKernel(requiredWeight<T>(model, "cell.encoder.kernel")),
        encBias(requiredWeight<T>(model, "cell.encoder.bias")),
        intKernel(requiredWeight<T>(model, "cell.integrator.kernel")),
        intBias(requiredWeight<T>(model, "cell.integrator.bias")),
        outKernel(requiredWeight<T>(model, "cell.output.kernel")),
        outBias(requiredWeight<T>(model, "cell.output.bias")),
        memory(requiredWeight<T>(model, "cell.memory")),
        gamma1(optionalWeight<T>(model, "cell.norm1.gamma")),
        beta1(optionalWeight<T>(model, "cell.norm1.beta")),
        gamma2(optionalWeight<T>(model, "cell.norm2.gamma")),
        beta2(optionalWeight<T>(model, "cell.norm2.beta")),
        traceInit(optionalWeight<T>(model, "cell.trace_init")) {}

  const Tensor<T> encKernel, encBias, intKernel, intBias, outKernel, outBias,
      memory;
  const Tensor<T> gamma1, beta1, gamma2, beta2, traceInit;
};

/// The time loop over `input`: every step's h into `states`, the final h
/// and trace into `result`, each step's state into `recording` (if any).
template <typename T>
StatusOr<Tensor<T>> runSteps(const ModelConfig &config, const CellWeights<T> &w,
                             const Tensor<T> &input, RunResult<T> &result,
                             TraceRecording<T> *recording,
                             const State<T> *initial) {
  const CellConfig &cell = config.cell;
  const int64_t batch = input.dim(0), steps = input.dim(1),
                width = cell.hiddenDim;
  const bool shared = config.traceBatching == TraceBatching::BatchMean;
  const double temperature =
      cell.temperature / (1.0 + 10.0 * cell.sparsityStrength);

  Tensor<T> h = initial ? initial->hidden : Tensor<T>({batch, width});
  Tensor<T> trace =
      initial ? initial->trace
              : initialTrace(w.traceInit.size() ? &w.traceInit : nullptr,
                             shared ? -1 : batch, cell.memorySize, width);
  Tensor<T> states({batch, steps, width});
  if (recording)
    if (Status status = recording->start(batch, steps, trace); !status)
      return status;
  for (int64_t t = 0; t < steps; ++t) {
    Tensor<T> z = encode(stepSlice(input, t), w.encKernel, w.encBias);
    if (cell.useLayerNorm)
      z = layerNorm(z, w.gamma1, w.beta1, kLayerNormEpsilon);
    RecallResult<T> recalled =
        recall(z, w.memory, trace, cell.scaleFactor, temperature);
    h = integrate(z, recalled.recalled, h, w.intKernel, w.intBias, w.outKernel,
                  w.outBias);
    if (cell.useLayerNorm)
      h = layerNorm(h, w.gamma2, w.beta2, kLayerNormEpsilon);
    trace =
        hebbianUpdate(trace, recalled.weights, z, cell.hebbianLr, kTraceClip);
    storeStep(states, t, h);
    if (recording)
      recording->record(t + 1, trace, recalled.weights, h);
  }
  result.hidden = std::move(h);
  result.trace = std::move(trace);
  return states;
}

} // namespace

template <typename T>
StatusOr<RunResult<T>> runReference(const Model &model, const Tensor<T> &input,
                                    TraceRecording<T> *recording,
                                    const State<T> *initial) {
  const ModelConfig &config = model.config;
  if (Status status = checkInputShape(input.shape, config.inputDim); !status)
    return status;
  if (initial) {
    StateShape shape{input.dim(0), config.cell.hiddenDim,
                     config.cell.memorySize,
                     config.traceBatching == TraceBatching::BatchMean};
    if (Status status = checkStateValues(*initial, shape); !status)
      return status.withPrefix("initial state: ");
  }
  if (Status status = validateWeights(config, model.weights); !status)
    return status;
  const CellWeights<T> weights(model);

  RunResult<T> result;
  StatusOr<Tensor<T>> run =
      runSteps(config, weights, input, result, recording, initial);
  if (!run)
    return run.status();
  const Tensor<T> &states = *run;
  Tensor<T> poolKernel = optionalWeight<T>(model, "pool.kernel"),
            poolBias = optionalWeight<T>(model, "pool.bias");
  result.output = pool(config.pooling(), states, &poolKernel, &poolBias);
  if (config.hasReadout())
    result.output = readout(
        result.output, requiredWeight<T>(model, "readout.kernel"),
        requiredWeight<T>(model, "readout.bias"), config.head.activation);
  return result;
}

template StatusOr<RunResult<float>> runReference(const Model &,
                                                 const Tensor<float> &,
                                                 TraceRecording<float> *,
                                                 const State<float> *);
template StatusOr<RunResult<double>> runReference(const Model &,
                                                  const Tensor<double> &,
                                                  TraceRecording<double> *,
                                                  const State<double> *);

} // namespace engram::runtime

//===- PackageInterpreter.h - the reference interpreter of a model -*- C++ -*-===//
//
// Executes ENGRAM_SEMANTICS.md on a Model, in float64 (the oracle every target
// is judged against) or float32, for every trace batching mode, pooling and
// readout.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_PACKAGEINTERPRETER_H
#define ENGRAM_RUNTIME_PACKAGEINTERPRETER_H

#include "runtime/Model.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"
#include "runtime/TraceRecording.h"

namespace engram::runtime {

template <typename T> struct RunResult {
  /// B×C, B×H, B×S×C or B×S×H, depending on the head.
  Tensor<T> output;
  /// Final hidden state h_S, B×H.
  Tensor<T> hidden;
  /// Final trace, B×N×H (per_sequence) or N×H (batch_mean).
  Tensor<T> trace;
};

/// A state to start a run from instead of h = 0 and T = T₀: the final
/// states of an earlier run (RunResult's `hidden` and `trace`), so that a
/// stream can be fed in chunks.
template <typename T> struct State {
  /// B×H.
  Tensor<T> hidden;
  /// B×N×H (per_sequence) or N×H (batch_mean).
  Tensor<T> trace;
};

/// What a state must look like for a run of `batch` sequences.
struct StateShape {
  int64_t batch = 0, hidden = 0, slots = 0;
  bool shared = false;

  /// B×H.
  std::vector<int64_t> hiddenShape() const { return {batch, hidden}; }
  /// B×N×H, or N×H when shared.
  std::vector<int64_t> traceShape() const {
    if (shared)
      return {slots, hidden};
    return {batch, slots, hidden};
  }
};

/// Checks the shapes of a state's `hidden` and `trace` and that every value
/// is finite; errors name the member ('h', 'trace').
Status checkState(const std::vector<int64_t> &hidden,
                  const std::vector<int64_t> &trace, const StateShape &shape);
template <typename T>
Status checkStateValues(const State<T> &state, const StateShape &shape);

/// Checks that `shape` is B×S×D with B, S ≥ 1 and D = `inputDim`.
Status checkInputShape(const std::vector<int64_t> &shape, int64_t inputDim);

/// Runs `model` on `input` (B×S×D) from `initial` (h = 0 and T = T₀ when
/// null); `recording`, when given, is filled step by step (it fails the
/// run when it names a sequence not in the batch).
template <typename T>
StatusOr<RunResult<T>> runReference(const Model &model, const Tensor<T> &input,
                                    TraceRecording<T> *recording = nullptr,
                                    const State<T> *initial = nullptr);

extern template StatusOr<RunResult<float>> runReference(const Model &,
                                                        const Tensor<float> &,
                                                        TraceRecording<float> *,
                                                        const State<float> *);
extern template StatusOr<RunResult<double>>
runReference(const Model &, const Tensor<double> &, TraceRecording<double> *,
             const State<double> *);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_PACKAGEINTERPRETER_H

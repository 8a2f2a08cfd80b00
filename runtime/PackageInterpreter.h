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

/// Checks that `shape` is B×S×D with B, S ≥ 1 and D = `inputDim`.
Status checkInputShape(const std::vector<int64_t> &shape, int64_t inputDim);

/// Runs `model` on `input` (B×S×D); `recording`, when given, is filled
/// step by step (it fails the run when it names a sequence not in the
/// batch).
template <typename T>
StatusOr<RunResult<T>> runReference(const Model &model, const Tensor<T> &input,
                                    TraceRecording<T> *recording = nullptr);

extern template StatusOr<RunResult<float>>
runReference(const Model &, const Tensor<float> &, TraceRecording<float> *);
extern template StatusOr<RunResult<double>>
runReference(const Model &, const Tensor<double> &, TraceRecording<double> *);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_PACKAGEINTERPRETER_H

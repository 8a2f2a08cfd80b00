//===- TraceRecording.h - watching engrams form -------------------*- C++
//-*-===//
//
// What `engram-run --record-trace` writes: for chosen sequences, the Hebbian
// trace T, the recall weights a and the hidden state h after every K-th step,
// and at every step statistics of those sequences' traces (the quantities of
// tensorflow-engram's HebbianTraceMonitor: min, max, mean |T|, standard
// deviation, fraction of |T| < 0.01). The reference interpreter of a package
// fills it step by step; `members` is the .npz (docs/recordings.md lists
// the members).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_TRACERECORDING_H
#define ENGRAM_RUNTIME_TRACERECORDING_H

#include "runtime/Npy.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <string>
#include <vector>

namespace engram::runtime {

/// The format member of a recording ("format", UTF-8 bytes).
inline constexpr const char *kTraceRecordingFormat = "engram-trace-recording/1";
/// |T| below this counts as near zero in the statistics.
inline constexpr double kNearZeroTrace = 0.01;

struct RecordingOptions {
  /// Record the states after steps every, 2·every, ... and after the last.
  int64_t every = 1;
  /// Batch indices to record; empty: the first sequence only.
  std::vector<int64_t> sequences;
};

/// Parses `--record-every` and `--record-sequences` ("0,3,7"); messages name
/// the option.
StatusOr<RecordingOptions> parseRecordingOptions(const std::string &every,
                                                 const std::string &sequences);

template <typename T> class TraceRecording {
public:
  explicit TraceRecording(RecordingOptions options)
      : options_(std::move(options)) {}

  /// Starts a run of `steps` steps on `batch` sequences from `trace`
  /// (B×N×H, or N×H when shared); fails when a recorded sequence is not in
  /// the batch.
  Status start(int64_t batch, int64_t steps, const Tensor<T> &trace);
  /// The state after step `step` (1-based): its trace, recall weights (B×N;
  /// empty where a backend does not expose them, and the recording then has
  /// no 'weights') and hidden state (B×H).
  void record(int64_t step, const Tensor<T> &trace, const Tensor<T> &weights,
              const Tensor<T> &hidden);
  /// The .npz members of the recording.
  std::vector<NpzMember> members() const;

private:
  /// The recorded sequences' rows of a B×rest tensor (or all of a shared
  /// trace), appended to `out`.
  void appendRows(const Tensor<T> &tensor, bool shared,
                  std::vector<T> &out) const;
  void appendStatistics(const std::vector<T> &values);

  RecordingOptions options_;
  int64_t steps_ = 0, slots_ = 0, width_ = 0;
  bool shared_ = false;
  std::vector<int64_t> recordedSteps_;
  std::vector<T> traceInit_, traces_, weights_, hidden_;
  std::vector<double> min_, max_, meanAbs_, std_, nearZero_;
};

extern template class TraceRecording<float>;
extern template class TraceRecording<double>;

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_TRACERECORDING_H

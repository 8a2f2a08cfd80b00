//===- TraceRecording.cpp - watching engrams form ------------------------===//

#include "runtime/TraceRecording.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

namespace engram::runtime {

namespace {

/// A whole number >= 0 of `text`, or none.
std::optional<int64_t> wholeNumber(const std::string &text) {
  if (text.empty() || text.size() > 12 ||
      !std::all_of(text.begin(), text.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::strtoll(text.c_str(), nullptr, 10);
}

template <typename T>
std::string npy(const std::vector<int64_t> &shape, const std::vector<T> &v) {
  return encodeNpy(shape, v.data());
}

} // namespace

StatusOr<RecordingOptions> parseRecordingOptions(const std::string &every,
                                                 const std::string &sequences) {
  RecordingOptions options;
  std::optional<int64_t> k = wholeNumber(every);
  if (!k || *k < 1)
    return Status::error("--record-every must be a whole number >= 1, got '" +
                         every + "'");
  options.every = *k;
  size_t begin = 0;
  while (!sequences.empty() && begin <= sequences.size()) {
    size_t end = std::min(sequences.find(',', begin), sequences.size());
    std::string item = sequences.substr(begin, end - begin);
    std::optional<int64_t> index = wholeNumber(item);
    if (!index)
      return Status::error("--record-sequences takes batch indices joined by "
                           "',' (0,3,7), got '" +
                           item + "' in '" + sequences + "'");
    if (std::find(options.sequences.begin(), options.sequences.end(), *index) !=
        options.sequences.end())
      return Status::error("--record-sequences names sequence " + item +
                           " twice");
    options.sequences.push_back(*index);
    begin = end + 1;
  }
  if (options.sequences.empty())
    options.sequences = {0};
  return options;
}

template <typename T>
Status TraceRecording<T>::start(int64_t batch, int64_t steps,
                                const Tensor<T> &trace) {
  for (int64_t s : options_.sequences)
    if (s >= batch)
      return Status::error("--record-sequences: " + std::to_string(s) +
                           " is not a sequence of the batch (B = " +
                           std::to_string(batch) + ")");
  shared_ = trace.rank() == 2;
  steps_ = steps;
  slots_ = trace.dim(trace.rank() - 2);
  width_ = trace.dim(trace.rank() - 1);
  traceInit_.clear();
  appendRows(trace, shared_, traceInit_);
  appendStatistics(traceInit_);
  return Status::success();
}

template <typename T>
void TraceRecording<T>::appendRows(const Tensor<T> &tensor, bool shared,
                                   std::vector<T> &out) const {
  if (shared) {
    out.insert(out.end(), tensor.data.begin(), tensor.data.end());
    return;
  }
  const int64_t row = tensor.size() / tensor.dim(0);
  for (int64_t s : options_.sequences)
    out.insert(out.end(), tensor.data.begin() + s * row,
               tensor.data.begin() + (s + 1) * row);
}

template <typename T>
void TraceRecording<T>::appendStatistics(const std::vector<T> &values) {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  double sum = 0, sumAbs = 0, sumSq = 0, small = 0;
  for (T v : values) {
    double x = double(v);
    low = std::min(low, x);
    high = std::max(high, x);
    sum += x;
    sumAbs += std::abs(x);
    sumSq += x * x;
    small += std::abs(x) < kNearZeroTrace;
  }
  const double n = double(values.size()), mean = sum / n;
  min_.push_back(low);
  max_.push_back(high);
  meanAbs_.push_back(sumAbs / n);
  std_.push_back(std::sqrt(std::max(0.0, sumSq / n - mean * mean)));
  nearZero_.push_back(small / n);
}

template <typename T>
void TraceRecording<T>::record(int64_t step, const Tensor<T> &trace,
                               const Tensor<T> &weights,
                               const Tensor<T> &hidden) {
  std::vector<T> rows;
  appendRows(trace, shared_, rows);
  appendStatistics(rows);
  if (step % options_.every != 0 && step != steps_)
    return;
  recordedSteps_.push_back(step);
  traces_.insert(traces_.end(), rows.begin(), rows.end());
  if (weights.size() != 0) // Compiled artifacts do not expose them.
    appendRows(weights, false, weights_);
  appendRows(hidden, false, hidden_);
}

template <typename T>
std::vector<NpzMember> TraceRecording<T>::members() const {
  const int64_t k = int64_t(recordedSteps_.size()),
                r = int64_t(options_.sequences.size());
  std::vector<int64_t> traceShape =
      shared_ ? std::vector<int64_t>{slots_, width_}
              : std::vector<int64_t>{r, slots_, width_};
  std::vector<int64_t> tracesShape = traceShape;
  tracesShape.insert(tracesShape.begin(), k);
  const std::string format = kTraceRecordingFormat;
  const std::vector<uint8_t> formatBytes(format.begin(), format.end());
  const int64_t statCount = int64_t(min_.size());
  std::vector<NpzMember> members = {
      {"format", npy({int64_t(formatBytes.size())}, formatBytes)},
      {"steps", npy({k}, recordedSteps_)},
      {"sequences", npy({r}, options_.sequences)},
      {"trace_init", npy(traceShape, traceInit_)},
      {"trace", npy(tracesShape, traces_)},
      {"hidden", npy({k, r, width_}, hidden_)},
      {"stat_min", npy({statCount}, min_)},
      {"stat_max", npy({statCount}, max_)},
      {"stat_mean_abs", npy({statCount}, meanAbs_)},
      {"stat_std", npy({statCount}, std_)},
      {"stat_near_zero", npy({statCount}, nearZero_)},
  };
  if (k == 0 || !weights_.empty())
    members.insert(members.begin() + 5,
                   {"weights", npy({k, r, slots_}, weights_)});
  return members;
}

template class TraceRecording<float>;
template class TraceRecording<double>;

} // namespace engram::runtime

//===- Calibration.cpp - the spiking conversion's calibration -------------===//
//
// Calibration.h: measures the cell on calibration inputs in three sweeps
// (the exact cell; the linear recall, for the k-WTA threshold; the converted
// cell, for every population's range) and moves the result to and from the
// `engram.snn_calibration` attribute.
//
//===----------------------------------------------------------------------===//

#include "passes/EngramToSnn/Calibration.h"

#include "mlir/IR/Builders.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::engram;
using namespace mlir::engram::snnconv;
namespace rt = ::engram::runtime;

LogicalResult
snnconv::checkCodeOptions(const CellPlan &plan, const Cell &cell,
                          const CodeOptions &code, const std::string &prefix,
                          function_ref<InFlightDiagnostic()> fail) {
  const rt::ModelConfig &config = plan.config;
  if (code.recall == Recall::Kwta && (code.k < 1 || code.k > cell.slots))
    return fail() << prefix << "k must be in 1.." << cell.slots
                  << " (the memory slots), not " << code.k;
  if (plan.topK != 0 && code.recall != Recall::Kwta)
    return fail() << "the recall keeps only its " << plan.topK
                  << " best slots (engram.recall's top_k), but a linear "
                     "recall gives every slot weight; use "
                  << prefix << "recall=kwta (or auto)";
  if (plan.topK != 0 && code.k != plan.topK)
    return fail() << prefix << "k=" << code.k
                  << " differs from the recall's top_k = " << plan.topK
                  << "; leave it out or give " << plan.topK;
  if (!(code.percentile > 50 && code.percentile <= 100))
    return fail() << prefix << "percentile must be in (50, 100], not "
                  << code.percentile;
  if (config.traceBatching != rt::TraceBatching::PerSequence)
    return fail() << "a batch_mean trace is shared by the batch; a spiking "
                     "network runs one sequence at a time (per_sequence)";
  if (config.pooling() != rt::Pooling::Last)
    return fail() << "only pooling 'last' converts (the network's output is "
                     "read at the end of the sequence), not '"
                  << rt::toString(config.pooling()) << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// Measuring
//===----------------------------------------------------------------------===//

namespace {

/// The calibration inputs, split into sequences.
struct Inputs {
  const std::vector<double> &data;
  int64_t sequences, steps, width;

  /// Runs `forward` over every sequence, calling `observe` after each step.
  template <typename Observe>
  void forEach(const Forward &forward, Observe observe) const {
    for (int64_t b = 0; b < sequences; ++b)
      forward.run(data.data() + b * steps * width, steps, observe);
  }
};

/// The zero-input detector: it needs non-negative inputs (so that any input
/// inhibits it) and the smallest row sum of a non-zero step.
void measureZeroInput(const Cell &cell, const CodeOptions &code,
                      const Inputs &in, Calibration &out) {
  double smallestRow = 0;
  bool negative = false;
  for (int64_t r = 0; r < in.sequences * in.steps; ++r) {
    double sum = 0;
    for (int64_t j = 0; j < in.width; ++j) {
      double v = in.data[r * in.width + j];
      negative |= v < 0;
      sum += v;
    }
    if (sum > 0 && (smallestRow == 0 || sum < smallestRow))
      smallestRow = sum;
  }
  out.zeroInput = code.zeroInput && !negative && smallestRow > 0;
  out.zeroInputNote = !code.zeroInput    ? "off"
                      : negative         ? "off (negative calibration inputs)"
                      : smallestRow == 0 ? "off (no non-zero calibration input)"
                                         : "exact";
  if (!out.zeroInput)
    return;
  std::vector<double> blank = cell.encoderBias;
  relu(blank);
  out.zeroGain = 1.0 / smallestRow;
  out.zeroSigma1 = stddev(blank);
  out.zeroQueryNorm = norm(
      cell.layerNorm ? layerNorm(blank, out.zeroSigma1, cell.gamma1, cell.beta1)
                     : blank);
}

/// The exact cell: the normalizations' typical sizes (medians) and, for
/// rate coding, the range of h.
void measureNormalizations(const Cell &cell, const CodeOptions &code,
                           const Inputs &in, Calibration &out) {
  std::vector<double> sigma1, sigma2, queryNorm, hidden;
  in.forEach(Forward(cell, nullptr, code.recall), [&](const StepValues &s) {
    if (cell.layerNorm)
      sigma2.push_back(stddev(s.hh));
    hidden.insert(hidden.end(), s.h.begin(), s.h.end());
    // Zero steps get their exact constants; calibrate on the others.
    if (out.zeroInput && s.zeroRow)
      return;
    if (cell.layerNorm)
      sigma1.push_back(stddev(s.enc));
    queryNorm.push_back(norm(s.z));
  });
  if (cell.layerNorm) {
    out.sigma1 = percentile(sigma1, 50);
    out.sigma2 = percentile(sigma2, 50);
  }
  out.queryNorm = percentile(queryNorm, 50);
  if (code.rate())
    out.hiddenRange = {percentile(hidden, 100 - code.percentile),
                       percentile(hidden, code.percentile)};
}

/// The k-WTA threshold: the (k+1)-th largest logit, and the mass above it,
/// at their medians over the linear recall's steps.
void measureKwta(const Cell &cell, const CodeOptions &code, const Inputs &in,
                 Calibration &out) {
  std::vector<double> thresholds, sums;
  in.forEach(Forward(cell, &out, Recall::Linear), [&](const StepValues &s) {
    std::vector<double> sorted = s.logits;
    std::sort(sorted.rbegin(), sorted.rend());
    double theta = code.k < cell.slots ? sorted[code.k] : sorted.back() - 1.0;
    double sum = 0;
    for (double l : sorted)
      sum += std::max(l - theta, 0.0);
    thresholds.push_back(theta);
    sums.push_back(sum);
  });
  out.kwtaThreshold = percentile(thresholds, 50);
  out.kwtaSum = std::max(percentile(sums, 50), 1e-6);
}

/// The converted cell: the range of every population's values.
void measureRanges(const Cell &cell, const CodeOptions &code, const Inputs &in,
                   Calibration &out) {
  std::map<std::string, std::vector<double>> values;
  in.forEach(Forward(cell, &out, code.recall), [&](const StepValues &s) {
    auto keep = [&](const char *name, const std::vector<double> &v) {
      values[name].insert(values[name].end(), v.begin(), v.end());
    };
    keep("enc", s.enc);
    keep("z", s.z);
    keep("raw", s.raw);
    keep("slot", s.slot);
    keep("m", s.m);
    keep("g", s.g);
    keep("hh", s.hh);
    keep("h", s.h);
    keep("out", s.out);
    keep("zero", s.zero);
    keep("zero_gate_pos", s.zeroGatePos);
    keep("zero_gate_neg", s.zeroGateNeg);
  });
  for (auto &[name, all] : values) {
    if (all.empty())
      continue;
    PopulationRange &range = out.ranges[name];
    range.low = percentile(all, 100.0 - code.percentile);
    range.high = percentile(all, code.percentile);
    for (double v : all)
      range.largest = std::max(range.largest, std::abs(v));
  }
}

} // namespace

Calibration snnconv::measureCalibration(const Cell &cell,
                                        const CodeOptions &code,
                                        const std::vector<double> &inputs,
                                        int64_t sequences, int64_t steps) {
  Inputs in{inputs, sequences, steps, cell.inputDim};
  Calibration out;
  out.sequences = sequences;
  measureZeroInput(cell, code, in, out);
  measureNormalizations(cell, code, in, out);
  if (code.recall == Recall::Kwta)
    measureKwta(cell, code, in, out);
  measureRanges(cell, code, in, out);
  return out;
}

//===----------------------------------------------------------------------===//
// The attribute
//===----------------------------------------------------------------------===//

DictionaryAttr snnconv::calibrationAttr(MLIRContext *context,
                                        const Calibration &c,
                                        const CodeOptions &code) {
  Builder b(context);
  auto f64 = [&](double v) { return b.getF64FloatAttr(v); };
  SmallVector<NamedAttribute> ranges;
  for (const auto &[name, r] : c.ranges)
    ranges.push_back(b.getNamedAttr(
        name, b.getArrayAttr({f64(r.low), f64(r.high), f64(r.largest)})));
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("encoding",
                     b.getStringAttr(stringifySnnEncoding(code.encoding))),
      b.getNamedAttr("recall", b.getStringAttr(recallName(code.recall))),
      b.getNamedAttr("k", b.getI64IntegerAttr(code.k)),
      b.getNamedAttr("percentile", f64(code.percentile)),
      b.getNamedAttr("zero_input", b.getStringAttr(c.zeroInputNote)),
      b.getNamedAttr("sequences", b.getI64IntegerAttr(c.sequences)),
      b.getNamedAttr("sigma1", f64(c.sigma1)),
      b.getNamedAttr("sigma2", f64(c.sigma2)),
      b.getNamedAttr("query_norm", f64(c.queryNorm)),
      b.getNamedAttr("zero_gain", f64(c.zeroGain)),
      b.getNamedAttr("zero_sigma1", f64(c.zeroSigma1)),
      b.getNamedAttr("zero_query_norm", f64(c.zeroQueryNorm)),
      b.getNamedAttr("kwta_threshold", f64(c.kwtaThreshold)),
      b.getNamedAttr("kwta_mass", f64(c.kwtaSum)),
      b.getNamedAttr("ranges", b.getDictionaryAttr(ranges))};
  if (c.hiddenRange)
    fields.push_back(b.getNamedAttr(
        "hidden_range", b.getArrayAttr({f64(c.hiddenRange->first),
                                        f64(c.hiddenRange->second)})));
  return b.getDictionaryAttr(fields);
}

namespace {

/// Reads the fields of `engram.snn_calibration`, naming the first bad one.
class CalibrationReader {
public:
  CalibrationReader(DictionaryAttr attr, std::string &error)
      : attr(attr), error(error) {}

  bool f64(StringRef name, double &out) {
    auto value = dyn_cast_or_null<FloatAttr>(attr.get(name));
    if (!value || !std::isfinite(value.getValueAsDouble()))
      return fail(name, "a finite float");
    out = value.getValueAsDouble();
    return true;
  }
  bool i64(StringRef name, int64_t &out) {
    auto value = dyn_cast_or_null<IntegerAttr>(attr.get(name));
    if (!value)
      return fail(name, "an integer");
    out = value.getInt();
    return true;
  }
  bool string(StringRef name, std::string &out) {
    auto value = dyn_cast_or_null<StringAttr>(attr.get(name));
    if (!value)
      return fail(name, "a string");
    out = value.str();
    return true;
  }
  /// A list of `size` finite floats.
  bool floats(Attribute value, StringRef name, size_t size,
              SmallVectorImpl<double> &out) {
    auto list = dyn_cast_or_null<ArrayAttr>(value);
    if (!list || list.size() != size)
      return fail(name, "a list of " + std::to_string(size) + " floats");
    for (Attribute a : list) {
      auto f = dyn_cast<FloatAttr>(a);
      if (!f || !std::isfinite(f.getValueAsDouble()))
        return fail(name, "a list of finite floats");
      out.push_back(f.getValueAsDouble());
    }
    return true;
  }
  bool fail(StringRef name, const std::string &what) {
    error = (kCalibrationAttr + ": '" + name + "' must be " + what).str();
    return false;
  }

private:
  DictionaryAttr attr;
  std::string &error;
};

/// The options a calibration was made for.
bool readCodeOptions(CalibrationReader &in, CodeOptions &code,
                     const Calibration &c) {
  std::string encoding, recall;
  if (!in.string("encoding", encoding) || !in.string("recall", recall) ||
      !in.i64("k", code.k) || !in.f64("percentile", code.percentile))
    return false;
  if (encoding != "rate" && encoding != "graded")
    return in.fail("encoding", "rate or graded");
  code.encoding = encoding == "rate" ? SnnEncoding::Rate : SnnEncoding::Graded;
  if (recall != recallName(Recall::Linear) && recall != recallName(Recall::Kwta))
    return in.fail("recall", "linear or kwta");
  code.recall = recall == recallName(Recall::Kwta) ? Recall::Kwta : Recall::Linear;
  code.zeroInput = c.zeroInputNote != "off";
  return true;
}

/// The `ranges` dictionary: [low, high, largest] per population.
bool readRanges(CalibrationReader &in, DictionaryAttr attr, Calibration &c) {
  auto ranges = dyn_cast_or_null<DictionaryAttr>(attr.get("ranges"));
  if (!ranges)
    return in.fail("ranges", "a dictionary of [low, high, largest]");
  for (NamedAttribute entry : ranges) {
    SmallVector<double, 3> v;
    if (!in.floats(entry.getValue(), ("ranges." + entry.getName().strref()).str(),
                   3, v))
      return false;
    c.ranges[entry.getName().str()] = {v[0], v[1], v[2]};
  }
  return true;
}

} // namespace

FailureOr<Calibration> snnconv::readCalibration(DictionaryAttr attr,
                                                CodeOptions &madeFor,
                                                std::string &error) {
  CalibrationReader in(attr, error);
  Calibration c;
  if (!in.string("zero_input", c.zeroInputNote) ||
      !in.i64("sequences", c.sequences) || !in.f64("sigma1", c.sigma1) ||
      !in.f64("sigma2", c.sigma2) || !in.f64("query_norm", c.queryNorm) ||
      !in.f64("zero_gain", c.zeroGain) ||
      !in.f64("zero_sigma1", c.zeroSigma1) ||
      !in.f64("zero_query_norm", c.zeroQueryNorm) ||
      !in.f64("kwta_threshold", c.kwtaThreshold) ||
      !in.f64("kwta_mass", c.kwtaSum) || !readCodeOptions(in, madeFor, c) ||
      !readRanges(in, attr, c))
    return failure();
  c.zeroInput = c.zeroInputNote == "exact";
  if (Attribute hidden = attr.get("hidden_range")) {
    SmallVector<double, 2> v;
    if (!in.floats(hidden, "hidden_range", 2, v))
      return failure();
    c.hiddenRange = {v[0], v[1]};
  }
  return c;
}

//===- EngramToSnn.cpp - engram cell → spiking network --------------------===//
//
// convert-engram-to-snn: reads the cell back from `@forward` (liftModel),
// calibrates the approximations on sample inputs and builds an snn.network
// in its place. The network is a chain of populations, one per quantity of
// the cell (ENGRAM_SEMANTICS.md):
//
//   x → enc = relu(x·K_enc + b)  → z ≈ LN1(enc)          (linear)
//   z → raw_i ≈ Σ_j (M + s·T)_ij z_j                       (static M + plastic)
//   raw → slot ≈ recall weights a (first-order softmax or k-WTA)
//   slot → m ≈ Σ_i a_i (M + s·T)_i                          (static + plastic)
//   z, m, h(previous step) → g = relu(·K_int + b) → hh = relu(·K_out + b)
//   hh → h ≈ LN2(hh) → out = h·K_r + b_r                    (the probe)
//
// Each population computes v = act(Σ W·v_pre + b). With graded events the
// payload is v itself; with rate coding a neuron's rate r ∈ [0, 1] stands
// for v = lo + span·r over the population's calibrated range, so weights
// and biases are rescaled per projection (connect()). Every choice here is
// documented, with its measured cost, in docs/spiking.md.
//
//===----------------------------------------------------------------------===//

#include "passes/EngramToSnn/CellModel.h"

#include "dialects/snn/SnnOps.h"
#include "passes/ModelToEngram.h"
#include "passes/EngramToModel.h"
#include "passes/Passes.h"

#include "runtime/Npy.h"
#include "spiking/Rule.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

namespace mlir::engram {
#define GEN_PASS_DEF_CONVERTENGRAMTOSNN
#include "passes/Passes.h.inc"
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;
namespace rt = ::engram::runtime;
namespace spiking = ::engram::spiking;
using namespace mlir::engram::snnconv;

namespace {

/// The threshold mantissa of Loihi fixed-point neurons: one unit of rate
/// current is 2^12 (weights and biases are scaled by it).
constexpr int kFixedThresholdShift = 12;
/// Loihi's LIF resets to zero, so a neuron driven by c thresholds per
/// timestep fires at 1 / (⌊1/c⌋ + 1), not c. Keeping c ≤ 1/4 (threshold 4
/// times the full-scale current) bounds that loss; the populations these
/// neurons feed scale their weights back up by the same factor.
constexpr int kFixedRateShift = 2;

/// One population of the network being built, with its value code.
struct Population {
  std::string name;
  int64_t size = 0;
  bool relu = false;
  /// value = lo + span·rate (rate coding); 0 and 1 for graded events.
  double lo = 0, span = 1;
  /// The calibrated range of the values (the sigma-delta thresholds'
  /// unit); inputs are in [0, 1].
  double range = 1;
  /// The value-domain bias b of v = act(Σ W·v_pre + b).
  std::vector<double> bias;
  /// Bias in the population's own units, accumulated by connect().
  std::vector<double> codedBias;
  Value value;
};

/// A projection's weights in the post population's units, before
/// quantization.
struct PendingProjection {
  Population *pre, *post, *third = nullptr;
  Matrix weights;
  int64_t delay = 0;
  /// Plastic: the weights' bound (± in coded units) and the rule's
  /// value-domain rate η·s applied to the coded product.
  bool plastic = false;
  double bound = 0;
};

class Converter {
public:
  Converter(ModuleOp module, const rt::Model &model,
            const ConvertEngramToSnnOptions &options)
      : module(module), context(module.getContext()), model(model),
        options(options), cell(cellOf(model)) {}

  LogicalResult run();

private:
  LogicalResult checkOptions();
  LogicalResult calibrate();
  LogicalResult build();

  Population &population(const std::string &name, int64_t size, bool relu,
                         std::vector<double> bias);
  /// Adds W (value domain, post × pre) to the network: rescales it to the
  /// code of pre and post and moves the pre offset into post's bias.
  PendingProjection &connect(Population &pre, Population &post, Matrix w);
  Population &buildRecall(Population &raw, Population *zero);
  LogicalResult emitNetwork(Population &out);
  void emit(OpBuilder &b, Location loc, const PendingProjection &p);
  snn::RuleAttr rule(const PendingProjection &p, double exp2) const;
  spiking::RuleTerm
  ruleTerm(double c, std::initializer_list<spiking::RuleFactor> factors) const;
  bool rate() const { return encoding == SnnEncoding::Rate; }
  /// The zero-input path adds one projection (the gates) before the slots;
  /// checkOptions needs the depth before calibration decides.
  bool zeroInputRequested() const {
    return options.zeroInput == SnnZeroInput::Exact ||
           (options.zeroInput == SnnZeroInput::Auto &&
            profile != snn::Profile::Loihi2);
  }
  bool fixedNeurons() const {
    return rate() && profile == snn::Profile::Loihi2;
  }

  /// An option as the user spelled it: `timesteps` for the pass,
  /// `--snn-timesteps` for engramc (option-prefix).
  std::string opt(StringRef name) const {
    return options.optionPrefix + name.str();
  }
  /// An error at the module, led by the pass's name unless a driver
  /// speaks for it.
  InFlightDiagnostic fail() {
    InFlightDiagnostic diag = emitError(module.getLoc());
    if (options.optionPrefix.empty())
      diag << "convert-engram-to-snn: ";
    return diag;
  }

  ModuleOp module;
  MLIRContext *context;
  const rt::Model &model;
  const ConvertEngramToSnnOptions &options;
  Cell cell;
  SnnEncoding encoding = SnnEncoding::Rate;
  snn::Profile profile = snn::Profile::Generic;
  Recall recall = Recall::Linear;
  Calibration calibration;
  int64_t calibrationSequences = 0;
  /// Whether the trace is plastic (option learning; never on SpiNNaker).
  bool learn = true;
  std::string zeroInputNote;
  std::vector<std::unique_ptr<Population>> populations;
  std::vector<PendingProjection> projections;
};

LogicalResult Converter::checkOptions() {
  const auto &o = options;
  // The enumerated options were checked when they were parsed.
  encoding = o.encoding;
  profile = o.profile;
  if (profile == snn::Profile::Spinnaker && !rate())
    return fail() << "spinnaker has no graded events; use " << opt("encoding")
                  << "=rate";
  if (o.learning == SnnLearning::On && profile == snn::Profile::Spinnaker)
    return fail() << "spinnaker has no three-factor learning rules; use "
                  << opt("learning") << "=off";
  learn = o.learning == SnnLearning::On ||
          (o.learning == SnnLearning::Auto &&
           profile != snn::Profile::Spinnaker);
  recall = o.recall == SnnRecall::Kwta ? Recall::Kwta : Recall::Linear;
  if (recall == Recall::Kwta && (o.k < 1 || o.k > cell.slots))
    return fail() << opt("k") << " must be in 1.." << cell.slots
                  << " (the memory slots), not " << o.k;
  if (!(o.inhibition >= 0 && o.inhibition < 1))
    return fail() << opt("inhibition") << " must be in [0, 1), not "
                  << o.inhibition;
  if (!(o.percentile > 50 && o.percentile <= 100))
    return fail() << opt("percentile") << " must be in (50, 100], not "
                  << o.percentile;
  int64_t maxBits = profile == snn::Profile::Loihi2 ? 8 : 16;
  if (o.weightBits < 1 || o.weightBits > maxBits)
    return fail() << opt("weight-bits") << " must be in 1.." << maxBits
                  << ", not " << o.weightBits;
  // Graded events settle one projection per timestep; the chain x → … → h
  // and the step from h to the readout must fit in a window.
  int64_t depth = (cell.layerNorm ? 8 : 6) + (zeroInputRequested() ? 1 : 0);
  int64_t minimum = rate() ? 3 : depth + 2;
  // The recurrent projection is delayed by timesteps − 3 (− 2 without layer
  // norm), at most 62 on Loihi 2.
  int64_t maximum =
      profile == snn::Profile::Loihi2 ? (cell.layerNorm ? 65 : 64) : 1024;
  if (o.timesteps < minimum || o.timesteps > maximum)
    return fail()
           << opt("timesteps") << " must be in " << minimum << ".." << maximum
           << " for " << opt("encoding") << "=" << stringifySnnEncoding(encoding)
           << (rate() ? ""
                      : " (graded values settle one projection per timestep)")
           << ", not " << o.timesteps;
  if (o.calibrationSamples < 1)
    return fail() << opt("calibration-samples") << " must be at least 1";
  const rt::ModelConfig &config = model.config;
  if (config.traceBatching != rt::TraceBatching::PerSequence)
    return fail() << "a batch_mean trace is shared by the batch; a spiking "
                     "network runs one "
                     "sequence at a time (per_sequence)";
  if (config.pooling() != rt::Pooling::Last)
    return fail() << "only pooling 'last' converts (the network's output is "
                     "read at the "
                     "end of the sequence), not '"
                  << rt::toString(config.pooling()) << "'";
  return success();
}

LogicalResult Converter::calibrate() {
  if (options.calibration.empty())
    return fail() << "needs calibration data: " << opt("calibration")
                  << "=FILE.npy, inputs B×S×" << cell.inputDim;
  rt::StatusOr<rt::NpyArray> file = rt::readNpy(options.calibration);
  if (!file.ok())
    return fail() << file.status().message();
  if (file->dtype != "<f4" && file->dtype != "<f8")
    return fail() << options.calibration << ": dtype "
                  << rt::dtypeName(file->dtype) << "; " << opt("calibration")
                  << " takes float32 or float64 inputs (scale integer data as "
                     "the model was trained, e.g. images / 255)";
  const std::vector<int64_t> &shape = file->shape;
  if (shape.size() != 3 || shape[2] != cell.inputDim || shape[0] < 1 ||
      shape[1] < 1)
    return fail() << options.calibration << ": expected inputs B×S×"
                  << cell.inputDim << ", got " << rt::shapeToString(shape);
  for (double v : file->data)
    if (!std::isfinite(v))
      return fail() << options.calibration
                    << ": holds a value that is not finite";
  int64_t sequences = std::min<int64_t>(shape[0], options.calibrationSamples);
  calibrationSequences = sequences;
  // The zero-input detector needs non-negative inputs (so that any input
  // inhibits it) and the smallest row sum of a non-zero step.
  double smallestRow = 0;
  bool negative = false;
  const int64_t rows = sequences * shape[1];
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (int64_t j = 0; j < cell.inputDim; ++j) {
      double v = file->data[r * cell.inputDim + j];
      negative |= v < 0;
      sum += v;
    }
    if (sum > 0 && (smallestRow == 0 || sum < smallestRow))
      smallestRow = sum;
  }
  calibration.zeroInput = zeroInputRequested() && !negative && smallestRow > 0;
  zeroInputNote = !zeroInputRequested() ? "off"
                  : negative            ? "off (negative calibration inputs)"
                  : smallestRow == 0    ? "off (no non-zero calibration input)"
                                        : "exact";
  if (calibration.zeroInput) {
    std::vector<double> blank = cell.encoderBias;
    relu(blank);
    calibration.zeroGain = 1.0 / smallestRow;
    calibration.zeroSigma1 = stddev(blank);
    calibration.zeroQueryNorm =
        norm(cell.layerNorm ? layerNorm(blank, calibration.zeroSigma1,
                                        cell.gamma1, cell.beta1)
                            : blank);
  }
  int64_t steps = shape[1];
  auto forEach = [&](Forward &forward, auto observe) {
    for (int64_t b = 0; b < sequences; ++b)
      forward.run(file->data.data() + b * steps * cell.inputDim, steps,
                  observe);
  };

  // 1. The exact cell: the normalizations' typical sizes.
  std::vector<double> sigma1, sigma2, queryNorm, hidden;
  Forward exact(cell, nullptr, recall);
  forEach(exact, [&](const StepValues &s) {
    if (cell.layerNorm)
      sigma2.push_back(stddev(s.hh));
    hidden.insert(hidden.end(), s.h.begin(), s.h.end());
    // Zero steps get their exact constants; calibrate on the others.
    if (calibration.zeroInput && s.zeroRow)
      return;
    if (cell.layerNorm)
      sigma1.push_back(stddev(s.enc));
    queryNorm.push_back(norm(s.z));
  });
  if (cell.layerNorm) {
    calibration.sigma1 = percentile(sigma1, 50);
    calibration.sigma2 = percentile(sigma2, 50);
  }
  calibration.queryNorm = percentile(queryNorm, 50);
  if (rate())
    calibration.hiddenRange = {percentile(hidden, 100 - options.percentile),
                               percentile(hidden, options.percentile)};

  // 2. The k-WTA threshold: the (k+1)-th largest logit, and the mass above
  // it, at their medians.
  if (recall == Recall::Kwta) {
    std::vector<double> thresholds, sums;
    Forward linear(cell, &calibration, Recall::Linear);
    forEach(linear, [&](const StepValues &s) {
      std::vector<double> sorted = s.logits;
      std::sort(sorted.rbegin(), sorted.rend());
      double theta =
          options.k < cell.slots ? sorted[options.k] : sorted.back() - 1.0;
      double sum = 0;
      for (double l : sorted)
        sum += std::max(l - theta, 0.0);
      thresholds.push_back(theta);
      sums.push_back(sum);
    });
    calibration.kwtaThreshold = percentile(thresholds, 50);
    calibration.kwtaSum = std::max(percentile(sums, 50), 1e-6);
  }

  // 3. The converted cell: the range of every population's values.
  Forward converted(cell, &calibration, recall);
  forEach(converted, [&](const StepValues &s) {
    auto keep = [&](const char *name, const std::vector<double> &v) {
      std::vector<double> &all = calibration.values[name];
      all.insert(all.end(), v.begin(), v.end());
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
  return success();
}

Population &Converter::population(const std::string &name, int64_t size,
                                  bool relu, std::vector<double> bias) {
  auto p = std::make_unique<Population>();
  p->name = name;
  p->size = size;
  p->relu = relu;
  p->bias = bias.empty() ? std::vector<double>(size, 0.0) : std::move(bias);
  p->codedBias.assign(size, 0.0);
  const std::vector<double> &values = calibration.values[name];
  double hi = percentile(values, options.percentile);
  double lo = relu ? 0.0 : percentile(values, 100.0 - options.percentile);
  p->range = name == "x" ? 1.0 : std::max(hi - lo, 1e-6);
  if (rate()) {
    p->lo = lo;
    p->span = p->range;
  }
  populations.push_back(std::move(p));
  return *populations.back();
}

PendingProjection &Converter::connect(Population &pre, Population &post,
                                      Matrix w) {
  for (int64_t i = 0; i < w.rows; ++i)
    for (int64_t j = 0; j < w.cols; ++j) {
      post.codedBias[i] += w.at(i, j) * pre.lo / post.span;
      w.at(i, j) *= pre.span / post.span;
    }
  projections.push_back({&pre, &post, nullptr, std::move(w)});
  return projections.back();
}

LogicalResult Converter::run() {
  if (failed(checkOptions()) || failed(calibrate()))
    return failure();
  return build();
}

LogicalResult Converter::build() {
  int64_t H = cell.hidden, N = cell.slots, T = options.timesteps;
  Population &x = population("x", cell.inputDim, true, {});
  if (rate()) { // Inputs are read as they are: rates in [0, 1].
    x.lo = 0;
    x.span = 1;
  }
  Population &enc = population("enc", H, true, cell.encoderBias);
  connect(x, enc, cell.encoder);

  // z ≈ LN1(enc) = A·enc + β, A = diag(γ/σ₁)·(I − 1/H): the mean
  // subtraction is exact, σ₁ the calibrated constant.
  Population *z = &enc;
  auto normalize = [&](Population &from, const char *name, double sigma,
                       const std::vector<double> &gamma,
                       const std::vector<double> &beta) -> Population & {
    Population &to = population(name, H, false, beta);
    Matrix a(H, H);
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < H; ++j)
        a.at(i, j) = gamma[i] / sigma * ((i == j ? 1.0 : 0.0) - 1.0 / H);
    connect(from, to, a);
    return to;
  };
  if (cell.layerNorm)
    z = &normalize(enc, "z", calibration.sigma1, cell.gamma1, cell.beta1);

  // The zero-input detector: 1 on an all-zero step, silenced by any input
  // (inputs are non-negative and a non-zero step sums to at least 1/gain).
  Population *zero = nullptr;
  std::vector<double> blankEncoding = cell.encoderBias;
  relu(blankEncoding);
  if (calibration.zeroInput) {
    zero = &population("zero", 1, true, {1.0});
    Matrix inhibit(1, cell.inputDim);
    for (double &w : inhibit.data)
      w = -calibration.zeroGain;
    connect(x, *zero, inhibit);
    if (cell.layerNorm) {
      // On a zero step z is LN1(relu(b_enc)) exactly: add the difference
      // from the calibrated σ₁.
      std::vector<double> exact = layerNorm(
          blankEncoding, calibration.zeroSigma1, cell.gamma1, cell.beta1);
      std::vector<double> approx =
          layerNorm(blankEncoding, calibration.sigma1, cell.gamma1, cell.beta1);
      Matrix fix(H, 1);
      for (int64_t i = 0; i < H; ++i)
        fix.at(i, 0) = exact[i] - approx[i];
      connect(*zero, *z, fix);
    }
  }

  // raw = (M + s·T)·z: the bank as static weights, s·T as plastic ones.
  // Without learning (always on SpiNNaker, whose PyNN has no three-factor
  // rules) the trace stays at T₀, folded into the static weights.
  Matrix trace(N, H), bank = cell.memory;
  for (size_t k = 0; k < trace.data.size(); ++k) {
    trace.data[k] = cell.scale * cell.traceInit.data[k];
    if (!learn)
      bank.data[k] += trace.data[k];
  }
  Population &raw = population("raw", N, false, {});
  connect(*z, raw, bank);
  Population *slotPtr = nullptr;

  Population &slot = buildRecall(raw, zero);
  slotPtr = &slot;

  // m = (M + s·T)ᵀ·a.
  Population &m = population("m", H, false, {});
  Matrix memoryT(H, N);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < H; ++j)
      memoryT.at(j, i) = bank.at(i, j);
  connect(slot, m, memoryT);

  // g = relu(K_int·[z, m, h] + b), hh = relu(K_out·g + b), h ≈ LN2(hh).
  Population &g = population("g", 3 * H, true, cell.integratorBias);
  auto columns = [&](int64_t from) {
    Matrix part(3 * H, H);
    for (int64_t i = 0; i < 3 * H; ++i)
      for (int64_t j = 0; j < H; ++j)
        part.at(i, j) = cell.integrator.at(i, from + j);
    return part;
  };
  connect(*z, g, columns(0));
  connect(m, g, columns(H));
  Population &hh = population("hh", H, true, cell.outputBias);
  connect(g, hh, cell.output);
  Population *h = &hh;
  if (cell.layerNorm)
    h = &normalize(hh, "h", calibration.sigma2, cell.gamma2, cell.beta2);
  // The previous step's h reaches g T − d timesteps later, d the
  // projections from g to h (hh, and LN2's h): g's settled values, from the
  // offset where z and m have settled to the end of the window, then read h
  // as it was settled at the same offset + d of the previous window, and the
  // last d of them read the first d values of h in this window, which
  // still come from the end of the previous one (docs/spiking.md).
  const int64_t gToH = cell.layerNorm ? 2 : 1;
  connect(*h, g, columns(2 * H)).delay = T - gToH - 1;

  // The plastic halves of the two recalls, both holding s·T: raw_i gets
  // Σ_j s·T_ij z_j (post traces from the slots, as third factor) and m_j
  // gets Σ_i s·T_ij a_i (third factor z).
  Matrix traceT(H, N);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < H; ++j)
      traceT.at(j, i) = trace.at(i, j);
  if (learn) {
    PendingProjection &similarity = connect(*z, raw, trace);
    similarity.plastic = true;
    similarity.third = slotPtr;
    similarity.bound = cell.scale * kTraceClip * z->span / raw.span;
    PendingProjection &recalled = connect(slot, m, traceT);
    recalled.plastic = true;
    recalled.third = z;
    recalled.bound = cell.scale * kTraceClip * slot.span / m.span;
  }

  Population *out = h;
  if (cell.classes) {
    out = &population("out", cell.classes, false, cell.readoutBias);
    connect(*h, *out, cell.readout);
  }
  return emitNetwork(*out);
}

/// The memory-slot population: the recall weights a of the logits
/// l_i = raw_i·κ_i, κ_i = 1 / (‖M_i‖ · ‖z‖ · τ'), both norms calibrated, with
/// the zero-input gates when `zero` is set.
Population &Converter::buildRecall(Population &raw, Population *zero) {
  int64_t H = cell.hidden, N = cell.slots;
  Matrix toSlot(N, N);
  std::vector<double> slotBias(N, 0.0);
  for (int64_t i = 0; i < N; ++i) {
    double kappa =
        1.0 / (cell.rowNorm[i] * calibration.queryNorm * cell.temperature);
    if (recall == Recall::Linear) {
      // a_i = (1 + l_i − mean l) / N.
      for (int64_t j = 0; j < N; ++j)
        toSlot.at(i, j) = ((i == j ? 1.0 : 0.0) - 1.0 / N) *
                          (1.0 / (cell.rowNorm[j] * calibration.queryNorm *
                                  cell.temperature)) /
                          N;
      slotBias[i] = 1.0 / N;
    } else {
      // a_i = relu(l_i − θ) / Σ, θ and Σ calibrated.
      toSlot.at(i, i) = kappa / calibration.kwtaSum;
      slotBias[i] = -calibration.kwtaThreshold / calibration.kwtaSum;
    }
  }
  Population &slot = population("slot", N, recall == Recall::Kwta, slotBias);
  connect(raw, slot, toSlot);
  if (zero) {
    // On a zero step ‖z‖ is known: the logits need raw_i·c_i more, c_i =
    // (1/‖z₀‖ − 1/‖z‖_cal) / (‖M_i‖·τ'). Two gates pass ±c_i·raw_i only
    // while the detector fires: relu(±c_i·raw_i − B·(1 − zero)), B twice
    // any |c_i·raw_i| of the calibration data (‖raw_i‖ ≤ (‖M_i‖ +
    // s·clip·√H)·‖z‖ on a zero step, where ‖z‖ = ‖z₀‖).
    Matrix pass(N, N), open(N, 1);
    double strength = 0, largestRaw = 0;
    for (double v : calibration.values["raw"])
      largestRaw = std::max(largestRaw, std::abs(v));
    std::vector<double> closed(N);
    for (int64_t i = 0; i < N; ++i) {
      double c =
          (1.0 / calibration.zeroQueryNorm - 1.0 / calibration.queryNorm) /
          (cell.rowNorm[i] * cell.temperature);
      pass.at(i, i) = c;
      double bound =
          std::max(largestRaw, (cell.rowNorm[i] + cell.scale * kTraceClip *
                                                      std::sqrt(double(H))) *
                                   calibration.zeroQueryNorm);
      strength = std::max(strength, 2.0 * std::abs(c) * bound);
    }
    for (int64_t i = 0; i < N; ++i) {
      open.at(i, 0) = strength;
      closed[i] = -strength;
    }
    Matrix negated = pass;
    for (double &w : negated.data)
      w = -w;
    Population &up = population("zero_gate_pos", N, true, closed);
    Population &down = population("zero_gate_neg", N, true, closed);
    connect(raw, up, pass);
    connect(raw, down, negated);
    connect(*zero, up, open);
    connect(*zero, down, open);
    // The gates add to the logits as raw does (toSlot without κ).
    Matrix logitsToSlot(N, N), minus(N, N);
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double w = recall == Recall::Linear
                       ? ((i == j ? 1.0 : 0.0) - 1.0 / N) / N
                       : (i == j ? 1.0 / calibration.kwtaSum : 0.0);
        logitsToSlot.at(i, j) = w;
        minus.at(i, j) = -w;
      }
    connect(up, slot, logitsToSlot);
    connect(down, slot, minus);
  }
  if (recall == Recall::Kwta && options.inhibition > 0) {
    Matrix lateral(N, N);
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < N; ++j)
        lateral.at(i, j) = i == j ? 0.0 : -options.inhibition;
    connect(slot, slot, lateral);
  }

  return slot;
}

/// Replaces @forward with the snn.network of the populations and
/// projections built so far, probing `out`.
LogicalResult Converter::emitNetwork(Population &out) {
  int64_t T = options.timesteps;
  OpBuilder b(module.getContext());
  Location loc = module.getLoc();
  auto func = module.lookupSymbol(kEntryName);
  b.setInsertionPoint(func);
  auto network =
      snn::NetworkOp::create(b, loc, "engram", profile, T, cell.inputDim);
  // The calibrated constants, so that every approximation can be read off
  // the IR (docs/spiking.md).
  SmallVector<NamedAttribute> constants = {
      b.getNamedAttr("encoding",
                     b.getStringAttr(stringifySnnEncoding(encoding))),
      b.getNamedAttr("recall",
                     b.getStringAttr(stringifySnnRecall(options.recall))),
      b.getNamedAttr("query_norm", b.getF64FloatAttr(calibration.queryNorm)),
      b.getNamedAttr("hebbian_trace",
                     b.getStringAttr(learn ? "plastic" : "frozen at T0")),
      b.getNamedAttr("weight_bits", b.getI64IntegerAttr(options.weightBits)),
      b.getNamedAttr("zero_input", b.getStringAttr(zeroInputNote)),
      b.getNamedAttr("calibration_sequences",
                     b.getI64IntegerAttr(calibrationSequences))};
  if (cell.layerNorm) {
    constants.push_back(b.getNamedAttr("layer_norm1_sigma",
                                       b.getF64FloatAttr(calibration.sigma1)));
    constants.push_back(b.getNamedAttr("layer_norm2_sigma",
                                       b.getF64FloatAttr(calibration.sigma2)));
  }
  if (recall == Recall::Kwta) {
    constants.push_back(b.getNamedAttr(
        "kwta_threshold", b.getF64FloatAttr(calibration.kwtaThreshold)));
    constants.push_back(
        b.getNamedAttr("kwta_mass", b.getF64FloatAttr(calibration.kwtaSum)));
  }
  if (rate())
    constants.push_back(b.getNamedAttr("range_percentile",
                                       b.getF64FloatAttr(options.percentile)));
  network->setAttr("engram.calibration", b.getDictionaryAttr(constants));
  b.setInsertionPointToStart(&network.getBody().front());
  auto vector = [&](const std::vector<double> &v) -> ElementsAttr {
    auto type = RankedTensorType::get({int64_t(v.size())}, b.getF64Type());
    return DenseElementsAttr::get(type, ArrayRef<double>(v));
  };
  // Graded units are sigma-delta coded unless sigma-delta < 0.
  // Graded units are sigma-delta coded unless sigma-delta < 0, with a
  // threshold of that fraction of each population's calibrated range.
  auto deltaOf = [&](const Population &p) -> FloatAttr {
    if (rate() || options.sigmaDelta < 0)
      return {};
    return b.getF64FloatAttr(options.sigmaDelta * p.range);
  };
  for (auto &p : populations) {
    auto type = snn::PopulationType::get(b.getContext(), p->size);
    std::vector<double> bias(p->size);
    for (int64_t i = 0; i < p->size; ++i)
      bias[i] = (p->bias[i] - p->lo) / p->span + p->codedBias[i];
    if (p->name == "x") {
      p->value = snn::InputOp::create(
          b, loc, type, p->name,
          rate() ? snn::Encoding::Rate : snn::Encoding::Graded, 0,
          vector(std::vector<double>(p->size, 1.0)), deltaOf(*p));
    } else if (fixedNeurons()) {
      // Loihi LIF as a non-leaky integrator (du = 4095: the current lasts
      // one timestep; dv = 0) with threshold 2^12·2^kFixedRateShift: the
      // bias is bias·2^12·2^6 as mantissa·2^exp.
      SmallVector<int32_t> mant, exps;
      for (double v : bias) {
        double scaled = v * double(1 << (kFixedThresholdShift + 6));
        int e = 0;
        while (std::abs(scaled) / double(1 << e) > 4095 && e < 7)
          ++e;
        mant.push_back(int32_t(std::clamp<double>(
            std::llround(scaled / double(1 << e)), -4096, 4095)));
        exps.push_back(e);
      }
      auto i32 = [&](ArrayRef<int32_t> v) -> ElementsAttr {
        auto t = RankedTensorType::get({int64_t(v.size())}, b.getI32Type());
        return DenseElementsAttr::get(t, v);
      };
      p->value = snn::LifFixedOp::create(
          b, loc, type, p->name, 4095, 0,
          int64_t(1) << (kFixedThresholdShift + kFixedRateShift), i32(mant),
          i32(exps));
    } else if (rate()) {
      p->value = snn::IfOp::create(b, loc, type, p->name, snn::Reset::Subtract,
                                   llvm::APFloat(1.0), vector(bias));
    } else {
      p->value = snn::GradedOp::create(b, loc, type, p->name,
                                       p->relu ? snn::Activation::Relu
                                               : snn::Activation::Linear,
                                       vector(bias), deltaOf(*p));
    }
  }
  for (const PendingProjection &p : projections)
    emit(b, loc, p);
  double outRate = fixedNeurons() ? double(1 << kFixedRateShift) : 1.0;
  std::vector<double> scale(out.size, out.span * outRate),
      offset(out.size, out.lo);
  snn::ProbeOp::create(b, loc, out.value,
                       rate() ? snn::Decode::Rate : snn::Decode::Last,
                       vector(scale), vector(offset));
  func->erase();
  return network.verify();
}

/// One term c·u·factors of a rule: on Loihi 2 with c rounded to the nearest
/// m·2^e that Lava's fixed-point rule parser takes (docs/spiking.md).
spiking::RuleTerm Converter::ruleTerm(
    double c, std::initializer_list<spiking::RuleFactor> factors) const {
  spiking::RuleTerm term;
  term.coefficient = c;
  if (profile == snn::Profile::Loihi2) {
    auto [m, e] = spiking::nearestLoihiConstant(std::abs(c));
    term.mantissaExponent = {c < 0 ? -m : m, e};
    term.coefficient = std::ldexp(double(term.mantissaExponent->first), e);
  }
  for (spiking::RuleFactor factor : factors)
    ++term.powers[size_t(factor)];
  return term;
}

/// dw = C·(lo_pre + span_pre·x1)·(lo_3 + span_3·y3) − η·w: the Hebbian
/// update of s·T, with a·z written in the rate codes of the pre and
/// third-factor populations and C = η·s·span_pre / span_post in the
/// projection's mantissa units (the scaling connect() gave the weights).
/// Every term depends on u, the end of a window.
snn::RuleAttr Converter::rule(const PendingProjection &p, double exp2) const {
  double units = cell.scale * p.pre->span / p.post->span / exp2;
  if (fixedNeurons())
    units *= double(1 << kFixedThresholdShift);
  // Loihi neurons fire at 1/2^kFixedRateShift of the coded rate; their
  // traces follow that.
  auto rateScale = [&](const Population &q) {
    return fixedNeurons() && q.name != "x" ? double(1 << kFixedRateShift) : 1.0;
  };
  units *= rateScale(*p.pre); // the weights' scale in emit()
  double cScale = cell.eta * units;
  // The product a·z in the codes: the pre's value is lo + span·x1, the
  // third factor's lo + span·y3.
  const Population &pre = *p.pre, &third = *p.third;
  double preSpan = pre.span * rateScale(pre),
         thirdSpan = third.span * rateScale(third);
  using F = spiking::RuleFactor;
  std::vector<spiking::RuleTerm> terms;
  auto add = [&](double c, std::initializer_list<F> factors) {
    if (c != 0)
      terms.push_back(ruleTerm(c, factors));
  };
  add(cScale * pre.lo * third.lo, {});
  add(cScale * pre.lo * thirdSpan, {F::Y3});
  add(cScale * preSpan * third.lo, {F::X1});
  add(cScale * preSpan * thirdSpan, {F::X1, F::Y3});
  terms.push_back(ruleTerm(-cell.eta, {F::W}));
  return snn::RuleAttr::get(context, terms);
}

void Converter::emit(OpBuilder &b, Location loc, const PendingProjection &p) {
  const Matrix &w = p.weights;
  double scale = 1.0;
  if (fixedNeurons()) {
    scale = double(1 << kFixedThresholdShift);
    if (p.pre->name != "x") // See kFixedRateShift.
      scale *= double(1 << kFixedRateShift);
  }
  double largest = p.plastic ? p.bound : 0.0;
  for (double v : w.data)
    largest = std::max(largest, std::abs(v));
  int64_t bits = options.weightBits;
  double limit = double((int64_t(1) << bits) - 1);
  int64_t exp =
      largest == 0 ? 0 : int64_t(std::ceil(std::log2(largest * scale / limit)));
  int64_t lowest = profile == snn::Profile::Loihi2 ? -8 : -24;
  int64_t highest = profile == snn::Profile::Loihi2 ? 7 : 24;
  exp = std::clamp(exp, lowest, highest);
  double exp2 = std::ldexp(1.0, int(exp));
  SmallVector<int32_t> mantissas;
  for (double v : w.data)
    mantissas.push_back(int32_t(std::clamp<double>(
        std::llround(v * scale / exp2), -(limit + 1), limit)));
  auto type = RankedTensorType::get({w.rows, w.cols}, b.getI32Type());
  auto weights = DenseElementsAttr::get(type, ArrayRef<int32_t>(mantissas));
  if (!p.plastic) {
    snn::DenseOp::create(b, loc, p.pre->value, p.post->value, weights, exp,
                         bits, p.delay);
    return;
  }
  // Traces that hold the last event (graded) or follow the rate over about
  // one window (rate coding).
  double decay = rate() ? 1.0 / double(options.timesteps) : 1.0;
  auto trace =
      b.getArrayAttr({b.getF64FloatAttr(decay), b.getF64FloatAttr(decay)});
  auto traces = b.getDictionaryAttr(
      {b.getNamedAttr("x1", trace), b.getNamedAttr("y3", trace)});
  double bound = std::min(p.bound * scale / exp2, limit);
  snn::PlasticOp::create(
      b, loc, p.pre->value, p.post->value, p.third->value, weights,
      b.getI64IntegerAttr(exp), b.getI64IntegerAttr(bits),
      b.getI64IntegerAttr(p.delay), rule(p, exp2), traces,
      b.getF64FloatAttr(-bound), b.getF64FloatAttr(bound));
}

struct ConvertEngramToSnnPass
    : public mlir::engram::impl::ConvertEngramToSnnBase<
          ConvertEngramToSnnPass> {
  using ConvertEngramToSnnBase::ConvertEngramToSnnBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<rt::Model> model = liftModel(module, "convert-engram-to-snn");
    if (failed(model))
      return signalPassFailure();
    ConvertEngramToSnnOptions options;
    options.calibration = calibration;
    options.calibrationSamples = calibrationSamples;
    options.encoding = encoding;
    options.timesteps = timesteps;
    options.profile = profile;
    options.recall = recall;
    options.k = k;
    options.inhibition = inhibition;
    options.percentile = percentile;
    options.weightBits = weightBits;
    options.sigmaDelta = sigmaDelta;
    options.zeroInput = zeroInput;
    options.learning = learning;
    options.optionPrefix = optionPrefix;
    Converter converter(module, *model, options);
    if (failed(converter.run()))
      signalPassFailure();
  }
};

} // namespace

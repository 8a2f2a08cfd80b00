//===- EngramToSnn.cpp - engram cell → spiking network --------------------===//
//
// convert-engram-to-snn: reads the cell from `@forward` (analyzeCell)
// and the calibration engram-calibrate-snn recorded on the module
// (Calibration.h), and builds an snn.network in its place. The network is a chain of populations, one per quantity of
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

#include "passes/EngramToSnn/Calibration.h"

#include "dialects/snn/SnnOps.h"
#include "passes/ModelToEngram.h"
#include "passes/Passes.h"

#include "spiking/Rule.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <tuple>

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
/// Fixed-point graded payloads: a population's largest calibrated value is
/// sent as at most 2^10 (half the 2^11 that 24 bits with 12 fractional bits
/// hold) ...
constexpr int kPayloadHeadroomBits = 10;
/// ... and at least 2^-2 (10 significant bits) when its weights need range.
constexpr int kPayloadFloorBits = -2;
/// The largest gain of a graded source (inputs up to 2^5 fit).
constexpr int kInputGainBits = 6;
/// Fractional bits of a graded payload (the simulator's).
constexpr int kGradedPayloadBits = 12;
/// A relay's largest payload: Lava's x1 is round(payload/2) in 7 bits.
constexpr int kRelayPayloadLimit = 254;

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
  /// The exponent that makes the weights the bank's stored integers
  /// (a quantized bank, whose receiving population's span was fitted to it:
  /// fitSpanToBank); unset: chosen from the largest weight.
  std::optional<int64_t> exactExp = std::nullopt;
  /// Plastic: the weights' bound (± in coded units) and the rule's
  /// value-domain rate η·s applied to the coded product.
  bool plastic = false;
  double bound = 0;
  /// An identity projection into a relay (a power of two within the
  /// exponent floor needs no more bits).
  bool relay = false;
  /// Plastic in Loihi's integers (snn.plastic y3_shift): the third
  /// factor's payloads are shifted right by this into y3.
  std::optional<int64_t> y3Shift = std::nullopt;
};

/// A vector of doubles as a 1-D f64 tensor attribute.
ElementsAttr vectorAttr(OpBuilder &b, const std::vector<double> &v) {
  auto type = RankedTensorType::get({int64_t(v.size())}, b.getF64Type());
  return DenseElementsAttr::get(type, ArrayRef<double>(v));
}

/// Powers of two k_p (log2 spans) for named populations within bounds,
/// chosen so that every projection pre → post keeps
/// k_post − k_pre ≤ its limit (its largest weight then keeps its 8 bits
/// above Loihi's exponent floor). Minimises the squared excess per
/// projection, so that no projection keeps only a few levels, by coordinate
/// descent: one population, or one with everything upstream (or
/// downstream) of it, an octave up or down, clipped at the bounds (a chain
/// moves together, so only its ends' projections change).
class SpanSearch {
public:
  void add(const std::string &name, int64_t low, int64_t high, int64_t start) {
    bounds[name] = {low, high};
    k[name] = start;
  }
  /// A population whose span is given.
  void fix(const std::string &name, int64_t exponent) { fixed[name] = exponent; }
  void limit(const std::string &pre, const std::string &post, int64_t limit) {
    limits.emplace_back(pre, post, limit);
  }
  std::map<std::string, int64_t> solve() {
    std::vector<std::set<std::string>> moves;
    for (auto &[name, exponent] : k)
      moves.insert(moves.end(), {{name}, reach(name, true), reach(name, false)});
    int64_t best = excess();
    for (bool improved = true; improved && best > 0;) {
      improved = false;
      for (const std::set<std::string> &move : moves)
        for (int64_t step : {-1, 1}) {
          std::vector<std::string> moved = shift(move, step);
          int64_t now = excess();
          if (now < best) {
            best = now;
            improved = true;
          } else {
            shift(moved, -step);
          }
        }
    }
    return k;
  }

private:
  int64_t exponent(const std::string &name) const {
    auto found = k.find(name);
    return found != k.end() ? found->second : fixed.at(name);
  }
  int64_t excess() const {
    int64_t total = 0;
    for (const auto &[pre, post, limit] : limits) {
      int64_t bits =
          std::max<int64_t>(0, exponent(post) - exponent(pre) - limit);
      total += bits * bits;
    }
    return total;
  }
  /// `from` and the searched populations it reaches against (upstream) or
  /// along the projections.
  std::set<std::string> reach(const std::string &from, bool upstream) const {
    std::set<std::string> seen = {from};
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto &[pre, post, limit] : limits) {
        const std::string &a = upstream ? post : pre;
        const std::string &b = upstream ? pre : post;
        if (seen.count(a) && k.count(b) && seen.insert(b).second)
          grew = true;
      }
    }
    return seen;
  }
  /// Shifts the members that stay within their bounds; returns them.
  template <typename Names>
  std::vector<std::string> shift(const Names &names, int64_t step) {
    std::vector<std::string> moved;
    for (const std::string &name : names) {
      auto [low, high] = bounds.at(name);
      if (k[name] + step >= low && k[name] + step <= high) {
        k[name] += step;
        moved.push_back(name);
      }
    }
    return moved;
  }

  std::map<std::string, int64_t> k, fixed;
  std::map<std::string, std::pair<int64_t, int64_t>> bounds;
  std::vector<std::tuple<std::string, std::string, int64_t>> limits;
};

/// What the conversion builds with: its options, resolved.
struct Settings {
  CodeOptions code;
  snn::Profile profile = snn::Profile::Generic;
  SnnLearning learning = SnnLearning::Auto;
  int64_t timesteps = 32, weightBits = 8;
  double inhibition = 0, sigmaDelta = 0;
  /// How messages name the options (option-prefix).
  std::string prefix;
};

class Converter {
public:
  Converter(ModuleOp module, const CellPlan &plan, const Settings &settings,
            const Calibration &calibration)
      : module(module), context(module.getContext()), plan(plan),
        settings(settings), code(settings.code), profile(settings.profile),
        calibration(calibration), cell(cellOf(plan)) {}

  /// Checks the options against the cell and the calibration, then builds.
  LogicalResult run(const CodeOptions &calibratedFor);

private:
  LogicalResult checkOptions();
  LogicalResult checkStorage();
  LogicalResult checkCalibration(const CodeOptions &calibratedFor);

  // Graph building, one function per population of the cell.
  Population &population(const std::string &name, int64_t size, bool relu,
                         std::vector<double> bias);
  /// Adds W (value domain, post × pre) to the network: rescales it to the
  /// code of pre and post and moves the pre offset into post's bias.
  PendingProjection &connect(Population &pre, Population &post, Matrix w);
  LogicalResult build();
  /// Every population and projection of the cell; returns the readout.
  Population &buildGraph();
  Population &buildInput();
  Population &buildNormalization(Population &from, const char *name,
                                 double sigma, const std::vector<double> &gamma,
                                 const std::vector<double> &beta);
  Population &buildZeroDetector(Population &x, Population &z);
  Population &buildRecall(Population &raw, Population *zero);
  void buildZeroGates(Population &raw, Population &zero, Population &slot);
  /// Connects the bank (transposed for m) from pre to post: as the
  /// bank's integers when it is quantized, plus s·T₀ when the trace is
  /// frozen at a non-zero T₀.
  void connectBank(Population &pre, Population &post, bool transpose);
  int64_t fitSpanToBank(Population &post, const Population &pre);
  /// The largest mantissa of `bits`-bit weights.
  static double weightLimit(int64_t bits) {
    return double((int64_t(1) << bits) - 1);
  }
  int64_t maxWeightBits() const {
    return profile == snn::Profile::Loihi2 ? 8 : 16;
  }
  /// The range of weight exponents on the profile.
  std::pair<int64_t, int64_t> exponentRange() const {
    return profile == snn::Profile::Loihi2 ? std::make_pair(-8, 7)
                                           : std::make_pair(-24, 24);
  }
  Population &buildIntegrator(Population &z, Population &m);
  Population &buildRelay(Population &pre);
  int64_t y3ShiftFor(const Population &third) const;
  PopulationRange calibratedRange(const Population &p) const;
  void buildPlasticity(Population &z, Population &raw, Population &slot,
                       Population &m);
  Matrix scaledTrace() const;

  // Emission of the snn.network.
  LogicalResult emitNetwork(Population &out);
  DictionaryAttr summary(OpBuilder &b) const;
  Value emitPopulation(OpBuilder &b, Location loc, const Population &p);
  Value emitFixedLif(OpBuilder &b, Location loc, const Population &p,
                     const std::vector<double> &bias);
  void emitProjection(OpBuilder &b, Location loc, const PendingProjection &p);
  snn::RuleAttr rule(const PendingProjection &p, double exp2) const;
  ::engram::spiking::RuleTerm
  ruleTerm(double c, std::initializer_list<spiking::RuleFactor> factors) const;

  bool rate() const { return code.rate(); }
  /// Graded events in Loihi 2's fixed point: 24-bit payloads with 12
  /// fractional bits.
  bool fixedPayloads() const {
    return !rate() && profile == snn::Profile::Loihi2;
  }
  std::map<std::string, double> choosePayloadSpans() const;
  /// The plastic projections learn in Loihi's integers, as Lava's
  /// LearningDense does from graded spikes (relays, y3_shift).
  bool loihiLearning() const { return learn && fixedPayloads(); }
  bool fixedNeurons() const {
    return rate() && profile == snn::Profile::Loihi2;
  }
  /// The scale of a projection's weights from `pre` on Loihi fixed-point
  /// neurons (1 elsewhere): the threshold's, and kFixedRateShift's from a
  /// population of such neurons.
  double fixedScale(const Population &pre) const {
    if (!fixedNeurons())
      return 1.0;
    double scale = double(1 << kFixedThresholdShift);
    return pre.name == "x" ? scale : scale * double(1 << kFixedRateShift);
  }
  /// An option as the user spelled it: `timesteps` for the pass,
  /// `--snn-timesteps` for engramc (option-prefix).
  std::string opt(StringRef name) const { return settings.prefix + name.str(); }
  /// An error at `op` (default: the module), led by the pass's name unless
  /// a driver speaks for it.
  InFlightDiagnostic fail(Operation *op = nullptr) {
    InFlightDiagnostic diag = op ? op->emitOpError() : emitError(module.getLoc());
    if (settings.prefix.empty())
      diag << "convert-engram-to-snn: ";
    return diag;
  }

  ModuleOp module;
  MLIRContext *context;
  const CellPlan &plan;
  const Settings &settings;
  const CodeOptions &code;
  const snn::Profile profile;
  const Calibration &calibration;
  Cell cell;
  /// Whether the trace is plastic (option learning; never on SpiNNaker).
  bool learn = true;
  std::vector<std::unique_ptr<Population>> populations;
  std::vector<PendingProjection> projections;
  /// The spans of graded populations in fixed point, by name
  /// (choosePayloadSpans); the others have span 1.
  std::map<std::string, double> payloadSpans;
};

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

LogicalResult Converter::checkOptions() {
  const Settings &o = settings;
  // The enumerated options were checked when they were parsed.
  if (profile == snn::Profile::Spinnaker && !rate())
    return fail() << "spinnaker has no graded events; use " << opt("encoding")
                  << "=rate";
  if (o.learning == SnnLearning::On && profile == snn::Profile::Spinnaker)
    return fail() << "spinnaker has no three-factor learning rules; use "
                  << opt("learning") << "=off";
  learn = o.learning == SnnLearning::On ||
          (o.learning == SnnLearning::Auto &&
           profile != snn::Profile::Spinnaker);
  if (failed(checkCodeOptions(plan, cell, code, o.prefix,
                              [&] { return fail(); })))
    return failure();
  if (!(o.inhibition >= 0 && o.inhibition < 1))
    return fail() << opt("inhibition") << " must be in [0, 1), not "
                  << o.inhibition;
  int64_t maxBits = maxWeightBits();
  if (o.weightBits < 1 || o.weightBits > maxBits)
    return fail() << opt("weight-bits") << " must be in 1.." << maxBits
                  << ", not " << o.weightBits;
  // Graded events settle one projection per timestep; the chain x → … → h
  // and the step from h to the readout must fit in a window.
  int64_t depth = (cell.layerNorm ? 8 : 6) + (code.zeroInput ? 1 : 0) +
                  (loihiLearning() ? 2 : 0);
  int64_t minimum = rate() ? 3 : depth + 2;
  // The recurrent projection is delayed by timesteps − 3 (− 2 without layer
  // norm), at most 62 on Loihi 2.
  int64_t maximum =
      profile == snn::Profile::Loihi2 ? (cell.layerNorm ? 65 : 64) : 1024;
  if (o.timesteps < minimum || o.timesteps > maximum)
    return fail()
           << opt("timesteps") << " must be in " << minimum << ".." << maximum
           << " for " << opt("encoding") << "="
           << stringifySnnEncoding(code.encoding)
           << (rate() ? ""
                      : " (graded values settle one projection per timestep)")
           << (loihiLearning() ? " with the trace learning on Loihi 2 "
                                 "(its relays add a timestep to each recall; "
                                 "--snn-learning=off drops them)"
                               : "")
           << ", not " << o.timesteps;
  return success();
}

/// The calibration must be made for the values this conversion codes.
LogicalResult Converter::checkCalibration(const CodeOptions &made) {
  auto differs = [&](StringRef name, const std::string &was,
                     const std::string &is) {
    return fail() << "the calibration (" << kCalibrationAttr
                  << ") was made for " << opt(name) << "=" << was << ", not "
                  << is << "; calibrate with the same options";
  };
  auto zeroName = [](bool z) { return std::string(z ? "exact" : "ignore"); };
  if (made.encoding != code.encoding)
    return differs("encoding", stringifySnnEncoding(made.encoding).str(),
                   stringifySnnEncoding(code.encoding).str());
  if (made.recall != code.recall)
    return differs("recall", recallName(made.recall).str(),
                   recallName(code.recall).str());
  if (code.recall == Recall::Kwta && made.k != code.k)
    return differs("k", std::to_string(made.k), std::to_string(code.k));
  if (rate() && made.percentile != code.percentile)
    return differs("percentile", llvm::formatv("{0}", made.percentile).str(),
                   llvm::formatv("{0}", code.percentile).str());
  if (made.zeroInput != code.zeroInput)
    return differs("zero-input", zeroName(made.zeroInput),
                   zeroName(code.zeroInput));
  return success();
}

/// The storage the compression passes chose must have a spiking form: a
/// quantized bank becomes the static weights as they are (one scale, integers
/// within weight-bits), a fixed-point trace the plastic weights' bits.
LogicalResult Converter::checkStorage() {
  const BankStorage &bank = plan.bank;
  if (bank.quantized() && bank.rowScale)
    return fail(plan.memoryOp)
           << "the bank has one scale per row (#engram.quant<scale = row>), "
              "which has no exact spiking form: a projection has one weight "
              "exponent, and the rows' scales would be rounded into the "
              "weights a second time; quantize with one scale "
              "(engram-quantize-memory scale=tensor, engramc "
              "--quantize-scale=tensor)";
  if (bank.quantized() &&
      double(bank.maxInteger()) > weightLimit(settings.weightBits))
    return fail(plan.memoryOp)
           << "the bank's " << bank.bits << "-bit integers do not fit "
           << opt("weight-bits") << "=" << settings.weightBits
           << "; give at least " << bank.bits - 1;
  if (plan.trace.fixed() && learn && plan.trace.bits > maxWeightBits())
    return fail(plan.updateOp)
           << "a " << plan.trace.bits << "-bit trace has no "
           << stringifyProfile(profile) << " form: its plastic weights hold "
           << maxWeightBits() << " bits at most; quantize the trace to 8 bits "
              "or convert with " << opt("learning") << "=off";
  return success();
}

LogicalResult Converter::run(const CodeOptions &calibratedFor) {
  if (failed(checkOptions()) || failed(checkStorage()) ||
      failed(checkCalibration(calibratedFor)))
    return failure();
  return build();
}

//===----------------------------------------------------------------------===//
// Building the graph
//===----------------------------------------------------------------------===//

Population &Converter::population(const std::string &name, int64_t size,
                                  bool relu, std::vector<double> bias) {
  auto p = std::make_unique<Population>();
  p->name = name;
  p->size = size;
  p->relu = relu;
  p->bias = bias.empty() ? std::vector<double>(size, 0.0) : std::move(bias);
  p->codedBias.assign(size, 0.0);
  auto found = calibration.ranges.find(name);
  PopulationRange range =
      found == calibration.ranges.end() ? PopulationRange{} : found->second;
  double hi = range.high;
  double lo = relu ? 0.0 : range.low;
  p->range = name == "x" ? 1.0 : std::max(hi - lo, 1e-6);
  if (rate()) {
    p->lo = lo;
    p->span = p->range;
  } else if (auto span = payloadSpans.find(name); span != payloadSpans.end()) {
    p->span = span->second;
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

/// Builds the graph and emits the network; in Loihi 2 fixed point twice,
/// the second time with the payload spans the first one's weights need.
LogicalResult Converter::build() {
  Population *out = &buildGraph();
  if (fixedPayloads()) {
    // Built once with span 1 to read the weights, then with the spans.
    payloadSpans = choosePayloadSpans();
    populations.clear();
    projections.clear();
    out = &buildGraph();
  }
  return emitNetwork(*out);
}

/// The spans of Loihi 2's fixed-point graded populations. A population's
/// payload carries value/span in 24 bits with 12 fractional bits, and a
/// projection's weights are w·span_pre/span_post in 8-bit mantissas with an
/// exponent of at least -8. With span 1, small weights (the first-order
/// softmax's, the trace's bound s·c) meet that floor and keep a few levels.
/// Each population's span is a power of two between the one that puts its
/// largest calibrated value at 2^kPayloadHeadroomBits payload units (half
/// the range) and the one that leaves 2^kPayloadFloorBits (SpanSearch).
/// A quantized bank's populations keep the span fitted to its scale
/// (fitSpanToBank).
std::map<std::string, double> Converter::choosePayloadSpans() const {
  SpanSearch search;
  for (const auto &p : populations) {
    auto range = calibration.ranges.find(p->name);
    bool fitted = plan.bank.quantized() && (p->name == "raw" || p->name == "m");
    if (p->name == "x") {
      // The source's gain is 1/span: up to 2^kInputGainBits, so that inputs
      // up to 2^(11 − kInputGainBits) still fit the payload.
      search.add("x", -kInputGainBits, 0, 0);
    } else if (!fitted && range != calibration.ranges.end() &&
               range->second.largest > 0) {
      int64_t top = int64_t(std::ceil(std::log2(range->second.largest)));
      search.add(p->name, top - kPayloadHeadroomBits,
                 top - kPayloadFloorBits, top - kPayloadHeadroomBits);
    } else {
      search.fix(p->name, int64_t(std::llround(std::log2(p->span))));
    }
  }
  // ⌊log2 L⌋ + 1 for a projection's largest weight L in value units (the
  // weights were built with the spans of the first build).
  for (const PendingProjection &p : projections) {
    double largest = p.plastic ? p.bound : 0.0;
    for (double w : p.weights.data)
      largest = std::max(largest, std::abs(w));
    largest *= p.post->span / p.pre->span;
    if (p.relay)
      search.limit(p.pre->name, p.post->name, -exponentRange().first);
    else if (largest > 0)
      search.limit(p.pre->name, p.post->name,
                   int64_t(std::floor(std::log2(largest))) + 1);
  }
  std::map<std::string, double> spans;
  for (auto [name, exponent] : search.solve())
    spans[name] = std::ldexp(1.0, int(exponent));
  return spans;
}

/// The cell, population by population: x → enc (→ z) → raw → slot → m →
/// g → hh (→ h) (→ out), the zero-input detector, and the plastic halves
/// of the two recalls. The order of populations and projections is the
/// network's.
Population &Converter::buildGraph() {
  Population &x = buildInput();
  Population &enc = population("enc", cell.hidden, true, cell.encoderBias);
  connect(x, enc, cell.encoder);
  Population *z = &enc;
  if (cell.layerNorm)
    z = &buildNormalization(enc, "z", calibration.sigma1, cell.gamma1,
                            cell.beta1);
  Population *zero =
      calibration.zeroInput ? &buildZeroDetector(x, *z) : nullptr;
  // raw = (M + s·T)·z: the bank as static weights, s·T as plastic ones.
  // Without learning (always on SpiNNaker, whose PyNN has no three-factor
  // rules) the trace stays at T₀, as static weights too.
  Population &raw = population("raw", cell.slots, false, {});
  connectBank(*z, raw, /*transpose=*/false);
  Population &slot = buildRecall(raw, zero);
  Population &m = population("m", cell.hidden, false, {});
  connectBank(slot, m, /*transpose=*/true);
  Population &h = buildIntegrator(*z, m);
  if (learn)
    buildPlasticity(*z, raw, slot, m);
  Population *out = &h;
  if (cell.classes) {
    out = &population("out", cell.classes, false, cell.readoutBias);
    connect(h, *out, cell.readout);
  }
  return *out;
}

/// The source: inputs are read as they are (rates in [0, 1]).
Population &Converter::buildInput() {
  Population &x = population("x", cell.inputDim, true, {});
  if (rate()) {
    x.lo = 0;
    x.span = 1;
  }
  return x;
}

/// LN(from) = A·from + β, A = diag(γ/σ)·(I − 1/H): the mean subtraction is
/// exact, σ the calibrated constant.
Population &Converter::buildNormalization(Population &from, const char *name,
                                          double sigma,
                                          const std::vector<double> &gamma,
                                          const std::vector<double> &beta) {
  int64_t H = cell.hidden;
  Population &to = population(name, H, false, beta);
  Matrix a(H, H);
  for (int64_t i = 0; i < H; ++i)
    for (int64_t j = 0; j < H; ++j)
      a.at(i, j) = gamma[i] / sigma * ((i == j ? 1.0 : 0.0) - 1.0 / H);
  connect(from, to, a);
  return to;
}

/// The zero-input detector: 1 on an all-zero step, silenced by any input
/// (inputs are non-negative and a non-zero step sums to at least 1/gain).
/// With layer norm it corrects z on those steps.
Population &Converter::buildZeroDetector(Population &x, Population &z) {
  Population &zero = population("zero", 1, true, {1.0});
  Matrix inhibit(1, cell.inputDim);
  for (double &w : inhibit.data)
    w = -calibration.zeroGain;
  connect(x, zero, inhibit);
  if (!cell.layerNorm)
    return zero;
  // On a zero step z is LN1(relu(b_enc)) exactly: add the difference from
  // the calibrated σ₁.
  std::vector<double> blank = cell.encoderBias;
  relu(blank);
  std::vector<double> exact =
      layerNorm(blank, calibration.zeroSigma1, cell.gamma1, cell.beta1);
  std::vector<double> approx =
      layerNorm(blank, calibration.sigma1, cell.gamma1, cell.beta1);
  Matrix fix(cell.hidden, 1);
  for (int64_t i = 0; i < cell.hidden; ++i)
    fix.at(i, 0) = exact[i] - approx[i];
  connect(zero, z, fix);
  return zero;
}

/// s·T₀, the initial trace in the bank's units.
Matrix Converter::scaledTrace() const {
  Matrix trace(cell.slots, cell.hidden);
  for (size_t k = 0; k < trace.data.size(); ++k)
    trace.data[k] = cell.scale * cell.traceInit.data[k];
  return trace;
}

/// The memory-slot population: the recall weights a of the logits
/// l_i = raw_i·κ_i, κ_i = 1 / (‖M_i‖ · ‖z‖ · τ'), both norms calibrated, with
/// the zero-input gates when `zero` is set.
Population &Converter::buildRecall(Population &raw, Population *zero) {
  int64_t N = cell.slots;
  Matrix toSlot(N, N);
  std::vector<double> slotBias(N, 0.0);
  auto kappa = [&](int64_t i) {
    return 1.0 / (cell.rowNorm[i] * calibration.queryNorm * cell.temperature);
  };
  for (int64_t i = 0; i < N; ++i) {
    if (code.recall == Recall::Linear) {
      // a_i = (1 + l_i − mean l) / N.
      for (int64_t j = 0; j < N; ++j)
        toSlot.at(i, j) = ((i == j ? 1.0 : 0.0) - 1.0 / N) * kappa(j) / N;
      slotBias[i] = 1.0 / N;
    } else {
      // a_i = relu(l_i − θ) / Σ, θ and Σ calibrated.
      toSlot.at(i, i) = kappa(i) / calibration.kwtaSum;
      slotBias[i] = -calibration.kwtaThreshold / calibration.kwtaSum;
    }
  }
  Population &slot =
      population("slot", N, code.recall == Recall::Kwta, slotBias);
  connect(raw, slot, toSlot);
  if (zero)
    buildZeroGates(raw, *zero, slot);
  if (code.recall == Recall::Kwta && settings.inhibition > 0) {
    Matrix lateral(N, N);
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < N; ++j)
        lateral.at(i, j) = i == j ? 0.0 : -settings.inhibition;
    connect(slot, slot, lateral);
  }
  return slot;
}

/// On a zero step ‖z‖ is known: the logits need raw_i·c_i more, c_i =
/// (1/‖z₀‖ − 1/‖z‖_cal) / (‖M_i‖·τ'). Two gates pass ±c_i·raw_i only while
/// the detector fires: relu(±c_i·raw_i − B·(1 − zero)), B twice any
/// |c_i·raw_i| of the calibration data (‖raw_i‖ ≤ (‖M_i‖ + s·clip·√H)·‖z‖
/// on a zero step, where ‖z‖ = ‖z₀‖).
void Converter::buildZeroGates(Population &raw, Population &zero,
                               Population &slot) {
  int64_t H = cell.hidden, N = cell.slots;
  Matrix pass(N, N), open(N, 1);
  double strength = 0;
  auto found = calibration.ranges.find("raw");
  double largestRaw =
      found == calibration.ranges.end() ? 0.0 : found->second.largest;
  for (int64_t i = 0; i < N; ++i) {
    double c = (1.0 / calibration.zeroQueryNorm - 1.0 / calibration.queryNorm) /
               (cell.rowNorm[i] * cell.temperature);
    pass.at(i, i) = c;
    double bound = std::max(
        largestRaw,
        (cell.rowNorm[i] + cell.scale * kTraceClip * std::sqrt(double(H))) *
            calibration.zeroQueryNorm);
    strength = std::max(strength, 2.0 * std::abs(c) * bound);
  }
  std::vector<double> closed(N, -strength);
  for (int64_t i = 0; i < N; ++i)
    open.at(i, 0) = strength;
  Matrix negated = pass;
  for (double &w : negated.data)
    w = -w;
  Population &up = population("zero_gate_pos", N, true, closed);
  Population &down = population("zero_gate_neg", N, true, closed);
  connect(raw, up, pass);
  connect(raw, down, negated);
  connect(zero, up, open);
  connect(zero, down, open);
  // The gates add to the logits as raw does (toSlot without κ).
  Matrix logitsToSlot(N, N), minus(N, N);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double w = code.recall == Recall::Linear
                     ? ((i == j ? 1.0 : 0.0) - 1.0 / N) / N
                     : (i == j ? 1.0 / calibration.kwtaSum : 0.0);
      logitsToSlot.at(i, j) = w;
      minus.at(i, j) = -w;
    }
  connect(up, slot, logitsToSlot);
  connect(down, slot, minus);
}

/// The static half of raw = (M + s·T)·z (post raw) or of m = (M + s·T)ᵀ·a
/// (`transpose`, post m). A float bank is connected with T₀ folded in when
/// the trace does not learn. A quantized bank is connected as its stored
/// integers: post's span is fitted to the scale so that the weights are
/// q·2^exp exactly, and a frozen non-zero T₀ gets a projection of its own.
void Converter::connectBank(Population &pre, Population &post, bool transpose) {
  auto oriented = [&](const Matrix &w) {
    if (!transpose)
      return w;
    Matrix t(w.cols, w.rows);
    for (int64_t i = 0; i < w.rows; ++i)
      for (int64_t j = 0; j < w.cols; ++j)
        t.at(j, i) = w.at(i, j);
    return t;
  };
  Matrix bank = cell.memory, trace = scaledTrace();
  bool traceNonZero = std::any_of(trace.data.begin(), trace.data.end(),
                                  [](double v) { return v != 0; });
  if (!plan.bank.quantized()) {
    if (!learn)
      for (size_t k = 0; k < trace.data.size(); ++k)
        bank.data[k] += trace.data[k];
    connect(pre, post, oriented(bank));
    return;
  }
  int64_t exp = fitSpanToBank(post, pre);
  connect(pre, post, oriented(bank)).exactExp = exp;
  if (!learn && traceNonZero)
    connect(pre, post, oriented(trace));
}

/// Sets post's span to scale·pre.span·(fixed-point scale)/2^exp, the exp
/// that puts it in [span, 2·span) (rate coding: at least the calibrated
/// range, so nothing clips; graded: about 1), so that q·scale in pre's code
/// is q·2^exp in post's.
int64_t Converter::fitSpanToBank(Population &post, const Population &pre) {
  double unit = double(plan.bank.scales.front()) * pre.span * fixedScale(pre);
  auto [low, high] = exponentRange();
  int64_t exp = std::clamp<int64_t>(
      int64_t(std::floor(std::log2(unit / post.span))), low, high);
  post.span = unit / std::ldexp(1.0, int(exp));
  return exp;
}

/// g = relu(K_int·[z, m, h] + b), hh = relu(K_out·g + b), h ≈ LN2(hh), with
/// h's recurrent projection into g delayed to the next window.
Population &Converter::buildIntegrator(Population &z, Population &m) {
  int64_t H = cell.hidden;
  Population &g = population("g", 3 * H, true, cell.integratorBias);
  auto columns = [&](int64_t from) {
    Matrix part(3 * H, H);
    for (int64_t i = 0; i < 3 * H; ++i)
      for (int64_t j = 0; j < H; ++j)
        part.at(i, j) = cell.integrator.at(i, from + j);
    return part;
  };
  connect(z, g, columns(0));
  connect(m, g, columns(H));
  Population &hh = population("hh", H, true, cell.outputBias);
  connect(g, hh, cell.output);
  Population *h = &hh;
  if (cell.layerNorm)
    h = &buildNormalization(hh, "h", calibration.sigma2, cell.gamma2,
                            cell.beta2);
  // The previous step's h reaches g T − d timesteps later, d the
  // projections from g to h (hh, and LN2's h): g's settled values, from the
  // offset where z and m have settled to the end of the window, then read h
  // as it was settled at the same offset + d of the previous window, and the
  // last d of them read the first d values of h in this window, which
  // still come from the end of the previous one (docs/spiking.md).
  const int64_t gToH = cell.layerNorm ? 2 : 1;
  connect(*h, g, columns(2 * H)).delay = settings.timesteps - gToH - 1;
  return *h;
}

/// The plastic halves of the two recalls, both holding s·T: raw_i gets
/// Σ_j s·T_ij z_j (post traces from the slots, as third factor) and m_j
/// gets Σ_i s·T_ij a_i (third factor z).
void Converter::buildPlasticity(Population &z, Population &raw,
                                Population &slot, Population &m) {
  int64_t H = cell.hidden, N = cell.slots;
  Matrix trace = scaledTrace(), traceT(H, N);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < H; ++j)
      traceT.at(j, i) = trace.at(i, j);
  Population &zPre = loihiLearning() ? buildRelay(z) : z;
  PendingProjection &similarity = connect(zPre, raw, trace);
  similarity.plastic = true;
  similarity.third = &slot;
  similarity.bound = cell.scale * kTraceClip * zPre.span / raw.span;
  Population &slotPre = loihiLearning() ? buildRelay(slot) : slot;
  PendingProjection &recalled = connect(slotPre, m, traceT);
  recalled.plastic = true;
  recalled.third = &z;
  recalled.bound = cell.scale * kTraceClip * slotPre.span / m.span;
  if (loihiLearning()) {
    similarity.y3Shift = y3ShiftFor(slot);
    recalled.y3Shift = y3ShiftFor(z);
  }
}

/// Lava takes a graded pre spike's payload into x1 as payload/2 in 7 bits,
/// so a plastic projection learns from a relay of its pre population whose
/// payloads span 0..254: value = lo + span·payload/2^12 with the largest
/// calibrated value near 254 (a power-of-two span, so that the identity
/// projection into it is exact). It costs one timestep on the plastic path.
Population &Converter::buildRelay(Population &pre) {
  PopulationRange range = calibratedRange(pre);
  Population &relay = population(pre.name + "_relay", pre.size, true, {});
  // A relay sends from lo up: the calibrated low of a population that
  // takes negative values (beyond a hundredth of its top; the slots' few
  // small negative values are approximation noise).
  bool negative = !pre.relu && range.low < -0.01 * range.largest;
  relay.lo = negative ? range.low : 0.0;
  double top = std::max(range.largest - relay.lo, 1e-6);
  relay.span = std::ldexp(
      1.0, int(std::ceil(std::log2(top * double(1 << kGradedPayloadBits) /
                                   double(kRelayPayloadLimit)))));
  relay.range = top;
  relay.codedBias.assign(pre.size, 0.0);
  Matrix identity(pre.size, pre.size);
  for (int64_t i = 0; i < pre.size; ++i)
    identity.at(i, i) = 1.0;
  connect(pre, relay, identity).relay = true;
  return relay;
}

/// A population's calibrated range; one the calibration lacks (a
/// hand-written one) spans [0, range].
PopulationRange Converter::calibratedRange(const Population &p) const {
  auto found = calibration.ranges.find(p.name);
  if (found != calibration.ranges.end())
    return found->second;
  return PopulationRange{0, p.range, p.range};
}

/// The right shift that brings the third factor's largest calibrated
/// payload within y3's 7 bits.
int64_t Converter::y3ShiftFor(const Population &third) const {
  double largest = calibratedRange(third).largest;
  double payload = largest / third.span * double(1 << kGradedPayloadBits);
  return std::max<int64_t>(
      0, int64_t(std::ceil(std::log2(std::max(payload, 1.0) / 127.0))));
}

//===----------------------------------------------------------------------===//
// Emitting the snn.network
//===----------------------------------------------------------------------===//

/// Replaces @forward with the snn.network of the populations and
/// projections built so far, probing `out`.
LogicalResult Converter::emitNetwork(Population &out) {
  OpBuilder b(context);
  Location loc = module.getLoc();
  auto func = module.lookupSymbol(kEntryName);
  b.setInsertionPoint(func);
  auto network = snn::NetworkOp::create(b, loc, "engram", profile,
                                        settings.timesteps, cell.inputDim);
  network->setAttr("engram.calibration", summary(b));
  b.setInsertionPointToStart(&network.getBody().front());
  for (auto &p : populations)
    p->value = emitPopulation(b, loc, *p);
  for (const PendingProjection &p : projections)
    emitProjection(b, loc, p);
  double outRate = fixedNeurons() ? double(1 << kFixedRateShift) : 1.0;
  std::vector<double> scale(out.size, out.span * outRate),
      offset(out.size, out.lo);
  snn::ProbeOp::create(b, loc, out.value,
                       rate() ? snn::Decode::Rate : snn::Decode::Last,
                       vectorAttr(b, scale), vectorAttr(b, offset));
  func->erase();
  module->removeAttr(kCalibrationAttr);
  return network.verify();
}

/// The calibrated constants, so that every approximation can be read off
/// the IR (docs/spiking.md).
DictionaryAttr Converter::summary(OpBuilder &b) const {
  SmallVector<NamedAttribute> constants = {
      b.getNamedAttr("encoding",
                     b.getStringAttr(stringifySnnEncoding(code.encoding))),
      b.getNamedAttr("recall", b.getStringAttr(recallName(code.recall))),
      b.getNamedAttr("query_norm", b.getF64FloatAttr(calibration.queryNorm)),
      b.getNamedAttr("hebbian_trace",
                     b.getStringAttr(learn ? "plastic" : "frozen at T0")),
      b.getNamedAttr("weight_bits", b.getI64IntegerAttr(settings.weightBits)),
      b.getNamedAttr("zero_input", b.getStringAttr(calibration.zeroInputNote)),
      b.getNamedAttr("calibration_sequences",
                     b.getI64IntegerAttr(calibration.sequences))};
  if (cell.layerNorm) {
    constants.push_back(b.getNamedAttr("layer_norm1_sigma",
                                       b.getF64FloatAttr(calibration.sigma1)));
    constants.push_back(b.getNamedAttr("layer_norm2_sigma",
                                       b.getF64FloatAttr(calibration.sigma2)));
  }
  if (code.recall == Recall::Kwta) {
    constants.push_back(b.getNamedAttr(
        "kwta_threshold", b.getF64FloatAttr(calibration.kwtaThreshold)));
    constants.push_back(
        b.getNamedAttr("kwta_mass", b.getF64FloatAttr(calibration.kwtaSum)));
  }
  if (rate())
    constants.push_back(b.getNamedAttr(
        "range_percentile", b.getF64FloatAttr(code.percentile)));
  return b.getDictionaryAttr(constants);
}

/// One population as the op of its kind: the source, Loihi fixed-point LIF
/// (rate code on loihi2), integrate-and-fire (rate code) or graded units,
/// sigma-delta coded unless sigma-delta < 0 with a threshold of that
/// fraction of the population's calibrated range.
Value Converter::emitPopulation(OpBuilder &b, Location loc,
                                const Population &p) {
  auto type = snn::PopulationType::get(context, p.size);
  std::vector<double> bias(p.size);
  for (int64_t i = 0; i < p.size; ++i)
    bias[i] = (p.bias[i] - p.lo) / p.span + p.codedBias[i];
  FloatAttr delta;
  if (!rate() && settings.sigmaDelta >= 0)
    delta = b.getF64FloatAttr(settings.sigmaDelta * p.range / p.span);
  if (p.name == "x")
    return snn::InputOp::create(
        b, loc, type, p.name,
        rate() ? snn::Encoding::Rate : snn::Encoding::Graded, 0,
        vectorAttr(b, std::vector<double>(p.size, 1.0 / p.span)), delta);
  if (fixedNeurons())
    return emitFixedLif(b, loc, p, bias);
  if (rate())
    return snn::IfOp::create(b, loc, type, p.name, snn::Reset::Subtract,
                             llvm::APFloat(1.0), vectorAttr(b, bias));
  return snn::GradedOp::create(
      b, loc, type, p.name,
      p.relu ? snn::Activation::Relu : snn::Activation::Linear,
      vectorAttr(b, bias), delta);
}

/// Loihi LIF as a non-leaky integrator (du = 4095: the current lasts one
/// timestep; dv = 0) with threshold 2^12·2^kFixedRateShift: the bias is
/// bias·2^12·2^6 as mantissa·2^exp.
Value Converter::emitFixedLif(OpBuilder &b, Location loc, const Population &p,
                              const std::vector<double> &bias) {
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
  return snn::LifFixedOp::create(
      b, loc, snn::PopulationType::get(context, p.size), p.name, 4095, 0,
      int64_t(1) << (kFixedThresholdShift + kFixedRateShift), i32(mant),
      i32(exps));
}

/// One projection: its weights as integers of weight-bits bits with one
/// exponent (covering the plastic bound too), static or plastic.
void Converter::emitProjection(OpBuilder &b, Location loc,
                               const PendingProjection &p) {
  const Matrix &w = p.weights;
  double scale = fixedScale(*p.pre);
  double largest = p.plastic ? p.bound : 0.0;
  for (double v : w.data)
    largest = std::max(largest, std::abs(v));
  // A fixed-point trace's plastic weights have its bits.
  int64_t bits = p.plastic && plan.trace.fixed() ? plan.trace.bits
                                                 : settings.weightBits;
  double limit = weightLimit(bits);
  int64_t exp =
      largest == 0 ? 0 : int64_t(std::ceil(std::log2(largest * scale / limit)));
  auto [low, high] = exponentRange();
  exp = p.exactExp ? *p.exactExp : std::clamp<int64_t>(exp, low, high);
  double exp2 = std::ldexp(1.0, int(exp));
  // Loihi 2 keeps mixed-sign 8-bit weights even (Lava's truncate_weights
  // drops the last bit, toward -infinity): round to the nearest even
  // mantissa here so that the chip's truncation changes nothing.
  bool mixed = std::any_of(w.data.begin(), w.data.end(),
                           [](double v) { return v < 0; }) &&
               std::any_of(w.data.begin(), w.data.end(),
                           [](double v) { return v > 0; });
  // Weights learned in Loihi's integers are mixed-sign whatever T0 holds.
  mixed = mixed || p.y3Shift.has_value();
  double step = profile == snn::Profile::Loihi2 && bits == 8 && mixed ? 2 : 1;
  SmallVector<int32_t> mantissas;
  for (double v : w.data)
    mantissas.push_back(int32_t(std::clamp<double>(
        step * double(std::llround(v * scale / exp2 / step)), -(limit + 1),
        limit)));
  auto type = RankedTensorType::get({w.rows, w.cols}, b.getI32Type());
  auto weights = DenseElementsAttr::get(type, ArrayRef<int32_t>(mantissas));
  if (!p.plastic) {
    snn::DenseOp::create(b, loc, p.pre->value, p.post->value, weights, exp,
                         bits, p.delay, /*latency=*/1, /*geometry=*/nullptr);
    return;
  }
  // Traces that hold the last event (graded) or follow the rate over about
  // one window (rate coding).
  double decay = rate() ? 1.0 / double(settings.timesteps) : 1.0;
  auto trace =
      b.getArrayAttr({b.getF64FloatAttr(decay), b.getF64FloatAttr(decay)});
  auto traces = b.getDictionaryAttr(
      {b.getNamedAttr("x1", trace), b.getNamedAttr("y3", trace)});
  double bound = std::min(p.bound * scale / exp2, limit);
  double wMin = -bound, wMax = bound;
  IntegerAttr y3Shift;
  if (p.y3Shift) {
    // Loihi's traces; Lava bounds learned weights by its range only.
    traces = b.getDictionaryAttr({});
    wMin = -256;
    wMax = 255;
    y3Shift = b.getI64IntegerAttr(*p.y3Shift);
  }
  snn::PlasticOp::create(
      b, loc, p.pre->value, p.post->value, p.third->value, weights,
      b.getI64IntegerAttr(exp), b.getI64IntegerAttr(bits),
      b.getI64IntegerAttr(p.delay), rule(p, exp2), traces,
      b.getF64FloatAttr(wMin), b.getF64FloatAttr(wMax), y3Shift);
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
  // The weights' scale in emitProjection().
  double units = cell.scale * p.pre->span / p.post->span / exp2;
  units *= fixedScale(*p.pre);
  double cScale = cell.eta * units;
  // Loihi neurons fire at 1/2^kFixedRateShift of the coded rate; their
  // traces follow that.
  auto rateScale = [&](const Population &q) {
    return fixedNeurons() && q.name != "x" ? double(1 << kFixedRateShift) : 1.0;
  };
  // The product a·z in the codes: the pre's value is lo + span·x1, the
  // third factor's lo + span·y3.
  const Population &pre = *p.pre, &third = *p.third;
  double preSpan = pre.span * rateScale(pre),
         thirdSpan = third.span * rateScale(third);
  if (p.y3Shift) {
    // Loihi's traces: x1 = payload/2 of the relay, y3 = payload >> shift.
    double payloadUnit = std::ldexp(1.0, -kGradedPayloadBits);
    preSpan = pre.span * 2 * payloadUnit;
    thirdSpan = third.span * std::ldexp(payloadUnit, int(*p.y3Shift));
  }
  using F = spiking::RuleFactor;
  std::vector<spiking::RuleTerm> terms;
  auto add = [&](double c, std::initializer_list<F> factors) {
    if (c == 0)
      return;
    spiking::RuleTerm term = ruleTerm(c, factors);
    // Lava's accumulator shifts wide products right; the constant makes up
    // for it.
    if (p.y3Shift)
      term = ruleTerm(
          std::ldexp(c, spiking::loihi_learning::productShift(term)), factors);
    terms.push_back(term);
  };
  add(cScale * pre.lo * third.lo, {});
  add(cScale * pre.lo * thirdSpan, {F::Y3});
  add(cScale * preSpan * third.lo, {F::X1});
  add(cScale * preSpan * thirdSpan, {F::X1, F::Y3});
  terms.push_back(ruleTerm(-cell.eta, {F::W}));
  return snn::RuleAttr::get(context, terms);
}


struct ConvertEngramToSnnPass
    : public mlir::engram::impl::ConvertEngramToSnnBase<
          ConvertEngramToSnnPass> {
  using ConvertEngramToSnnBase::ConvertEngramToSnnBase;

  void runOnOperation() override;
};

void ConvertEngramToSnnPass::runOnOperation() {
  ModuleOp module = getOperation();
  FailureOr<CellPlan> plan = analyzeCell(module, "convert-engram-to-snn");
  if (failed(plan))
    return signalPassFailure();
  Settings settings{CodeOptions::of(encoding, recall, k, percentile, zeroInput,
                                    profile, plan->topK),
                    profile,
                    learning,
                    timesteps,
                    weightBits,
                    inhibition,
                    sigmaDelta,
                    optionPrefix};
  auto attr = module->getAttrOfType<DictionaryAttr>(kCalibrationAttr);
  if (!attr) {
    emitError(module.getLoc())
        << (optionPrefix.empty() ? "convert-engram-to-snn: " : "")
        << "needs the calibration of engram-calibrate-snn ("
        << kCalibrationAttr << " on the module); run that pass first";
    return signalPassFailure();
  }
  CodeOptions calibratedFor;
  std::string error;
  FailureOr<Calibration> calibration =
      readCalibration(attr, calibratedFor, error);
  if (failed(calibration)) {
    emitError(module.getLoc()) << error;
    return signalPassFailure();
  }
  Converter converter(module, *plan, settings, *calibration);
  if (failed(converter.run(calibratedFor)))
    signalPassFailure();
}

} // namespace

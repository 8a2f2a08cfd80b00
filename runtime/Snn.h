//===- Snn.h - the spiking-network simulator --------------------*- C++ -*-===//
//
// A spiking network as the runtime sees it (what the snn dialect describes,
// without MLIR), and the simulator that executes it in float or in Loihi 2
// fixed point. The simulator is the oracle for every neuromorphic export;
// docs/spiking.md gives the semantics this file implements.
//
// Time: a network step (one input vector x_t of a B x S x D sequence) lasts
// `timesteps` simulator timesteps; inputs are held for that window. An event
// reaches its post population latency + delay timesteps after it is sent.
// State (membranes, traces, delay lines, plastic weights) starts from zero
// and the initial weights for every sequence and is never reset within it.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_SNN_H
#define ENGRAM_RUNTIME_SNN_H

#include "runtime/LoihiFixed.h"
#include "runtime/Status.h"
#include "spiking/Rule.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace engram::runtime::snn {

enum class PopulationKind {
  /// A source: neuron i reads gain[i] · x_t[inputOffset + i].
  Input,
  /// Lava's float LIF (current-based): u ← u(1−du) + I; v ← v(1−dv) + u +
  /// bias; spike when v > vth, then v ← vReset (0 unless set).
  Lif,
  /// Lava's bit-accurate LIF (loihi::stepLif); inputs are integers.
  LifFixed,
  /// Integrate-and-fire: v ← v + I + bias; spike when v ≥ vth, then v ← v −
  /// vth (reset by subtraction) or v ← 0; then v is kept within [0, vth], so
  /// that a neuron remembers neither input below zero nor input above one
  /// spike per timestep (the clipping of the rate code).
  If,
  /// Graded unit (Loihi 2 graded spikes): each timestep its value is
  /// act(I + bias), sent as the spike's payload when it is not zero.
  Graded,
  /// Leaky integrator (NIR's LI, I and CubaLI): Lif's u and v without a
  /// threshold; its event every timestep is v, a graded value.
  Li,
};

/// How an input population turns values into events.
enum class Encoding {
  /// Deterministic rate code: an accumulator starting at ½ adds the value
  /// every timestep and emits a binary spike (subtracting 1) when it reaches
  /// 1; values are clipped to [0, 1].
  Rate,
  /// The value itself is the payload, every timestep.
  Graded,
  /// One spike at the first timestep of the window for every non-zero
  /// value (an event-sensor style input).
  Spike,
};

enum class Activation { Relu, Linear };

struct Population {
  std::string name;
  PopulationKind kind = PopulationKind::Graded;
  size_t size = 0;

  // Input.
  Encoding encoding = Encoding::Graded;
  size_t inputOffset = 0;
  std::vector<double> gain; ///< size entries

  // Lif, Li, If, Graded: per-neuron bias (empty: none).
  std::vector<double> bias;
  // Lif and Li: decays in [0, 1]; Lif and If: threshold > 0.
  double du = 1, dv = 0, vth = 1;
  // If: reset by subtraction (true) or to zero.
  bool resetSubtract = true;
  // Lif: v after a spike, per neuron (empty: 0), below vth.
  std::vector<double> vReset;
  // LifFixed.
  loihi::LifParams fixed;
  // Graded.
  Activation activation = Activation::Relu;
  /// Graded units and graded sources: sigma-delta coding. A unit sends the
  /// change of its value since its last event when that change exceeds
  /// `delta` in magnitude (0: any change); receivers integrate the changes,
  /// so they see the value as last sent. Unset: the value every timestep.
  std::optional<double> delta;
};

// The learning rules and traces of plastic projections (spiking/Rule.h).
using spiking::LearningRule;
using spiking::parseRule;
using spiking::RuleDependency;
using spiking::RuleFactor;
using spiking::RuleTerm;
using spiking::Trace;

/// A node of the linear chain a projection was imported from (NIR's
/// Input shape, Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten, Affine,
/// Linear), kept so that an export can write its geometry back; the
/// simulator uses the projection's weights only.
struct GeometryNode {
  std::string type;
  struct Array {
    std::vector<double> values;
    std::vector<int64_t> shape;
  };
  std::map<std::string, Array> arrays;
  std::map<std::string, std::string> texts;
};

/// The longest delay the simulator accepts (Loihi 2's is 62; the loihi2
/// profile of the snn dialect enforces that).
inline constexpr int kMaxDelay = 1024;

struct Projection {
  size_t pre = 0, post = 0; ///< population indices
  /// Post-major (post.size rows of pre.size) integer mantissas; the weight is
  /// w · 2^weightExp.
  std::vector<int32_t> weights;
  int weightExp = 0;
  int weightBits = 8;
  /// Timesteps an event takes before its extra delay: 1, Lava's Dense (an
  /// event sent at t arrives at t + 1), or 0, NIR's equations (it arrives at
  /// t, within the timestep; with no delay the post population must come
  /// after the pre, since populations update in index order).
  int latency = 1;
  /// Extra timesteps on top of the latency.
  int delay = 0;
  /// Empty, or the chain of linear nodes the weights were composed from,
  /// the first an "Input" node with the pre population's shape.
  std::vector<GeometryNode> geometry;

  // Plastic projections only.
  std::optional<LearningRule> rule;
  /// Bounds of the weight mantissa while learning.
  double wMin = -255, wMax = 255;
  /// Population that drives the post traces y3 one to one (same size as
  /// post); none when the rule has no third factor.
  std::optional<size_t> thirdFactor;
  /// Set: the projection learns in Loihi's integers, as Lava's LearningDense
  /// with a three-factor rule (snn.plastic's y3_shift): x1 is the pre's
  /// integer payload halved (rounded half to even, kept between events, at
  /// most 127), y3 the third factor's integer payload >> y3Shift clamped to
  /// −128..127, and at each epoch's end the integer weights take
  /// spiking::loihi_learning::accumulate, rounded stochastically with
  /// Lava's numbers (spiking::NumpyPcg64, kRoundingSeed; one per epoch) and
  /// clipped to [−256, 255] (Lava's MIXED sign mode, which the export gives
  /// these weights). The traces of `rule` are unused.
  std::optional<int> y3Shift;
};

/// How the output population is read.
enum class Decode {
  /// Mean event value over the last network step's window (1 per spike,
  /// the payload of a graded event).
  Rate,
  /// The event value at the last timestep.
  Last,
};

struct Probe {
  size_t population = 0;
  Decode decode = Decode::Rate;
  /// output = scale · decoded + offset, per neuron.
  std::vector<double> scale, offset;
};

/// The longest population or network name, in bytes.
inline constexpr size_t kMaxNameBytes = 1024;

/// The largest population and projection (post x pre weights, as the
/// simulator holds them) the readers accept: sizes come from files, and a
/// few bytes must not make engram allocate terabytes.
inline constexpr size_t kMaxPopulationSize = size_t(1) << 24;
inline constexpr uint64_t kMaxProjectionWeights = uint64_t(1) << 28;

/// Whether a population of `size` neurons, or a projection between two,
/// stays within those limits; the error names `what`.
Status checkPopulationSize(size_t size, const std::string &what);
Status checkProjectionSize(size_t post, size_t pre, const std::string &what);

struct Network {
  std::string name;
  int timesteps = 1;
  size_t inputWidth = 0; ///< D
  std::vector<Population> populations;
  std::vector<Projection> projections;
  Probe output;

  /// Checks every index, size, range and parameter; messages name the
  /// population or projection.
  Status validate() const;
};

/// Graded events in fixed point: 24-bit signed payloads with this many
/// fractional bits (Loihi 2's graded spikes carry up to 24 bits).
inline constexpr int kGradedFractionBits = 12;
inline constexpr int64_t kGradedLimit = (int64_t(1) << 23) - 1;

struct RunOptions {
  /// Loihi fixed point: LifFixed populations step with loihi::stepLif, Dense
  /// projections with loihi::Dense (plastic weights are rounded to integers
  /// when they deliver); graded units compute in integers with
  /// kGradedFractionBits fractional bits, their payloads multiplied by the
  /// integer weights and shifted by the exponent. If and Lif populations
  /// have no fixed-point form.
  bool fixedPoint = false;
  /// Keep every population's events (payload or 1), B x (S·timesteps) x size.
  bool record = false;
};

/// The state of every sequence between calls, so that a stream can be fed
/// in chunks: each population's currents, voltages, events and sent values,
/// each projection's (plastic) weights, delay line and learning traces, and
/// the timestep reached. `values` is batch x stateWidth(network) (integers
/// of the fixed-point variables are held exactly).
struct SimulatorState {
  size_t batch = 0;
  std::vector<double> values;
  /// The timesteps each sequence has run.
  std::vector<int64_t> timesteps;
};

/// The values of one sequence's SimulatorState for `network`.
size_t stateWidth(const Network &network);

struct RunResult {
  std::vector<float> output; ///< B x output size
  size_t outputSize = 0;
  /// Totals over the batch: events emitted (input populations included; a
  /// sigma-delta unit's events are its changes) and synaptic operations (one
  /// per non-zero weight an event reaches).
  uint64_t events = 0, synops = 0;
  /// With RunOptions::record: per population, B x (S·timesteps) x size.
  std::vector<std::vector<float>> record;
  /// Where every sequence ended, for a later run to start from.
  SimulatorState state;
};

/// Whether every population has a Loihi fixed-point form (input, lif_fixed
/// or graded), as RunOptions::fixedPoint needs.
Status checkFixedPoint(const Network &network);

/// Runs `x` (B x S x inputWidth, row-major) through the network, from
/// rest or from `initial` (the `state` of an earlier result for as many
/// sequences): running S steps equals running S1, then S − S1 from the
/// state, bit for bit (outputs decode the last network step either way).
StatusOr<RunResult> run(const Network &network, const float *x, size_t batch,
                        size_t steps, const RunOptions &options,
                        const SimulatorState *initial = nullptr);

} // namespace engram::runtime::snn

#endif // ENGRAM_RUNTIME_SNN_H

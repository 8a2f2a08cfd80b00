//===- Snn.cpp - the spiking-network simulator ----------------------------===//
//
// The network checks and the timestep loop of Snn.h (the learning-rule
// parser is in spiking/Rule.cpp). Each sequence runs alone from fresh
// state. Within a timestep the projections first deliver what is due from
// their delay lines, every population then updates in index order (taking
// first what the projections without latency or delay bring from this
// timestep's events), the other projections send this timestep's events
// down their delay lines, and plastic projections finally update their
// traces and learn.
//
//===----------------------------------------------------------------------===//

#include "runtime/Snn.h"
#include "spiking/NumpyRandom.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <type_traits>

namespace engram::runtime::snn {
namespace {

/// `x` in the shortest of %g's forms, for messages.
std::string str(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", x);
  return buffer;
}

} // namespace


namespace {

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

/// The kind in messages, in PopulationKind's order.
const char *kindName(PopulationKind kind) {
  static const char *const kNames[] = {"input", "lif", "lif-fixed",
                                       "if",    "graded", "li"};
  return kNames[size_t(kind)];
}

std::string label(const Population &population) {
  return "population '" + population.name + "'";
}

/// "projection 3 (enc -> slot)", or "projection 3" when an index is bad.
std::string label(const Network &network, size_t index) {
  const Projection &projection = network.projections[index];
  std::string text = "projection " + std::to_string(index);
  const size_t count = network.populations.size();
  if (projection.pre < count && projection.post < count)
    text += " (" + network.populations[projection.pre].name + " -> " +
            network.populations[projection.post].name + ")";
  return text;
}

/// An error unless `values` is empty or has one entry per neuron.
Status checkPerNeuron(const std::vector<double> &values, size_t size,
                      const std::string &owner, const char *what) {
  if (values.empty() || values.size() == size)
    return Status::success();
  return Status::error(owner + " needs one " + what + " per neuron (" +
                       std::to_string(size) + "), got " +
                       std::to_string(values.size()));
}

Status validateInput(const Population &p, size_t inputWidth) {
  if (p.encoding != Encoding::Rate && p.encoding != Encoding::Graded &&
      p.encoding != Encoding::Spike)
    return Status::error(label(p) + " has an unknown encoding");
  if (p.inputOffset > inputWidth || p.size > inputWidth - p.inputOffset)
    return Status::error(label(p) + " reads inputs " +
                         std::to_string(p.inputOffset) + ".." +
                         std::to_string(p.inputOffset + p.size) +
                         " of an input of width " + std::to_string(inputWidth));
  if (p.gain.size() != p.size)
    return Status::error(label(p) + " needs one gain per neuron (" +
                         std::to_string(p.size) + "), got " +
                         std::to_string(p.gain.size()));
  return Status::success();
}

Status validatePopulation(const Population &p, size_t inputWidth) {
  if (p.size == 0)
    return Status::error(label(p) + " has no neurons");
  if (p.delta) {
    const bool graded =
        p.kind == PopulationKind::Graded ||
        (p.kind == PopulationKind::Input && p.encoding == Encoding::Graded);
    if (!graded)
      return Status::error(label(p) + " has a sigma-delta threshold, which "
                                      "only graded events carry");
    if (!(*p.delta >= 0))
      return Status::error(label(p) +
                           " needs a sigma-delta threshold >= 0, "
                           "got " +
                           str(*p.delta));
  }
  switch (p.kind) {
  case PopulationKind::Input:
    return validateInput(p, inputWidth);
  case PopulationKind::LifFixed:
    return p.fixed.validate(p.size).withPrefix(label(p) + ": ");
  case PopulationKind::Lif:
    if (!(p.du >= 0 && p.du <= 1 && p.dv >= 0 && p.dv <= 1))
      return Status::error(label(p) + " needs du and dv in [0, 1], got du=" +
                           str(p.du) + " dv=" + str(p.dv));
    if (Status status = checkPerNeuron(p.vReset, p.size, label(p), "v_reset");
        !status)
      return status;
    for (double reset : p.vReset)
      if (!(reset < p.vth) || !std::isfinite(reset))
        return Status::error(label(p) + " needs v_reset below vth (" +
                             str(p.vth) + "), got " + str(reset));
    [[fallthrough]];
  case PopulationKind::If:
    if (!(p.vth > 0))
      return Status::error(label(p) + " needs vth > 0, got " + str(p.vth));
    return checkPerNeuron(p.bias, p.size, label(p), "bias");
  case PopulationKind::Graded:
    if (p.activation != Activation::Relu && p.activation != Activation::Linear)
      return Status::error(label(p) + " has an unknown activation");
    return checkPerNeuron(p.bias, p.size, label(p), "bias");
  case PopulationKind::Li:
    if (!(p.du >= 0 && p.du <= 1 && p.dv >= 0 && p.dv <= 1))
      return Status::error(label(p) + " needs du and dv in [0, 1], got du=" +
                           str(p.du) + " dv=" + str(p.dv));
    return checkPerNeuron(p.bias, p.size, label(p), "bias");
  }
  return Status::error(label(p) + " has an unknown kind");
}


Status validateRule(const Network &network, const Projection &projection,
                    const std::string &name) {
  if (!projection.rule) {
    if (projection.thirdFactor)
      return Status::error(name + " has a third factor but no learning rule");
    return Status::success();
  }
  const LearningRule &rule = *projection.rule;
  if (rule.terms.empty())
    return Status::error(name + " has a learning rule without terms");
  for (const Trace *trace : {&rule.x1, &rule.x2, &rule.y1, &rule.y2, &rule.y3})
    if (!(trace->decay >= 0 && trace->decay <= 1) ||
        !std::isfinite(trace->impulse))
      return Status::error(name + ": every trace needs a decay in [0, 1] and "
                                  "a finite impulse");
  if (!spiking::usesFactor(rule.terms, RuleFactor::Y3))
    return projection.thirdFactor
               ? Status::error(name + " has a third factor but its rule '" +
                               rule.text + "' does not use y3")
               : Status::success();
  if (!projection.thirdFactor)
    return Status::error(name + ": its rule '" + rule.text +
                         "' uses y3 but it has no third factor");
  if (projection.y3Shift) {
    namespace ll = spiking::loihi_learning;
    if (*projection.y3Shift < 0 || *projection.y3Shift > 23)
      return Status::error(name + ": y3_shift must be in 0..23, not " +
                           std::to_string(*projection.y3Shift));
    if (Status status = ll::check(rule.terms); !status)
      return status.withPrefix(name + ": learning in Loihi's integers: ");
    if (projection.wMin != -ll::kWeightLimit - 1 ||
        projection.wMax != ll::kWeightLimit)
      return Status::error(name + ": with y3_shift the weights are bounded "
                                  "by Lava's range only: w_min = -256, "
                                  "w_max = 255");
  }
  const size_t third = *projection.thirdFactor;
  if (third >= network.populations.size())
    return Status::error(name + " has third factor " + std::to_string(third) +
                         " but there are " +
                         std::to_string(network.populations.size()) +
                         " populations");
  const Population &factor = network.populations[third];
  const Population &post = network.populations[projection.post];
  if (factor.size != post.size)
    return Status::error(name + ": its third factor " + label(factor) +
                         " has " + std::to_string(factor.size) +
                         " neurons, the post population " +
                         std::to_string(post.size));
  return Status::success();
}

Status validateProjection(const Network &network, size_t index) {
  const Projection &projection = network.projections[index];
  const std::string name = label(network, index);
  const size_t count = network.populations.size();
  if (projection.pre >= count || projection.post >= count)
    return Status::error(name + " connects populations " +
                         std::to_string(projection.pre) + " -> " +
                         std::to_string(projection.post) + " but there are " +
                         std::to_string(count));
  const Population &pre = network.populations[projection.pre];
  const Population &post = network.populations[projection.post];
  if (post.kind == PopulationKind::Input)
    return Status::error(name + " ends at an input population");
  if (projection.weights.size() != post.size * pre.size)
    return Status::error(name + " has " +
                         std::to_string(projection.weights.size()) +
                         " weights for " + std::to_string(post.size) + " x " +
                         std::to_string(pre.size));
  if (projection.weightBits < 1 || projection.weightBits > 24)
    return Status::error(name + " needs weightBits in [1, 24], got " +
                         std::to_string(projection.weightBits));
  if (projection.delay < 0 || projection.delay > kMaxDelay)
    return Status::error(name + " needs a delay in [0, " +
                         std::to_string(kMaxDelay) + "], got " +
                         std::to_string(projection.delay));
  if (projection.latency != 0 && projection.latency != 1)
    return Status::error(name + " needs a latency of 0 or 1, got " +
                         std::to_string(projection.latency));
  if (projection.latency + projection.delay == 0 &&
      projection.pre >= projection.post)
    return Status::error(
        name + " delivers within its timestep (latency 0, no delay), so its "
               "pre population must come before its post population (they "
               "update in order); give it a latency or a delay of 1");
  if (!(projection.wMin <= projection.wMax))
    return Status::error(name + " needs wMin <= wMax, got " +
                         str(projection.wMin) + " > " + str(projection.wMax));
  return validateRule(network, projection, name);
}

Status validateProbe(const Network &network) {
  const Probe &probe = network.output;
  if (probe.population >= network.populations.size())
    return Status::error("the output probe reads population " +
                         std::to_string(probe.population) + " but there are " +
                         std::to_string(network.populations.size()));
  if (probe.decode != Decode::Rate && probe.decode != Decode::Last)
    return Status::error("the output probe has an unknown decoding");
  const Population &p = network.populations[probe.population];
  const std::string owner = "the output probe of " + label(p);
  if (Status status = checkPerNeuron(probe.scale, p.size, owner, "scale");
      !status)
    return status;
  return checkPerNeuron(probe.offset, p.size, owner, "offset");
}

} // namespace

/// Names are data in every format engram writes, but a NUL byte ends a
/// C string (HDF5 link names) and zip members hold 16-bit name lengths.
static Status checkName(const std::string &name, const std::string &what) {
  if (name.size() > kMaxNameBytes)
    return Status::error(what + " has a name of " +
                         std::to_string(name.size()) + " bytes; at most " +
                         std::to_string(kMaxNameBytes) + " are allowed");
  if (name.find('\0') != std::string::npos)
    return Status::error(what + " has a NUL byte in its name");
  return Status::success();
}

Status checkPopulationSize(size_t size, const std::string &what) {
  if (size > kMaxPopulationSize)
    return Status::error(what + " has " + std::to_string(size) +
                         " neurons; engram takes at most " +
                         std::to_string(kMaxPopulationSize));
  return Status::success();
}

Status checkProjectionSize(size_t post, size_t pre, const std::string &what) {
  if (Status s = checkPopulationSize(std::max(post, pre), what); !s)
    return s;
  if (uint64_t(post) * pre > kMaxProjectionWeights)
    return Status::error(what + " connects " + std::to_string(post) + " x " +
                         std::to_string(pre) + " neurons; engram takes at most " +
                         std::to_string(kMaxProjectionWeights) + " weights");
  return Status::success();
}

Status checkFixedPoint(const Network &network) {
  for (const Population &p : network.populations)
    if (p.kind != PopulationKind::Input && p.kind != PopulationKind::LifFixed &&
        p.kind != PopulationKind::Graded)
      return Status::error(label(p) + " (" + kindName(p.kind) +
                           ") has no fixed-point form");
  return Status::success();
}

Status Network::validate() const {
  if (Status status = checkName(name, "the network"); !status)
    return status;
  const std::string prefix = name.empty() ? "" : "network '" + name + "': ";
  if (timesteps < 1)
    return Status::error(prefix + "timesteps must be at least 1, got " +
                         std::to_string(timesteps));
  std::set<std::string> names;
  for (size_t i = 0; i < populations.size(); ++i) {
    const Population &p = populations[i];
    if (p.name.empty())
      return Status::error(prefix + "population " + std::to_string(i) +
                           " has no name");
    if (Status status = checkName(p.name, "population " + std::to_string(i));
        !status)
      return status.withPrefix(prefix);
    if (!names.insert(p.name).second)
      return Status::error(prefix + "two populations are named '" + p.name +
                           "'");
    if (Status status = validatePopulation(p, inputWidth); !status)
      return status.withPrefix(prefix);
  }
  for (size_t i = 0; i < projections.size(); ++i)
    if (Status status = validateProjection(*this, i); !status)
      return status.withPrefix(prefix);
  return validateProbe(*this).withPrefix(prefix);
}

namespace {

//===----------------------------------------------------------------------===//
// Simulation
//===----------------------------------------------------------------------===//

/// What a population holds during one sequence.
struct PopulationState {
  /// This timestep's events (0: none).
  std::vector<double> events;
  /// This timestep's input current (fixedCurrent in fixed point).
  std::vector<double> current;
  std::vector<int32_t> fixedCurrent;
  /// Lif, If and float LifFixed: current and voltage; Input with a rate
  /// code: the accumulator, in v.
  std::vector<double> u, v;
  /// LifFixed in fixed point.
  loihi::LifState lif;
  /// Sigma-delta units: the value as last sent (what receivers hold) and
  /// this timestep's sent changes.
  std::vector<double> sent, deltas;
};

/// What a projection holds during one sequence.
struct ProjectionState {
  /// Weight mantissas; plastic projections change them.
  std::vector<double> weights;
  /// Delay line: slot t mod (latency + delay) holds what arrives at
  /// timestep t; none when events arrive within their timestep.
  std::vector<std::vector<double>> line;
  std::vector<std::vector<int32_t>> fixedLine;
  /// Plastic projections: traces of the pre (x) and post (y) neurons.
  std::vector<double> x1, x2, y1, y2, y3;
};

/// Runs the sequences of one call of run(), one at a time.
class Simulator {
public:
  Simulator(const Network &network, const RunOptions &options)
      : net_(network), fixed_(options.fixedPoint), record_(options.record) {}

  /// Counts the fan-outs and, in fixed point, checks the populations and
  /// prepares the weights as loihi::Dense does.
  Status prepare();
  /// Runs sequence `b` (steps x inputWidth at `x`) from rest, or from
  /// `state` (stateWidth values) after `start` timesteps; leaves the state
  /// it ends in at `end` (stateWidth values).
  Status runSequence(const float *x, size_t steps, size_t b, RunResult &result,
                     const double *state, int64_t start, double *end);
  /// The number of values save() writes.
  size_t width();

private:
  /// Visits every state variable in one fixed order: save and restore.
  template <typename Fn> void visitState(Fn &&fn);
  void save(double *out);
  void restore(const double *in);

  void reset();
  Status step(const float *x, size_t t, bool windowStart, bool epochEnd);
  void encodeDelta(size_t p);
  void gatherCurrents(size_t t);
  Status updateInput(size_t p, const float *x, bool windowStart);
  void updateNeurons(size_t p);
  void updateLifFixed(size_t p);
  void deliverNow(size_t p);
  void sendLater(size_t q, size_t t);
  void send(size_t q, std::vector<double> &into);
  void sendFixed(size_t q, std::vector<int32_t> &into);
  void updateTraces(size_t q);
  void updateLoihiTraces(size_t q);
  void learn(size_t q, bool epochEnd);
  void learnLoihi(size_t q);
  double roundingDraw(size_t epoch);
  void account(size_t index, RunResult &result) const;

  const Network &net_;
  const bool fixed_, record_;
  std::vector<PopulationState> pops_;
  std::vector<ProjectionState> projs_;
  /// Per population and neuron: the non-zero initial weights its event
  /// reaches, over every projection.
  std::vector<std::vector<uint64_t>> fanOut_;
  /// Fixed point: the prepared weights and sign mode of every projection.
  std::vector<std::vector<int32_t>> fixedWeights_;
  std::vector<loihi::SignMode> signModes_;
  /// The epoch that ends at this timestep (counted from 1 per sequence),
  /// and Lava's rounding numbers by epoch (roundingDraw).
  size_t epoch_ = 0;
  std::optional<spiking::NumpyPcg64> roundingRng_;
  std::vector<double> roundingDraws_;
};

Status Simulator::prepare() {
  fanOut_.resize(net_.populations.size());
  for (size_t p = 0; p < net_.populations.size(); ++p)
    fanOut_[p].assign(net_.populations[p].size, 0);
  for (const Projection &projection : net_.projections) {
    const size_t pre = net_.populations[projection.pre].size;
    for (size_t k = 0; k < projection.weights.size(); ++k)
      fanOut_[projection.pre][k % pre] += projection.weights[k] != 0;
  }
  if (!fixed_)
    return Status::success();
  if (Status status = checkFixedPoint(net_); !status)
    return status;
  for (size_t q = 0; q < net_.projections.size(); ++q) {
    const Projection &projection = net_.projections[q];
    auto dense = loihi::Dense::create(
        projection.weights, net_.populations[projection.post].size,
        net_.populations[projection.pre].size, projection.weightBits,
        projection.weightExp);
    if (!dense)
      return dense.status().withPrefix(label(net_, q) + ": ");
    fixedWeights_.push_back(dense->weights());
    signModes_.push_back(loihi::signModeOf(projection.weights));
  }
  return Status::success();
}

void Simulator::reset() {
  pops_.assign(net_.populations.size(), PopulationState());
  for (size_t p = 0; p < pops_.size(); ++p) {
    const Population &population = net_.populations[p];
    PopulationState &state = pops_[p];
    const size_t n = population.size;
    state.events.assign(n, 0);
    state.current.assign(n, 0);
    state.fixedCurrent.assign(n, 0);
    state.u.assign(n, 0);
    // The rate accumulator of an input starts at one half.
    state.v.assign(n, population.kind == PopulationKind::Input ? 0.5 : 0);
    state.lif = loihi::LifState(n);
    state.sent.assign(n, 0);
    state.deltas.assign(n, 0);
  }
  projs_.assign(net_.projections.size(), ProjectionState());
  for (size_t q = 0; q < projs_.size(); ++q) {
    const Projection &projection = net_.projections[q];
    ProjectionState &state = projs_[q];
    const size_t pre = net_.populations[projection.pre].size;
    const size_t post = net_.populations[projection.post].size;
    state.weights.assign(projection.weights.begin(), projection.weights.end());
    // Lava's LearningDense truncates its weights once, on the first
    // timestep; what it learns later is used as it is.
    if (projection.y3Shift) {
      std::vector<int32_t> prepared =
          loihi::prepareWeights(projection.weights, loihi::SignMode::Mixed,
                                projection.weightBits);
      state.weights.assign(prepared.begin(), prepared.end());
    }
    const size_t slots = size_t(projection.latency + projection.delay);
    state.line.assign(slots, std::vector<double>(post, 0));
    state.fixedLine.assign(slots, std::vector<int32_t>(post, 0));
    if (projection.rule) {
      state.x1.assign(pre, 0);
      state.x2.assign(pre, 0);
      state.y1.assign(post, 0);
      state.y2.assign(post, 0);
      state.y3.assign(post, 0);
    }
  }
}

template <typename Fn> void Simulator::visitState(Fn &&fn) {
  for (PopulationState &state : pops_)
    for (auto *values : {&state.events, &state.current, &state.u, &state.v,
                         &state.sent, &state.deltas})
      fn(*values);
  for (PopulationState &state : pops_)
    for (auto *values : {&state.fixedCurrent, &state.lif.u, &state.lif.v})
      fn(*values);
  for (ProjectionState &state : projs_) {
    for (auto *values : {&state.weights, &state.x1, &state.x2, &state.y1,
                         &state.y2, &state.y3})
      fn(*values);
    for (std::vector<double> &slot : state.line)
      fn(slot);
    for (std::vector<int32_t> &slot : state.fixedLine)
      fn(slot);
  }
}

size_t Simulator::width() {
  reset();
  size_t count = 0;
  visitState([&](auto &values) { count += values.size(); });
  return count;
}

void Simulator::save(double *out) {
  visitState([&](auto &values) {
    for (auto v : values)
      *out++ = double(v);
  });
}

void Simulator::restore(const double *in) {
  visitState([&](auto &values) {
    using T = typename std::decay_t<decltype(values)>::value_type;
    for (auto &v : values)
      v = T(*in++);
  });
}

Status Simulator::runSequence(const float *x, size_t steps, size_t b,
                              RunResult &result, const double *state,
                              int64_t start, double *end) {
  reset();
  if (state)
    restore(state);
  const size_t timesteps = size_t(net_.timesteps);
  const size_t probe = net_.output.population;
  const size_t size = net_.populations[probe].size;
  std::vector<double> decoded(size, 0);
  for (size_t s = 0; s < steps; ++s) {
    const float *xs = x + s * net_.inputWidth;
    for (size_t k = 0; k < timesteps; ++k) {
      const size_t t = s * timesteps + k;
      if (Status status =
              step(xs, size_t(start) + t, k == 0, k + 1 == timesteps);
          !status)
        return status;
      account(b * steps * timesteps + t, result);
      if (s + 1 != steps)
        continue;
      const std::vector<double> &events = pops_[probe].events;
      for (size_t i = 0; i < size; ++i)
        decoded[i] = net_.output.decode == Decode::Last
                         ? events[i]
                         : decoded[i] + events[i] / double(timesteps);
    }
  }
  const Probe &out = net_.output;
  for (size_t i = 0; i < size; ++i) {
    double scale = out.scale.empty() ? 1 : out.scale[i];
    double offset = out.offset.empty() ? 0 : out.offset[i];
    result.output[b * size + i] = float(scale * decoded[i] + offset);
  }
  save(end);
  return Status::success();
}

/// Sigma-delta coding: the change since the last event is sent when it
/// exceeds the threshold; `events` then holds what the receivers have
/// integrated (the value as last sent), which projections deliver.
void Simulator::encodeDelta(size_t p) {
  PopulationState &state = pops_[p];
  const double threshold = *net_.populations[p].delta;
  for (size_t i = 0; i < state.events.size(); ++i) {
    const double change = state.events[i] - state.sent[i];
    const bool send = change != 0 && std::abs(change) > threshold;
    state.deltas[i] = send ? change : 0;
    if (send)
      state.sent[i] = state.events[i];
    state.events[i] = state.sent[i];
  }
}

/// One timestep. Projections send this timestep's events with the weights
/// as they were before this timestep's learning, which comes last.
Status Simulator::step(const float *x, size_t t, bool windowStart,
                       bool epochEnd) {
  if (epochEnd)
    epoch_ = (t + 1) / size_t(net_.timesteps);
  gatherCurrents(t);
  for (size_t p = 0; p < pops_.size(); ++p) {
    deliverNow(p);
    switch (net_.populations[p].kind) {
    case PopulationKind::Input:
      if (Status status = updateInput(p, x, windowStart); !status)
        return status.withPrefix("timestep " + std::to_string(t) + ": ");
      break;
    case PopulationKind::LifFixed:
      updateLifFixed(p);
      break;
    default:
      updateNeurons(p);
      break;
    }
    if (net_.populations[p].delta)
      encodeDelta(p);
  }
  for (size_t q = 0; q < projs_.size(); ++q)
    sendLater(q, t);
  for (size_t q = 0; q < projs_.size(); ++q) {
    if (!net_.projections[q].rule)
      continue;
    updateTraces(q);
    learn(q, epochEnd);
  }
  return Status::success();
}

/// Sums what every projection delivers at timestep `t` into the currents
/// of its post population, emptying the delay-line slot for reuse.
void Simulator::gatherCurrents(size_t t) {
  for (PopulationState &state : pops_) {
    std::fill(state.current.begin(), state.current.end(), 0);
    std::fill(state.fixedCurrent.begin(), state.fixedCurrent.end(), 0);
  }
  for (size_t q = 0; q < projs_.size(); ++q) {
    PopulationState &post = pops_[net_.projections[q].post];
    ProjectionState &state = projs_[q];
    if (state.line.empty())
      continue;
    const size_t slot = t % state.line.size();
    for (size_t i = 0; i < post.current.size(); ++i) {
      post.current[i] += state.line[slot][i];
      post.fixedCurrent[i] += state.fixedLine[slot][i];
      state.line[slot][i] = 0;
      state.fixedLine[slot][i] = 0;
    }
  }
}

/// A value as a fixed-point graded payload (rounded to the nearest
/// 2^-kGradedFractionBits, saturated at 24 bits), back in real units.
double gradedFixed(double value) {
  int64_t q =
      std::clamp<int64_t>(std::llround(std::ldexp(value, kGradedFractionBits)),
                          -kGradedLimit, kGradedLimit);
  return std::ldexp(double(q), -kGradedFractionBits);
}

Status Simulator::updateInput(size_t p, const float *x, bool windowStart) {
  const Population &population = net_.populations[p];
  PopulationState &state = pops_[p];
  for (size_t i = 0; i < population.size; ++i) {
    double value = population.gain[i] * double(x[population.inputOffset + i]);
    double &event = state.events[i];
    if (population.encoding == Encoding::Graded) {
      event = fixed_ ? gradedFixed(value) : value;
    } else if (population.encoding == Encoding::Spike) {
      event = windowStart && value != 0 ? 1 : 0;
    } else {
      double &accumulator = state.v[i];
      accumulator += std::clamp(value, 0.0, 1.0);
      event = accumulator >= 1 ? 1 : 0;
      accumulator -= event;
    }
  }
  return Status::success();
}

/// Graded, If, Lif and Li populations (float only).
void Simulator::updateNeurons(size_t p) {
  const Population &population = net_.populations[p];
  PopulationState &state = pops_[p];
  for (size_t i = 0; i < population.size; ++i) {
    const double input = state.current[i];
    const double bias = population.bias.empty() ? 0 : population.bias[i];
    double &u = state.u[i], &v = state.v[i], &event = state.events[i];
    switch (population.kind) {
    case PopulationKind::Graded:
      if (fixed_) {
        // Integers in units of 2^-kGradedFractionBits, saturating at 24
        // bits.
        int64_t value = int64_t(state.fixedCurrent[i]) +
                        std::llround(std::ldexp(bias, kGradedFractionBits));
        if (population.activation == Activation::Relu)
          value = std::max<int64_t>(value, 0);
        value = std::clamp<int64_t>(value, -kGradedLimit, kGradedLimit);
        event = std::ldexp(double(value), -kGradedFractionBits);
        break;
      }
      event = input + bias;
      if (population.activation == Activation::Relu)
        event = std::max(event, 0.0);
      break;
    case PopulationKind::If:
      v += input + bias;
      event = v >= population.vth ? 1 : 0;
      if (event != 0)
        v = population.resetSubtract ? v - population.vth : 0;
      v = std::clamp(v, 0.0, population.vth);
      break;
    case PopulationKind::Li:
      u = u * (1 - population.du) + input;
      v = v * (1 - population.dv) + u + bias;
      event = v;
      break;
    case PopulationKind::Lif:
      u = u * (1 - population.du) + input;
      v = v * (1 - population.dv) + u + bias;
      event = v > population.vth ? 1 : 0;
      if (event != 0)
        v = population.vReset.empty() ? 0 : population.vReset[i];
      break;
    default:
      break;
    }
  }
}

/// loihi::stepLif in fixed point; in float the same equations without
/// truncation, wrap or saturation, the input in real weight units.
void Simulator::updateLifFixed(size_t p) {
  const Population &population = net_.populations[p];
  const loihi::LifParams &params = population.fixed;
  PopulationState &state = pops_[p];
  if (fixed_) {
    std::vector<uint8_t> spikes;
    loihi::stepLif(params, state.fixedCurrent, state.lif, spikes);
    state.events.assign(spikes.begin(), spikes.end());
    return;
  }
  const double scale = 1 << loihi::kDecayShift;
  const double uFactor = 1 - (params.du + 1) / scale;
  const double vFactor = 1 - params.dv / scale;
  const double threshold = std::ldexp(params.vth, loihi::kThresholdShift);
  for (size_t i = 0; i < population.size; ++i) {
    double bias = 0;
    if (!params.biasMant.empty())
      bias = std::ldexp(params.biasMant[i],
                        params.biasExp.empty() ? 0 : params.biasExp[i]);
    double &u = state.u[i], &v = state.v[i];
    u = u * uFactor + std::ldexp(state.current[i], loihi::kActivationShift);
    v = v * vFactor + u + bias;
    state.events[i] = v > threshold ? 1 : 0;
    if (v > threshold)
      v = 0;
  }
}

/// What the projections that deliver within the timestep (no latency, no
/// delay) bring population `p` from their pre populations, which have
/// updated already.
void Simulator::deliverNow(size_t p) {
  for (size_t q = 0; q < projs_.size(); ++q) {
    if (net_.projections[q].post != p || !projs_[q].line.empty())
      continue;
    if (fixed_)
      sendFixed(q, pops_[p].fixedCurrent);
    else
      send(q, pops_[p].current);
  }
}

/// This timestep's events of projection `q` into its delay line, due
/// latency + delay timesteps from now (slot t mod latency + delay).
void Simulator::sendLater(size_t q, size_t t) {
  ProjectionState &state = projs_[q];
  if (state.line.empty())
    return;
  if (fixed_)
    sendFixed(q, state.fixedLine[t % state.fixedLine.size()]);
  else
    send(q, state.line[t % state.line.size()]);
}

/// Float delivery: adds Σ_j w_ij · 2^weightExp · event_j to `into`.
void Simulator::send(size_t q, std::vector<double> &into) {
  const Projection &projection = net_.projections[q];
  ProjectionState &state = projs_[q];
  const std::vector<double> &events = pops_[projection.pre].events;
  std::vector<size_t> active;
  for (size_t j = 0; j < events.size(); ++j)
    if (events[j] != 0)
      active.push_back(j);
  if (active.empty())
    return;
  const size_t pre = events.size();
  const double scale = std::ldexp(1.0, projection.weightExp);
  for (size_t i = 0; i < into.size(); ++i) {
    double sum = 0;
    for (size_t j : active)
      sum += state.weights[i * pre + j] * events[j];
    into[i] += sum * scale;
  }
}

/// A graded event's integer payload (12 fractional bits).
static int64_t payloadOf(double event) {
  return std::llround(std::ldexp(event, kGradedFractionBits));
}

/// Fixed-point delivery, as loihi::Dense computes it, added to `into`. Plastic weights are
/// rounded to the nearest integer and prepared again at every delivery
/// (those learning in Loihi's integers were prepared once, in reset()).
void Simulator::sendFixed(size_t q, std::vector<int32_t> &into) {
  const Projection &projection = net_.projections[q];
  ProjectionState &state = projs_[q];
  const std::vector<double> &events = pops_[projection.pre].events;
  const Population &from = net_.populations[projection.pre];
  const bool graded =
      from.kind == PopulationKind::Graded ||
      (from.kind == PopulationKind::Input && from.encoding == Encoding::Graded);
  // Binary events as Dense takes them; graded payloads (any real value,
  // negative ones too) never go through uint8_t.
  std::vector<uint8_t> spikes;
  if (!graded) {
    for (double event : events)
      spikes.push_back(event != 0);
    if (std::find(spikes.begin(), spikes.end(), 1) == spikes.end())
      return;
  }
  std::vector<int32_t> rounded;
  if (projection.rule) {
    for (double w : state.weights)
      rounded.push_back(int32_t(std::lround(w)));
    if (!projection.y3Shift)
      rounded = loihi::prepareWeights(std::move(rounded), signModes_[q],
                                      projection.weightBits);
  }
  const std::vector<int32_t> &weights =
      projection.rule ? rounded : fixedWeights_[q];
  if (!graded) {
    std::vector<int32_t> sum = loihi::denseSum(
        weights, into.size(), spikes.size(), projection.weightExp, spikes);
    for (size_t i = 0; i < into.size(); ++i)
      into[i] += sum[i];
    return;
  }
  // Graded payloads: integers with kGradedFractionBits fractional bits,
  // Σ w·p in 64 bits, shifted by weightExp (rounding down, as Dense does),
  // saturated to 24 bits.
  const size_t pre = events.size();
  std::vector<int64_t> payload(pre);
  for (size_t j = 0; j < pre; ++j)
    payload[j] = payloadOf(events[j]);
  for (size_t i = 0; i < into.size(); ++i) {
    int64_t sum = 0;
    for (size_t j = 0; j < pre; ++j)
      sum += int64_t(weights[i * pre + j]) * payload[j];
    sum = loihi::shiftBy(sum, projection.weightExp);
    into[i] += int32_t(std::clamp<int64_t>(sum, -kGradedLimit, kGradedLimit));
  }
}

/// Loihi's traces: x1 takes a pre event's payload halved (rounded half to
/// even, kept as uint8, at most 127: Lava's graded x1, clipped at the
/// epoch's end), y3 the third factor's payload >> y3Shift within 7 bits
/// and its sign (what engram's learning neuron sends Lava).
void Simulator::updateLoihiTraces(size_t q) {
  const Projection &projection = net_.projections[q];
  ProjectionState &state = projs_[q];
  const std::vector<double> &pre = pops_[projection.pre].events;
  for (size_t j = 0; j < pre.size(); ++j) {
    int64_t payload = payloadOf(pre[j]);
    if (payload == 0)
      continue;
    int64_t half = int64_t(std::nearbyint(double(payload) / 2)) & 0xff;
    state.x1[j] = double(std::min<int64_t>(half, 127));
  }
  const std::vector<double> &third = pops_[*projection.thirdFactor].events;
  for (size_t i = 0; i < third.size(); ++i)
    state.y3[i] = double(std::clamp<int64_t>(
        payloadOf(third[i]) >> *projection.y3Shift, -128, 127));
}

/// Lava's learning phase at an epoch's end: the rule in its accumulator,
/// stochastic rounding to whole weights with Lava's own random numbers (one
/// per epoch, for every synapse) and the mixed sign mode's 9-bit range.
void Simulator::learnLoihi(size_t q) {
  namespace ll = spiking::loihi_learning;
  const Projection &projection = net_.projections[q];
  ProjectionState &state = projs_[q];
  // Mixed signs (the export's sign mode for these weights): no saturation
  // of the accumulator by sign, and Lava's 9-bit range.
  const int64_t low = -ll::kWeightLimit - 1, high = ll::kWeightLimit;
  const size_t pre = state.x1.size();
  const double draw = roundingDraw(epoch_);
  for (size_t i = 0; i < state.y3.size(); ++i)
    for (size_t j = 0; j < pre; ++j) {
      double &w = state.weights[i * pre + j];
      int64_t acc = ll::accumulate(projection.rule->terms, int64_t(w),
                                   int64_t(state.x1[j]), int64_t(state.y3[i]));
      // floor(acc / 2^7) + 1 where Lava's draw falls below the fraction.
      const int64_t unit = int64_t(1) << ll::kWeightShift;
      int64_t whole = acc >> ll::kWeightShift;
      double fraction = double(acc - whole * unit) / double(unit);
      whole += draw < fraction ? 1 : 0;
      w = double(std::clamp(whole, low, high));
    }
}

/// The number Lava's LearningDense rounds with at the end of epoch `epoch`
/// (counted from 1 in each sequence): its ConnVarRandom draws one at
/// creation and one more before each learning phase.
double Simulator::roundingDraw(size_t epoch) {
  if (!roundingRng_)
    roundingRng_.emplace(spiking::loihi_learning::kRoundingSeed);
  while (roundingDraws_.size() <= epoch)
    roundingDraws_.push_back(roundingRng_->uniform());
  return roundingDraws_[epoch];
}

void Simulator::updateTraces(size_t q) {
  const Projection &projection = net_.projections[q];
  if (projection.y3Shift)
    return updateLoihiTraces(q);
  const LearningRule &rule = *projection.rule;
  ProjectionState &state = projs_[q];
  auto update = [](std::vector<double> &trace, const Trace &params,
                   const std::vector<double> &events) {
    for (size_t i = 0; i < trace.size(); ++i)
      trace[i] = trace[i] * (1 - params.decay) + params.impulse * events[i];
  };
  const std::vector<double> &pre = pops_[projection.pre].events;
  const std::vector<double> &post = pops_[projection.post].events;
  update(state.x1, rule.x1, pre);
  update(state.x2, rule.x2, pre);
  update(state.y1, rule.y1, post);
  update(state.y2, rule.y2, post);
  if (projection.thirdFactor)
    update(state.y3, rule.y3, pops_[*projection.thirdFactor].events);
}

/// Applies the terms whose dependency fired: x0 at synapses whose pre
/// neuron had an event, y0 where the post neuron had one, u at the end of a
/// network step. Every term sees the weight from before this update.
void Simulator::learn(size_t q, bool epochEnd) {
  const Projection &projection = net_.projections[q];
  if (projection.y3Shift) {
    if (epochEnd)
      learnLoihi(q);
    return;
  }
  ProjectionState &state = projs_[q];
  const std::vector<double> &pre = pops_[projection.pre].events;
  const std::vector<double> &post = pops_[projection.post].events;
  for (size_t i = 0; i < post.size(); ++i) {
    for (size_t j = 0; j < pre.size(); ++j) {
      double &w = state.weights[i * pre.size() + j];
      // Indexed by RuleFactor: X1, X2, Y1, Y2, Y3, W.
      const double factors[] = {state.x1[j], state.x2[j], state.y1[i],
                                state.y2[i], state.y3[i], w};
      double dw = 0;
      bool applied = false;
      for (const RuleTerm &term : projection.rule->terms) {
        bool fires = term.dependency == RuleDependency::U    ? epochEnd
                     : term.dependency == RuleDependency::X0 ? pre[j] != 0
                                                             : post[i] != 0;
        if (!fires)
          continue;
        double product = term.coefficient;
        for (size_t f = 0; f < spiking::kRuleFactorCount; ++f)
          for (unsigned p = 0; p < term.powers[f]; ++p)
            product *= factors[f];
        dw += product;
        applied = true;
      }
      if (applied)
        w = std::clamp(w + dw, projection.wMin, projection.wMax);
    }
  }
}

/// Counts this timestep's events and synaptic operations and records the
/// events at row `index` of the B x (S·T) record.
void Simulator::account(size_t index, RunResult &result) const {
  for (size_t p = 0; p < pops_.size(); ++p) {
    // A sigma-delta unit's events are its changes.
    const std::vector<double> &events =
        net_.populations[p].delta ? pops_[p].deltas : pops_[p].events;
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i] == 0)
        continue;
      ++result.events;
      result.synops += fanOut_[p][i];
    }
    if (record_)
      std::copy(events.begin(), events.end(),
                result.record[p].begin() + index * events.size());
  }
}

} // namespace

size_t stateWidth(const Network &network) {
  return Simulator(network, RunOptions()).width();
}

/// Checks `initial` against a run of `batch` sequences of a network whose
/// state is `width` values per sequence.
static Status checkInitialState(const SimulatorState &initial, size_t batch,
                                size_t width) {
  if (initial.batch != batch || initial.timesteps.size() != batch)
    return Status::error("the state holds " + std::to_string(initial.batch) +
                         " sequences, the input " + std::to_string(batch));
  if (initial.values.size() != batch * width)
    return Status::error(
        "the state holds " +
        std::to_string(initial.values.size() / std::max<size_t>(batch, 1)) +
        " values per sequence; this network's state has " +
        std::to_string(width) + " (a state of another network?)");
  for (int64_t t : initial.timesteps)
    if (t < 0)
      return Status::error("the state's timesteps must not be negative");
  for (double v : initial.values)
    if (!std::isfinite(v))
      return Status::error("the state holds a value that is not finite");
  return Status::success();
}

StatusOr<RunResult> run(const Network &network, const float *x, size_t batch,
                        size_t steps, const RunOptions &options,
                        const SimulatorState *initial) {
  if (Status status = network.validate(); !status)
    return status;
  const size_t width = stateWidth(network);
  if (initial)
    if (Status status = checkInitialState(*initial, batch, width); !status)
      return status.withPrefix("initial state: ");
  if (batch * steps > 0 && !x)
    return Status::error("run: no input for " + std::to_string(batch) + " x " +
                         std::to_string(steps) + " steps");
  Simulator simulator(network, options);
  if (Status status = simulator.prepare(); !status)
    return status;
  RunResult result;
  result.outputSize = network.populations[network.output.population].size;
  result.output.assign(batch * result.outputSize, 0);
  if (options.record)
    for (const Population &p : network.populations)
      result.record.emplace_back(batch * steps * network.timesteps * p.size,
                                 0.0f);
  const size_t stride = steps * network.inputWidth;
  const int64_t ticks = int64_t(steps) * network.timesteps;
  result.state.batch = batch;
  result.state.values.assign(batch * width, 0.0);
  result.state.timesteps.assign(batch, ticks);
  for (size_t b = 0; b < batch; ++b) {
    const double *from = initial ? initial->values.data() + b * width : nullptr;
    const int64_t start = initial ? initial->timesteps[b] : 0;
    if (Status status =
            simulator.runSequence(x + b * stride, steps, b, result, from, start,
                                  result.state.values.data() + b * width);
        !status)
      return status.withPrefix("sequence " + std::to_string(b) + ", ");
    result.state.timesteps[b] = start + ticks;
  }
  return result;
}

} // namespace engram::runtime::snn

//===- LavaExport.cpp - spiking networks as Lava process graphs -----------===//
//
// One process per population (RingBuffer source, LIF, SigmaDelta), one per
// projection (Dense, Sparse, their Delay- forms, LearningDense) named
// "<pre>_to_<post>", and the connections pre.s_out -> proj.s_in,
// proj.a_out -> post.a_in (and post.s_out -> proj.s_in_bap for learning).
// Learning rules are written in Lava's spelling of spiking::formatRule.
//
//===----------------------------------------------------------------------===//

#include "backends/lava/Lava.h"
#include "backends/lava/LavaCommon.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace engram::runtime;
using namespace engram::runtime::snn;

namespace engram::lava {
namespace {

void setTrace(const Trace &trace, pb::LearningRule &rule,
              void (pb::LearningRule::*impulse)(double),
              void (pb::LearningRule::*tau)(double)) {
  (rule.*impulse)(trace.impulse);
  (rule.*tau)(trace.tau());
}

/// A source as a RingBuffer process.
void exportSource(const Population &p, pb::Process &out) {
  pb::RingBufferSource &source = *out.mutable_source();
  source.set_size(p.size);
  source.set_encoding(p.encoding == Encoding::Rate    ? pb::ENCODING_RATE
                      : p.encoding == Encoding::Spike ? pb::ENCODING_SPIKE
                                                      : pb::ENCODING_GRADED);
  source.set_input_offset(p.inputOffset);
  for (double g : p.gain)
    source.add_gain(g);
}

/// A LIF population, fixed point (Loihi's integers) or float.
void exportLif(const Population &p, bool fixed, pb::Process &out) {
  pb::LIF &lif = *out.mutable_lif();
  lif.set_size(p.size);
  if (!fixed) {
    lif.set_du(p.du);
    lif.set_dv(p.dv);
    lif.set_vth(p.vth);
    for (double b : p.bias)
      lif.add_bias_mant(b);
    return;
  }
  lif.set_du(p.fixed.du);
  lif.set_dv(p.fixed.dv);
  lif.set_vth(p.fixed.vth);
  for (int32_t b : p.fixed.biasMant)
    lif.add_bias_mant(b);
  for (int32_t e : p.fixed.biasExp)
    lif.add_bias_exp(e);
}

/// Graded units, fixed point only: memoryless units that send their value
/// every timestep. A sigma-delta threshold only saves events, so it is
/// dropped; the bias is a constant source, added by exportNetwork.
Status exportGraded(const Population &p, bool fixed, const std::string &label,
                    pb::Process &out) {
  if (!fixed)
    return Status::error(label + " is a float graded unit; Lava's "
                                 "GradedVec is exported in fixed point "
                                 "only (convert with --snn-profile=loihi2)");
  if (p.activation == Activation::Relu) {
    pb::GradedReluVec &unit = *out.mutable_graded_relu_vec();
    unit.set_size(p.size);
    unit.set_vth(0);
    unit.set_exp(kFractionBits);
  } else {
    pb::GradedVec &unit = *out.mutable_graded_vec();
    unit.set_size(p.size);
    unit.set_vth(0);
    unit.set_exp(kFractionBits);
  }
  return Status::success();
}

/// One population as the process of its kind; `fixed`: the network is in
/// Loihi's fixed point, and every LIF must be.
Status exportPopulation(const Population &p, bool fixed, pb::Process &out) {
  out.set_name(p.name);
  const std::string label = "population '" + p.name + "'";
  switch (p.kind) {
  case PopulationKind::Input:
    exportSource(p, out);
    return Status::success();
  case PopulationKind::LifFixed:
  case PopulationKind::Lif:
    if (fixed != (p.kind == PopulationKind::LifFixed))
      break;
    if (std::any_of(p.vReset.begin(), p.vReset.end(),
                    [](double v) { return v != 0; }))
      return Status::error(label + " resets v to a value other than 0, "
                                   "which Lava's LIF does not");
    exportLif(p, fixed, out);
    return Status::success();
  case PopulationKind::Graded:
    return exportGraded(p, fixed, label, out);
  case PopulationKind::Li:
    return Status::error(label + " is a leaky integrator (NIR's LI, I or "
                                 "CubaLI), which Lava's process library has "
                                 "no model of");
  case PopulationKind::If:
    return Status::error(
        label + " is integrate-and-fire with reset by " +
        (p.resetSubtract ? "subtraction" : "zero") +
        ", which Lava's process library has no model of (convert with "
        "--snn-profile=loihi2 for LIF or graded units)");
  }
  return Status::error(label +
                       (fixed ? " is a float LIF in a fixed-point "
                                "network"
                              : " is a fixed-point LIF in a float "
                                "network") +
                       "; Lava runs one tag per graph");
}

void exportWeights(const Projection &q, const Network &net, bool sparse,
                   pb::Weights &out) {
  const size_t pre = net.populations[q.pre].size;
  const size_t post = net.populations[q.post].size;
  out.set_n_out(post);
  out.set_n_in(pre);
  for (size_t i = 0; i < post; ++i)
    for (size_t j = 0; j < pre; ++j) {
      int32_t w = q.weights[i * pre + j];
      if (!sparse) {
        out.add_dense(w);
      } else if (w != 0) {
        out.add_rows(i);
        out.add_cols(j);
        out.add_values(w);
      }
    }
  out.set_weight_exp(q.weightExp);
  out.set_num_weight_bits(q.weightBits);
  out.set_sign_mode(signMode(q));
  const Population &from = net.populations[q.pre];
  const bool graded =
      from.kind == PopulationKind::Graded ||
      (from.kind == PopulationKind::Input && from.encoding == Encoding::Graded);
  out.set_num_message_bits(graded ? 24 : 0);
}

void connect(pb::Network &graph, const std::string &src, const char *srcPort,
             const std::string &dst, const char *dstPort) {
  pb::Connection &c = *graph.add_connections();
  c.set_src_process(src);
  c.set_src_port(srcPort);
  c.set_dst_process(dst);
  c.set_dst_port(dstPort);
}

} // namespace

namespace {

/// The graph of one network: populations, the sources of graded biases,
/// projections and the probe, each by its own function.
class Exporter {
public:
  Exporter(const Network &network, const std::string &producer)
      : network(network), producer(producer) {}
  StatusOr<std::string> run();

private:
  void header();
  Status bias(const Population &p);
  Status projection(const Projection &q);
  /// A name for the projection pre -> post that no process has yet.
  std::string projectionName(const Population &pre, const Population &post);
  void learning(const Projection &q, pb::Process &process);
  void weights(const Projection &q, pb::Process &process);
  void probe();

  const Network &network;
  const std::string &producer;
  pb::Network graph;
  std::set<std::string> names;
  /// Loihi fixed point (no float LIF in the network).
  bool fixed = true;
};

StatusOr<std::string> Exporter::run() {
  if (Status status = network.validate(); !status)
    return status;
  for (const Population &p : network.populations)
    if (p.kind == PopulationKind::Lif)
      fixed = false;
  header();
  for (const Population &p : network.populations) {
    if (Status status = exportPopulation(p, fixed, *graph.add_processes());
        !status)
      return status;
    names.insert(p.name);
  }
  for (const Population &p : network.populations)
    if (Status status = bias(p); !status)
      return status;
  for (const Projection &q : network.projections)
    if (Status status = projection(q); !status)
      return status;
  probe();
  std::string bytes;
  if (!graph.SerializeToString(&bytes))
    return Status::error("the Lava graph could not be serialized");
  return bytes;
}

void Exporter::header() {
  graph.set_schema_version(kSchemaVersion);
  graph.set_name(network.name);
  graph.set_producer(producer);
  graph.set_tag(fixed ? "fixed_pt" : "floating_pt");
  graph.set_timesteps_per_step(network.timesteps);
  graph.set_input_width(network.inputWidth);
  graph.set_payload_fraction_bits(kFractionBits);
}

/// Graded biases: a source of constant payloads through an identity Sparse
/// (weight 1, exponent 0: exact).
Status Exporter::bias(const Population &p) {
  if (p.kind != PopulationKind::Graded ||
      std::all_of(p.bias.begin(), p.bias.end(),
                  [](double b) { return b == 0; }))
    return Status::success();
  std::string source = p.name + "_bias",
              identity = p.name + "_bias_to_" + p.name;
  if (names.count(source) || names.count(identity))
    return Status::error("population '" + p.name + "': the names '" + source +
                         "' and '" + identity +
                         "' of its bias are taken by populations");
  names.insert(source);
  names.insert(identity);
  pb::Process &constant = *graph.add_processes();
  constant.set_name(source);
  pb::RingBufferSource &data = *constant.mutable_source();
  data.set_size(p.size);
  data.set_encoding(pb::ENCODING_GRADED);
  for (double b : p.bias)
    data.add_constant(std::llround(std::ldexp(b, kFractionBits)));
  pb::Process &diagonal = *graph.add_processes();
  diagonal.set_name(identity);
  pb::Weights &w = *diagonal.mutable_sparse()->mutable_weights();
  w.set_n_out(p.size);
  w.set_n_in(p.size);
  for (size_t i = 0; i < p.size; ++i) {
    w.add_rows(i);
    w.add_cols(i);
    w.add_values(1);
  }
  w.set_num_weight_bits(8);
  w.set_sign_mode(pb::SIGN_MODE_EXCITATORY);
  w.set_num_message_bits(24);
  connect(graph, source, "s_out", identity, "s_in");
  connect(graph, identity, "a_out", p.name, "a_in");
  return Status::success();
}

std::string Exporter::projectionName(const Population &pre,
                                     const Population &post) {
  std::string name = pre.name + "_to_" + post.name;
  for (int k = 2; names.count(name); ++k)
    name = pre.name + "_to_" + post.name + "_" + std::to_string(k);
  names.insert(name);
  return name;
}

Status Exporter::projection(const Projection &q) {
  const Population &pre = network.populations[q.pre];
  const Population &post = network.populations[q.post];
  std::string name = projectionName(pre, post);
  if (q.latency != 1)
    return Status::error(
        "projection " + name + " delivers within its timestep (latency 0, "
        "NIR's semantics); Lava's synapses deliver one timestep later (import "
        "a NIR file with --nir-semantics=engram for that latency model)");
  if (fixed && (q.weightBits > 8 || q.weightExp < -8 || q.weightExp > 7 ||
                q.delay > 62))
    return Status::error(
        "projection " + name + ": " + std::to_string(q.weightBits) +
        "-bit weights, exponent " + std::to_string(q.weightExp) +
        " and delay " + std::to_string(q.delay) +
        " are outside Loihi 2's ranges (8 bits, -8..7, 62); convert with "
        "--snn-profile=loihi2");
  pb::Process &process = *graph.add_processes();
  process.set_name(name);
  if (q.rule)
    learning(q, process);
  else
    weights(q, process);
  connect(graph, pre.name, "s_out", name, "s_in");
  connect(graph, name, "a_out", post.name, "a_in");
  if (q.rule)
    connect(graph, post.name, "s_out", name, "s_in_bap");
  return Status::success();
}

void Exporter::learning(const Projection &q, pb::Process &process) {
  pb::LearningDense &learning = *process.mutable_learning_dense();
  exportWeights(q, network, false, *learning.mutable_weights());
  learning.set_delays(q.delay);
  learning.set_w_min(q.wMin);
  learning.set_w_max(q.wMax);
  pb::LearningRule &rule = *learning.mutable_learning_rule();
  // Lava's parser reads m*2^e constants in full and no decimals (the
  // loader refuses a rule with one), and spells the every-epoch dependency
  // u0.
  rule.set_dw(spiking::formatRule(q.rule->terms, {"u0", true}));
  using R = pb::LearningRule;
  setTrace(q.rule->x1, rule, &R::set_x1_impulse, &R::set_x1_tau);
  setTrace(q.rule->x2, rule, &R::set_x2_impulse, &R::set_x2_tau);
  setTrace(q.rule->y1, rule, &R::set_y1_impulse, &R::set_y1_tau);
  setTrace(q.rule->y2, rule, &R::set_y2_impulse, &R::set_y2_tau);
  setTrace(q.rule->y3, rule, &R::set_y3_impulse, &R::set_y3_tau);
  rule.set_t_epoch(network.timesteps);
  if (q.thirdFactor) {
    rule.set_three_factor(true);
    learning.set_third_factor(network.populations[*q.thirdFactor].name);
  }
  if (q.y3Shift) {
    learning.set_loihi_traces(true);
    learning.set_y3_shift(uint32_t(*q.y3Shift));
  }
}

/// Dense or Sparse (at most a quarter of the weights non-zero), with a
/// delay line when the projection has a delay.
void Exporter::weights(const Projection &q, pb::Process &process) {
  size_t nonzero = 0;
  for (int32_t w : q.weights)
    nonzero += w != 0;
  const bool sparse = nonzero * 4 <= q.weights.size();
  if (q.delay == 0) {
    exportWeights(q, network, sparse,
                  sparse ? *process.mutable_sparse()->mutable_weights()
                         : *process.mutable_dense()->mutable_weights());
    return;
  }
  pb::Weights &w = sparse ? *process.mutable_delay_sparse()->mutable_weights()
                          : *process.mutable_delay_dense()->mutable_weights();
  exportWeights(q, network, sparse, w);
  if (sparse)
    process.mutable_delay_sparse()->set_delays(q.delay);
  else
    process.mutable_delay_dense()->set_delays(q.delay);
}

void Exporter::probe() {
  pb::Probe &probe = *graph.mutable_probe();
  probe.set_target(network.populations[network.output.population].name);
  probe.set_decode(network.output.decode == Decode::Rate ? pb::Probe::RATE
                                                         : pb::Probe::LAST);
  for (double s : network.output.scale)
    probe.add_scale(s);
  for (double o : network.output.offset)
    probe.add_offset(o);
}

} // namespace

StatusOr<std::string> exportLava(const Network &network,
                                 const std::string &producer) {
  return Exporter(network, producer).run();
}

} // namespace engram::lava

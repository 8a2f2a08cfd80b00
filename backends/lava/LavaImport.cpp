//===- LavaImport.cpp - Lava process graphs as spiking networks -----------===//
//
// The graph that LavaExport.cpp writes, read back into the simulator's
// network, checking every name, port, size and range on the way, so that
// engram-run simulates exactly what lava_loader.py builds.
//
//===----------------------------------------------------------------------===//

#include "backends/lava/Lava.h"
#include "backends/lava/LavaCommon.h"

#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace engram::runtime;
using namespace engram::runtime::snn;

namespace engram::lava {

namespace {

bool isNeuron(const pb::Process &process) {
  return process.has_source() || process.has_lif() ||
         process.has_graded_vec() || process.has_graded_relu_vec();
}

/// The place that an error about process `name` names.
std::string processPlace(const std::string &name) {
  return "process '" + name + "'";
}

class Importer {
public:
  Importer(const pb::Network &graph, const std::string &path)
      : graph_(graph), path_(path) {}

  StatusOr<LavaNetwork> run();

private:
  Status error(const std::string &where, const std::string &message) const {
    return Status::error(path_ + ": " + where + ": " + message);
  }

  /// The graph's header: schema version, tag (sets `result.fixedPoint`),
  /// payload fraction bits, and the network's name, timesteps and width.
  Status header(LavaNetwork &result);
  /// Every process's name and kind checked, and every neuron and source
  /// process read as a population or a constant; `names` collects them all.
  Status neurons(bool fixed, std::set<std::string> &names);
  /// A constant source, kept for the bias of the projection it feeds.
  Status constantSource(const pb::Process &process);
  /// A neuron or input process read, checked and added as a population.
  Status neuron(const pb::Process &process, bool fixed);
  /// Every connection process read as a projection or a bias.
  Status projections();
  /// Every connection names processes of the graph.
  Status connectionNames(const std::set<std::string> &names) const;
  /// The probe read as the network's output.
  Status output();

  /// A neuron or source process (`fixed` in a fixed_pt graph).
  Status population(const pb::Process &process, bool fixed, Population &p);
  /// A RingBufferSource read as an input population.
  Status sourcePopulation(const std::string &where,
                          const pb::RingBufferSource &s, Population &p) const;
  /// A LIF process read as a float or (when `fixed`) fixed-point population.
  Status lifPopulation(const std::string &where, const pb::LIF &lif, bool fixed,
                       Population &p) const;
  /// The fixed_pt parameters of a LIF process, each an integer.
  Status lifFixed(const std::string &where, const pb::LIF &lif,
                  Population &p) const;
  /// A GradedVec or GradedReluVec process read as graded units.
  template <typename Graded>
  Status gradedPopulation(const std::string &where, const Graded &g,
                          Activation activation, bool fixed,
                          Population &p) const;
  /// `value` into `out` when it is an integer (fixed_pt's `field`).
  Status integer(const std::string &where, double value, const char *field,
                 int32_t &out) const;

  /// A connection process; a bias (a constant source through it) is added
  /// to its post population instead, and `bias` set.
  Status projection(const pb::Process &process, Projection &q, bool &bias);
  /// The constant source that feeds `process`, or "" when none does.
  std::string constantFeeding(const std::string &process) const;
  /// `process` fed by the constant source `constant`, added as a bias.
  Status constantBias(const std::string &where, const pb::Process &process,
                      const std::string &constant, Projection &q, bool &bias);
  /// A LearningDense process: its weights, delay, bounds, rule and third
  /// factor.
  Status learningProjection(const std::string &where,
                            const pb::LearningDense &learning, Projection &q);
  /// A LearningDense process's rule, its epoch and its traces.
  Status learningRule(const std::string &where, const pb::LearningRule &r,
                      Projection &q);
  Status addBias(const std::string &where, const std::vector<int64_t> &data,
                 const Projection &q);
  Status weights(const std::string &where, const pb::Weights &w, bool sparse,
                 Projection &q);
  /// The population connected to `process`.`port` (as source when `into`
  /// is false, as destination when true), by index.
  StatusOr<size_t> endpoint(const std::string &process, const char *port,
                            bool into) const;

  const pb::Network &graph_;
  const std::string &path_;
  std::map<std::string, size_t> populations_;
  std::map<std::string, std::vector<int64_t>> constants_;
  Network net_;
};

Status Importer::population(const pb::Process &process, bool fixed,
                            Population &p) {
  const std::string where = processPlace(process.name());
  p.name = process.name();
  Status status = Status::success();
  switch (process.kind_case()) {
  case pb::Process::kSource:
    status = sourcePopulation(where, process.source(), p);
    break;
  case pb::Process::kLif:
    status = lifPopulation(where, process.lif(), fixed, p);
    break;
  case pb::Process::kGradedVec:
    status = gradedPopulation(where, process.graded_vec(), Activation::Linear,
                              fixed, p);
    break;
  case pb::Process::kGradedReluVec:
    status = gradedPopulation(where, process.graded_relu_vec(),
                              Activation::Relu, fixed, p);
    break;
  default:
    return error(where, "is not a neuron process");
  }
  if (!status)
    return status;
  if (p.size == 0)
    return error(where, "has size 0");
  return Status::success();
}

Status Importer::sourcePopulation(const std::string &where,
                                  const pb::RingBufferSource &s,
                                  Population &p) const {
  if (!s.constant().empty())
    return error(where, "a constant source is a bias, not a population");
  p.kind = PopulationKind::Input;
  p.size = s.size();
  switch (s.encoding()) {
  case pb::ENCODING_RATE:
    p.encoding = Encoding::Rate;
    break;
  case pb::ENCODING_GRADED:
    p.encoding = Encoding::Graded;
    break;
  case pb::ENCODING_SPIKE:
    p.encoding = Encoding::Spike;
    break;
  default:
    return error(where, "source has no encoding");
  }
  p.inputOffset = s.input_offset();
  p.gain.assign(s.gain().begin(), s.gain().end());
  return Status::success();
}

Status Importer::lifPopulation(const std::string &where, const pb::LIF &lif,
                               bool fixed, Population &p) const {
  p.size = lif.size();
  // Before the biases are sized by it.
  if (Status s = checkPopulationSize(p.size, where); !s)
    return s;
  if (!lif.bias_exp().empty() && uint32_t(lif.bias_exp_size()) != lif.size())
    return error(where, "bias_exp has " + std::to_string(lif.bias_exp_size()) +
                            " entries for " + std::to_string(lif.size()) +
                            " neurons");
  if (fixed)
    return lifFixed(where, lif, p);
  p.kind = PopulationKind::Lif;
  p.du = lif.du();
  p.dv = lif.dv();
  p.vth = lif.vth();
  p.bias.assign(lif.bias_mant().begin(), lif.bias_mant().end());
  return Status::success();
}

Status Importer::integer(const std::string &where, double value,
                         const char *field, int32_t &out) const {
  if (value != std::floor(value) || std::abs(value) > 1e9)
    return error(where, std::string(field) + " " + str(value) +
                            " is not an integer (fixed_pt)");
  out = int32_t(value);
  return Status::success();
}

Status Importer::lifFixed(const std::string &where, const pb::LIF &lif,
                          Population &p) const {
  p.kind = PopulationKind::LifFixed;
  int32_t du = 0, dv = 0;
  if (Status s = integer(where, lif.du(), "du", du); !s)
    return s;
  if (Status s = integer(where, lif.dv(), "dv", dv); !s)
    return s;
  if (Status s = integer(where, lif.vth(), "vth", p.fixed.vth); !s)
    return s;
  p.fixed.du = du;
  p.fixed.dv = dv;
  for (double b : lif.bias_mant()) {
    int32_t mant = 0;
    if (Status s = integer(where, b, "bias_mant", mant); !s)
      return s;
    p.fixed.biasMant.push_back(mant);
  }
  p.fixed.biasExp.assign(lif.bias_exp().begin(), lif.bias_exp().end());
  if (!p.fixed.biasMant.empty() && p.fixed.biasExp.empty())
    p.fixed.biasExp.assign(p.size, 0);
  if (p.fixed.biasMant.empty() && !p.fixed.biasExp.empty())
    p.fixed.biasMant.assign(p.size, 0);
  return Status::success();
}

template <typename Graded>
Status Importer::gradedPopulation(const std::string &where, const Graded &g,
                                  Activation activation, bool fixed,
                                  Population &p) const {
  const int64_t vth = g.vth();
  const int32_t exp = g.exp();
  if (!fixed)
    return error(where, "graded units are read in fixed_pt graphs only");
  if (vth != 0)
    return error(where, "vth " + std::to_string(vth) +
                            " drops small payloads; engram's graded units "
                            "send every non-zero value (vth 0)");
  if (exp != kFractionBits)
    return error(where, "exp " + std::to_string(exp) +
                            " differs from payload_fraction_bits " +
                            std::to_string(kFractionBits));
  p.kind = PopulationKind::Graded;
  p.size = g.size();
  p.activation = activation;
  return Status::success();
}

StatusOr<size_t> Importer::endpoint(const std::string &process,
                                    const char *port, bool into) const {
  std::optional<size_t> found;
  for (const pb::Connection &c : graph_.connections()) {
    const std::string &self = into ? c.dst_process() : c.src_process();
    const std::string &selfPort = into ? c.dst_port() : c.src_port();
    if (self != process || selfPort != port)
      continue;
    const std::string &other = into ? c.src_process() : c.dst_process();
    const std::string &otherPort = into ? c.src_port() : c.dst_port();
    auto it = populations_.find(other);
    if (it == populations_.end())
      return error("process '" + process + "'",
                   std::string(port) + " is connected to '" + other +
                       "', which is not a neuron or source process");
    if (otherPort != (into ? "s_out" : "a_in"))
      return error("process '" + process + "'",
                   std::string(port) + " is connected to port '" + otherPort +
                       "' of '" + other + "' (expected " +
                       (into ? "s_out" : "a_in") + ")");
    if (found)
      return error("process '" + process + "'",
                   std::string(port) + " has more than one connection");
    found = it->second;
  }
  if (!found)
    return error("process '" + process + "'",
                 std::string(port) + " is not connected");
  return *found;
}

Status Importer::weights(const std::string &where, const pb::Weights &w,
                         bool sparse, Projection &q) {
  const size_t pre = net_.populations[q.pre].size;
  const size_t post = net_.populations[q.post].size;
  if (Status s = checkProjectionSize(post, pre, where); !s)
    return s;
  if (w.n_in() != pre || w.n_out() != post)
    return error(where, "weights are " + std::to_string(w.n_out()) + " x " +
                            std::to_string(w.n_in()) + " (n_out x n_in) but " +
                            net_.populations[q.pre].name + " -> " +
                            net_.populations[q.post].name + " is " +
                            std::to_string(post) + " x " + std::to_string(pre));
  q.weights.assign(pre * post, 0);
  if (!sparse) {
    if (size_t(w.dense_size()) != pre * post)
      return error(where, "has " + std::to_string(w.dense_size()) +
                              " dense weights, expected " +
                              std::to_string(pre * post));
    std::copy(w.dense().begin(), w.dense().end(), q.weights.begin());
  } else {
    if (w.rows_size() != w.values_size() || w.cols_size() != w.values_size())
      return error(where, "sparse weights have " +
                              std::to_string(w.rows_size()) + " rows, " +
                              std::to_string(w.cols_size()) + " cols and " +
                              std::to_string(w.values_size()) + " values");
    for (int k = 0; k < w.values_size(); ++k) {
      if (w.rows(k) >= post || w.cols(k) >= pre)
        return error(where, "sparse weight " + std::to_string(k) + " at (" +
                                std::to_string(w.rows(k)) + ", " +
                                std::to_string(w.cols(k)) +
                                ") is outside the matrix");
      q.weights[w.rows(k) * pre + w.cols(k)] = w.values(k);
    }
  }
  q.weightExp = w.weight_exp();
  q.weightBits = int(w.num_weight_bits());
  if (w.sign_mode() != pb::SIGN_MODE_NULL && w.sign_mode() != signMode(q))
    return error(where, "sign_mode " + pb::SignMode_Name(w.sign_mode()) +
                            " is not the one " +
                            (q.y3Shift ? "loihi_traces needs"
                                       : "the weights determine") +
                            " (" + pb::SignMode_Name(signMode(q)) + ")");
  return Status::success();
}

Status Importer::addBias(const std::string &where,
                         const std::vector<int64_t> &data,
                         const Projection &q) {
  Population &post = net_.populations[q.post];
  if (post.kind != PopulationKind::Graded || q.delay != 0 || q.rule)
    return error(where, "a constant source feeds it, which engram reads "
                        "only as the bias of graded units (no delay, no "
                        "learning)");
  // The ranges Dense applies its weights in, and 24-bit payloads: the sums
  // below stay within 64 bits.
  if (q.weightBits < 1 || q.weightBits > 8 || q.weightExp < -24 ||
      q.weightExp > 24)
    return error(where, "a bias needs num_weight_bits in 1..8 and weight_exp "
                        "in -24..24, not " +
                            std::to_string(q.weightBits) + " and " +
                            std::to_string(q.weightExp));
  for (int64_t payload : data)
    if (payload < -kGradedLimit || payload > kGradedLimit)
      return error(where, "a constant payload " + std::to_string(payload) +
                              " is outside the 24-bit range");
  if (post.bias.empty())
    post.bias.assign(post.size, 0);
  std::vector<int32_t> weights = loihi::prepareWeights(
      q.weights, loihi::signModeOf(q.weights), q.weightBits);
  for (size_t i = 0; i < post.size; ++i) {
    int64_t sum = 0;
    for (size_t j = 0; j < data.size(); ++j)
      sum += int64_t(weights[i * data.size() + j]) * data[j];
    // A left shift in double: exact for these sums, and no overflow.
    const double value = q.weightExp >= 0
                             ? std::ldexp(double(sum), q.weightExp)
                             : double(loihi::shiftBy(sum, q.weightExp));
    post.bias[i] += std::ldexp(value, -kFractionBits);
  }
  return Status::success();
}

std::string Importer::constantFeeding(const std::string &process) const {
  std::string constant;
  for (const pb::Connection &c : graph_.connections())
    if (c.dst_process() == process && c.dst_port() == "s_in" &&
        constants_.count(c.src_process()))
      constant = c.src_process();
  return constant;
}

Status Importer::projection(const pb::Process &process, Projection &q,
                            bool &bias) {
  const std::string where = processPlace(process.name());
  const std::string constant = constantFeeding(process.name());
  StatusOr<size_t> post = endpoint(process.name(), "a_out", false);
  if (!post)
    return post.status();
  q.post = *post;
  if (!constant.empty())
    return constantBias(where, process, constant, q, bias);
  StatusOr<size_t> pre = endpoint(process.name(), "s_in", true);
  if (!pre)
    return pre.status();
  q.pre = *pre;
  switch (process.kind_case()) {
  case pb::Process::kDense:
    return weights(where, process.dense().weights(), false, q);
  case pb::Process::kSparse:
    return weights(where, process.sparse().weights(), true, q);
  case pb::Process::kDelayDense:
    q.delay = int(process.delay_dense().delays());
    return weights(where, process.delay_dense().weights(), false, q);
  case pb::Process::kDelaySparse:
    q.delay = int(process.delay_sparse().delays());
    return weights(where, process.delay_sparse().weights(), true, q);
  case pb::Process::kLearningDense:
    return learningProjection(where, process.learning_dense(), q);
  default:
    return error(where, "is not a connection process");
  }
}

Status Importer::constantBias(const std::string &where,
                              const pb::Process &process,
                              const std::string &constant, Projection &q,
                              bool &bias) {
  // A stand-in pre population of the source's size for the checks.
  const std::vector<int64_t> &data = constants_[constant];
  Population stand;
  stand.name = constant;
  stand.size = data.size();
  net_.populations.push_back(stand);
  q.pre = net_.populations.size() - 1;
  Status status = process.has_sparse()
                      ? weights(where, process.sparse().weights(), true, q)
                  : process.has_dense()
                      ? weights(where, process.dense().weights(), false, q)
                      : error(where, "a constant source feeds it; only "
                                     "Dense and Sparse take a bias");
  net_.populations.pop_back();
  if (!status)
    return status;
  bias = true;
  return addBias(where, data, q);
}

Status Importer::learningProjection(const std::string &where,
                                    const pb::LearningDense &learning,
                                    Projection &q) {
  if (learning.loihi_traces())
    q.y3Shift = int(learning.y3_shift()); // checked below
  if (Status s = weights(where, learning.weights(), false, q); !s)
    return s;
  q.delay = int(learning.delays());
  q.wMin = learning.w_min();
  q.wMax = learning.w_max();
  const pb::LearningRule &r = learning.learning_rule();
  if (Status s = learningRule(where, r, q); !s)
    return s;
  if (r.three_factor() != !learning.third_factor().empty())
    return error(where, "three_factor and third_factor disagree");
  if (!learning.third_factor().empty()) {
    auto it = populations_.find(learning.third_factor());
    if (it == populations_.end())
      return error(where, "third_factor '" + learning.third_factor() +
                              "' is not a neuron process");
    q.thirdFactor = it->second;
  }
  if (learning.loihi_traces()) {
    if (learning.third_factor().empty())
      return error(where, "loihi_traces needs a third_factor");
    if (learning.y3_shift() > 23)
      return error(where, "y3_shift " + std::to_string(learning.y3_shift()) +
                              " is beyond 23 (payloads have 24 bits)");
    q.y3Shift = int(learning.y3_shift());
    q.rule->x1 = q.rule->x2 = q.rule->y1 = q.rule->y2 = q.rule->y3 = Trace();
  } else if (learning.y3_shift() != 0) {
    return error(where, "y3_shift is set without loihi_traces");
  }
  return Status::success();
}

Status Importer::learningRule(const std::string &where,
                              const pb::LearningRule &r, Projection &q) {
  if (r.t_epoch() != unsigned(net_.timesteps))
    return error(where, "t_epoch " + std::to_string(r.t_epoch()) +
                            " differs from timesteps_per_step " +
                            std::to_string(net_.timesteps) +
                            " (engram learns once per step)");
  StatusOr<std::vector<RuleTerm>> terms = parseRule(r.dw());
  if (!terms)
    return terms.status().withPrefix(path_ + ": " + where + ": dw: ");
  LearningRule rule;
  rule.text = r.dw();
  rule.terms = std::move(*terms);
  rule.x1 = {r.x1_impulse(), Trace::decayOf(r.x1_tau())};
  rule.x2 = {r.x2_impulse(), Trace::decayOf(r.x2_tau())};
  rule.y1 = {r.y1_impulse(), Trace::decayOf(r.y1_tau())};
  rule.y2 = {r.y2_impulse(), Trace::decayOf(r.y2_tau())};
  rule.y3 = {r.y3_impulse(), Trace::decayOf(r.y3_tau())};
  for (double tau :
       {r.x1_tau(), r.x2_tau(), r.y1_tau(), r.y2_tau(), r.y3_tau()})
    if (!(tau >= 0))
      return error(where, "a trace has tau " + str(tau) + " (must be >= 0)");
  q.rule = std::move(rule);
  return Status::success();
}

Status Importer::header(LavaNetwork &result) {
  if (graph_.schema_version() == 0)
    return Status::error(path_ + ": schema_version is missing (not an "
                                 "engram Lava graph?)");
  if (graph_.schema_version() > kSchemaVersion)
    return Status::error(path_ + ": schema_version " +
                         std::to_string(graph_.schema_version()) +
                         " is newer than this engram reads (" +
                         std::to_string(kSchemaVersion) + ")");
  if (graph_.tag() == "fixed_pt")
    result.fixedPoint = true;
  else if (graph_.tag() == "floating_pt")
    result.fixedPoint = false;
  else
    return error("tag",
                 "'" + graph_.tag() + "' is neither fixed_pt nor floating_pt");
  if (graph_.payload_fraction_bits() != unsigned(kFractionBits))
    return error("payload_fraction_bits",
                 std::to_string(graph_.payload_fraction_bits()) +
                     " is not supported (engram's graded payloads have " +
                     std::to_string(kFractionBits) + ")");
  net_.name = graph_.name();
  net_.timesteps = int(graph_.timesteps_per_step());
  net_.inputWidth = graph_.input_width();
  return Status::success();
}

Status Importer::neurons(bool fixed, std::set<std::string> &names) {
  for (const pb::Process &process : graph_.processes()) {
    if (process.name().empty())
      return error("processes", "a process has no name");
    if (!names.insert(process.name()).second)
      return error(processPlace(process.name()), "name is not unique");
    if (process.kind_case() == pb::Process::KIND_NOT_SET)
      return error(processPlace(process.name()), "has no kind");
    if (!isNeuron(process))
      continue;
    Status status = process.has_source() && !process.source().constant().empty()
                        ? constantSource(process)
                        : neuron(process, fixed);
    if (!status)
      return status;
  }
  return Status::success();
}

Status Importer::constantSource(const pb::Process &process) {
  const pb::RingBufferSource &source = process.source();
  if (Status s =
          checkPopulationSize(source.size(), processPlace(process.name()));
      !s)
    return s;
  if (size_t(source.constant_size()) != source.size())
    return error(processPlace(process.name()),
                 "has " + std::to_string(source.constant_size()) +
                     " constant payloads for size " +
                     std::to_string(source.size()));
  constants_[process.name()].assign(source.constant().begin(),
                                    source.constant().end());
  return Status::success();
}

Status Importer::neuron(const pb::Process &process, bool fixed) {
  Population p;
  if (Status s = population(process, fixed, p); !s)
    return s;
  if (Status s = checkPopulationSize(p.size, processPlace(process.name())); !s)
    return s;
  populations_[p.name] = net_.populations.size();
  net_.populations.push_back(std::move(p));
  return Status::success();
}

Status Importer::projections() {
  for (const pb::Process &process : graph_.processes()) {
    if (isNeuron(process))
      continue;
    Projection q;
    bool bias = false;
    if (Status s = projection(process, q, bias); !s)
      return s;
    if (!bias)
      net_.projections.push_back(std::move(q));
  }
  return Status::success();
}

Status Importer::connectionNames(const std::set<std::string> &names) const {
  for (const pb::Connection &c : graph_.connections())
    for (const std::string *name : {&c.src_process(), &c.dst_process()})
      if (!names.count(*name))
        return error("connections", "'" + c.src_process() + "." + c.src_port() +
                                        " -> " + c.dst_process() + "." +
                                        c.dst_port() + "' names no process '" +
                                        *name + "'");
  return Status::success();
}

Status Importer::output() {
  const pb::Probe &probe = graph_.probe();
  auto target = populations_.find(probe.target());
  if (target == populations_.end())
    return error("probe",
                 "target '" + probe.target() + "' is not a neuron process");
  net_.output.population = target->second;
  net_.output.decode =
      probe.decode() == pb::Probe::LAST ? Decode::Last : Decode::Rate;
  net_.output.scale.assign(probe.scale().begin(), probe.scale().end());
  net_.output.offset.assign(probe.offset().begin(), probe.offset().end());
  return Status::success();
}

StatusOr<LavaNetwork> Importer::run() {
  LavaNetwork result;
  std::set<std::string> names;
  if (Status s = header(result); !s)
    return s;
  if (Status s = neurons(result.fixedPoint, names); !s)
    return s;
  if (Status s = projections(); !s)
    return s;
  if (Status s = connectionNames(names); !s)
    return s;
  if (Status s = output(); !s)
    return s;
  if (Status status = net_.validate(); !status)
    return status.withPrefix(path_ + ": ");
  result.network = std::move(net_);
  return result;
}

} // namespace

StatusOr<LavaNetwork> importLava(const std::string &bytes,
                                 const std::string &path) {
  // libprotobuf logs what it refuses (invalid UTF-8 in a string field) to
  // stderr; engram says it once, in its own words.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  pb::Network graph;
  if (!graph.ParseFromString(bytes))
    return Status::error(path + ": not an engram.lava.v1.Network (the "
                                "protobuf does not parse)");
  return Importer(graph, path).run();
}

} // namespace engram::lava

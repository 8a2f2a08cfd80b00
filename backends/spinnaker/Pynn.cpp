//===- Pynn.cpp - spiking networks as PyNN scripts ------------------------===//
//
// The script is pynn_template.py (embedded at build time) with one marker
// replaced: the name of the .npz beside it, in hex, so that no name from the
// network can become Python source. The .npz holds the network's
// description as JSON bytes ('network': populations, projections, probe,
// scalar parameters) and its arrays (weights as post x pre matrices in
// threshold units, biases, input gains, the probe's scale and offset).
//
//===----------------------------------------------------------------------===//

#include "backends/spinnaker/Pynn.h"
#include "backends/spinnaker/PynnTemplate.h"
#include "runtime/Npy.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

using namespace engram::runtime;
using namespace engram::runtime::snn;
using nlohmann::json;

namespace engram::pynn {
namespace {

/// Pair-based STDP, dw = a·x1·y0 − b·y1·x0, as PyNN's SpikePairRule: the
/// only learning rule PyNN has. Anything else is refused.
StatusOr<json> stdpOf(const Projection &q, const std::string &label) {
  const LearningRule &rule = *q.rule;
  std::optional<double> plus, minus;
  for (const RuleTerm &term : rule.terms) {
    if (term.degree() != 1)
      break;
    if (term.dependency == RuleDependency::Y0 &&
        term.uses(RuleFactor::X1) && term.coefficient > 0 && !plus)
      plus = term.coefficient;
    else if (term.dependency == RuleDependency::X0 &&
             term.uses(RuleFactor::Y1) && term.coefficient < 0 &&
             !minus)
      minus = -term.coefficient;
    else {
      plus.reset();
      break;
    }
  }
  if (!plus || !minus || rule.terms.size() != 2 || q.thirdFactor)
    return Status::error(
        label + ": the learning rule '" + rule.text +
        "' has no PyNN form (PyNN's STDPMechanism takes pair-based STDP, "
        "dw = a*x1*y0 - b*x0*y1; convert with --snn-learning=off)");
  if (q.wMin < 0 || std::any_of(q.weights.begin(), q.weights.end(),
                                [](int32_t w) { return w < 0; }))
    return Status::error(label + ": plastic weights must stay excitatory "
                                 "(w_min >= 0): PyNN's STDP bounds a "
                                 "projection's weights on one receptor");
  const double unit = std::ldexp(1.0, q.weightExp);
  // PyNN's additive STDP changes w by w_max·A·exp(−Δt/τ) per pair; engram
  // by coefficient·impulse·exp(−Δt/τ) mantissas.
  const double wMax = q.wMax * unit, wMin = q.wMin * unit;
  const double scale = wMax != 0 ? unit / wMax : 0;
  // PyNN's time constants are finite: a trace that never decays gets 1e9.
  auto tau = [](const Trace &t) { return std::min(t.tau(), 1e9); };
  return json{{"tau_plus", tau(rule.x1)},
              {"tau_minus", tau(rule.y1)},
              {"a_plus", *plus * rule.x1.impulse * scale},
              {"a_minus", *minus * rule.y1.impulse * scale},
              {"w_min", wMin},
              {"w_max", wMax}};
}

std::string replaceAll(std::string text, const std::string &marker,
                       const std::string &value) {
  for (size_t at = text.find(marker); at != std::string::npos;
       at = text.find(marker, at + value.size()))
    text.replace(at, marker.size(), value);
  return text;
}

std::string hex(const std::string &bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

} // namespace

namespace {

/// The network's description (JSON) and arrays, one function per part.
class Exporter {
public:
  explicit Exporter(const Network &network) : network(network) {}
  StatusOr<PynnExport> run(const std::string &npzName,
                           const std::string &producer);

private:
  StatusOr<json> population(const Population &p);
  StatusOr<json> projection(const Projection &q);
  json probe();
  void add(const std::string &name, const std::vector<double> &values,
           std::vector<int64_t> shape) {
    arrays.push_back({name, encodeNpy(shape, values.data())});
  }

  const Network &network;
  std::vector<NpzMember> arrays;
  std::set<std::string> names;
};

StatusOr<PynnExport> Exporter::run(const std::string &npzName,
                                   const std::string &producer) {
  if (Status status = network.validate(); !status)
    return status;
  json populations = json::array(), projections = json::array();
  for (const Population &p : network.populations) {
    StatusOr<json> entry = population(p);
    if (!entry)
      return entry.status();
    populations.push_back(std::move(*entry));
  }
  for (const Projection &q : network.projections) {
    StatusOr<json> entry = projection(q);
    if (!entry)
      return entry.status();
    projections.push_back(std::move(*entry));
  }
  json description = {{"format", "engram-pynn-2"},
                      {"producer", producer},
                      {"name", network.name},
                      {"timesteps", network.timesteps},
                      {"input_width", network.inputWidth},
                      {"populations", populations},
                      {"projections", projections},
                      {"probe", probe()}};
  // Names that are not UTF-8 are written with U+FFFD in their place.
  const std::string text =
      description.dump(1, ' ', false, json::error_handler_t::replace);
  arrays.push_back(
      {"network", encodeNpy({int64_t(text.size())},
                            reinterpret_cast<const uint8_t *>(text.data()))});
  PynnExport result;
  result.script =
      replaceAll(kPynnTemplate, "__ENGRAM_ARRAYS_HEX__", hex(npzName));
  result.npz = encodeNpz(arrays);
  return result;
}

StatusOr<json> Exporter::population(const Population &p) {
  const std::string label = "population '" + p.name + "'";
  json entry = {{"name", p.name}, {"size", p.size}};
  const int64_t n = int64_t(p.size);
  switch (p.kind) {
  case PopulationKind::Input:
    if (p.encoding == Encoding::Graded)
      return Status::error(label + " sends graded values, which SpiNNaker "
                                   "has no events for (convert with "
                                   "--snn-encoding=rate)");
    entry["kind"] = "input";
    entry["encoding"] = p.encoding == Encoding::Rate ? "rate" : "spike";
    entry["input_offset"] = p.inputOffset;
    add("gain/" + p.name, p.gain, {n});
    break;
  case PopulationKind::If:
    entry["kind"] = "if";
    entry["vth"] = p.vth;
    entry["reset"] = p.resetSubtract ? "subtract" : "zero";
    break;
  case PopulationKind::Lif:
    if (std::any_of(p.vReset.begin(), p.vReset.end(),
                    [](double v) { return v != 0; }))
      return Status::error(label + " resets v to a value other than 0, "
                                   "which engram's PyNN export does not map");
    entry["kind"] = "lif";
    entry["du"] = p.du;
    entry["dv"] = p.dv;
    entry["vth"] = p.vth;
    break;
  case PopulationKind::Graded:
    return Status::error(label + " is a graded unit, which SpiNNaker has "
                                 "no events for (convert with "
                                 "--snn-encoding=rate)");
  case PopulationKind::LifFixed:
    return Status::error(label + " is Loihi's fixed-point LIF (convert "
                                 "with --snn-profile=spinnaker)");
  case PopulationKind::Li:
    return Status::error(label + " is a leaky integrator, whose graded "
                                 "output SpiNNaker has no events for");
  }
  if (!p.bias.empty())
    add("bias/" + p.name, p.bias, {n});
  entry["bias"] = !p.bias.empty();
  return entry;
}

StatusOr<json> Exporter::projection(const Projection &q) {
  const Population &pre = network.populations[q.pre];
  const Population &post = network.populations[q.post];
  std::string name = pre.name + "_to_" + post.name;
  for (int i = 2; !names.insert(name).second; ++i)
    name = pre.name + "_to_" + post.name + "_" + std::to_string(i);
  if (q.latency != 1)
    return Status::error(
        "projection '" + name + "' delivers within its timestep (latency 0, "
        "NIR's semantics); SpiNNaker's synapses take at least one timestep "
        "(import a NIR file with --nir-semantics=engram for that latency "
        "model)");
  std::vector<double> weights;
  for (int32_t w : q.weights)
    weights.push_back(std::ldexp(double(w), q.weightExp));
  add("weights/" + name, weights, {int64_t(post.size), int64_t(pre.size)});
  json entry = {{"name", name},
                {"pre", pre.name},
                {"post", post.name},
                {"delay", q.delay}};
  if (q.rule) {
    StatusOr<json> stdp = stdpOf(q, "projection '" + name + "'");
    if (!stdp)
      return stdp.status();
    entry["stdp"] = *stdp;
  }
  return entry;
}

json Exporter::probe() {
  const Probe &probe = network.output;
  const Population &probed = network.populations[probe.population];
  const int64_t outputs = int64_t(probed.size);
  add("probe/scale",
      probe.scale.empty() ? std::vector<double>(outputs, 1) : probe.scale,
      {outputs});
  add("probe/offset",
      probe.offset.empty() ? std::vector<double>(outputs, 0) : probe.offset,
      {outputs});
  return {{"population", probed.name},
          {"decode", probe.decode == Decode::Rate ? "rate" : "last"}};
}

} // namespace

StatusOr<PynnExport> exportPynn(const Network &network,
                                const std::string &npzName,
                                const std::string &producer) {
  return Exporter(network).run(npzName, producer);
}

} // namespace engram::pynn

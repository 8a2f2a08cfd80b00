//===- NirImport.cpp - NIR graphs (HDF5) as spiking networks --------------===//
//
// The node types of any NIR writer, folded into the simulator's populations
// and projections; per-neuron thresholds, r and scales are folded into the
// incoming weights (the dynamics are linear). engram's own exports carry
// their exact values as metadata, which is preferred when present.
//
//===----------------------------------------------------------------------===//

#include "backends/nir/Hdf5.h"
#include "backends/nir/Nir.h"
#include "backends/nir/NirCommon.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

using namespace engram::runtime;
using namespace engram::runtime::snn;
using namespace engram::nir::hdf5;
using engram::nir::detail::filled;
using engram::nir::detail::str;

namespace engram::nir {
//===----------------------------------------------------------------------===//
// Import
//===----------------------------------------------------------------------===//

namespace {

struct Node {
  std::string name, type;
  std::map<std::string, Array> params;
  std::map<std::string, Array> meta;
  std::map<std::string, std::string> metaText;
};

class Importer {
public:
  Importer(const std::string &path, const NirImportOptions &options)
      : path_(path), options_(options) {}
  StatusOr<Network> run();

private:
  Status error(const std::string &node, const std::string &message) const {
    return Status::error(path_ + ": node '" + node + "': " + message);
  }
  Status readNode(hid_t nodes, const std::string &name);
  /// A parameter of `node` with one value per neuron (a scalar is
  /// broadcast); `fallback` when absent, an error when required.
  StatusOr<std::vector<double>> perNeuron(const Node &node,
                                          const std::string &key, size_t size,
                                          std::optional<double> fallback) const;
  Status population(const Node &node);
  Status connection(const Node &node);
  /// Adds the projection `from` -> `to` through `via` (Affine, Linear or
  /// nothing), with the delay of the Delay node `delay` (or none).
  Status connect(const Node *via, const std::string &from,
                 const std::string &to, const Node *delay);
  std::vector<std::string> successors(const std::string &name) const;
  std::vector<std::string> predecessors(const std::string &name) const;

  const std::string &path_;
  const NirImportOptions &options_;
  double dt_ = kDefaultDt;
  std::map<std::string, Node> nodes_;
  std::vector<std::pair<std::string, std::string>> edges_;
  Network net_;
  std::map<std::string, size_t> index_;
  /// Per population: the factor of incoming weights and Affine biases (the
  /// folded r, thresholds, time constants), and whether its exact engram
  /// parameters came from metadata (then Affine biases are NIR's copy).
  std::vector<std::vector<double>> inputScale_;
  std::vector<bool> exact_;
};

Status Importer::readNode(hid_t nodes, const std::string &name) {
  StatusOr<Handle> group = openGroup(nodes, name);
  if (!group)
    return error(name, group.status().message());
  Node node;
  node.name = name;
  StatusOr<std::string> type = readString(group->get(), "type");
  if (!type)
    return error(name, type.status().message());
  node.type = *type;
  StatusOr<std::vector<std::string>> keys = members(group->get());
  if (!keys)
    return error(name, keys.status().message());
  for (const std::string &key : *keys) {
    if (key == "type" || key == "input_type" || key == "output_type")
      continue;
    if (key == "metadata") {
      StatusOr<Handle> meta = openGroup(group->get(), key);
      if (!meta)
        continue;
      StatusOr<std::vector<std::string>> metaKeys = members(meta->get());
      if (!metaKeys)
        return error(name, metaKeys.status().message());
      for (const std::string &m : *metaKeys) {
        if (StatusOr<Array> a = readArray(meta->get(), m))
          node.meta[m] = std::move(*a);
        else if (StatusOr<std::string> t = readString(meta->get(), m))
          node.metaText[m] = *t;
      }
      continue;
    }
    if (node.type == "NIRGraph")
      continue;
    StatusOr<Array> array = readArray(group->get(), key);
    if (!array)
      continue; // Strings (padding modes) and groups of other node types.
    node.params[key] = std::move(*array);
  }
  nodes_[name] = std::move(node);
  return Status::success();
}

StatusOr<std::vector<double>>
Importer::perNeuron(const Node &node, const std::string &key, size_t size,
                    std::optional<double> fallback) const {
  auto it = node.params.find(key);
  if (it == node.params.end()) {
    if (fallback)
      return filled(size, *fallback);
    return error(node.name, node.type + " has no '" + key + "'");
  }
  const std::vector<double> &v = it->second.values;
  if (v.size() == 1)
    return filled(size, v[0]);
  if (v.size() != size)
    return error(node.name, "'" + key + "' has " + std::to_string(v.size()) +
                                " values for " + std::to_string(size) +
                                " neurons");
  for (double x : v)
    if (!std::isfinite(x))
      return error(node.name, "'" + key + "' holds " + str(x));
  return v;
}

std::vector<std::string> Importer::successors(const std::string &name) const {
  std::vector<std::string> result;
  for (const auto &[from, to] : edges_)
    if (from == name)
      result.push_back(to);
  return result;
}

std::vector<std::string> Importer::predecessors(const std::string &name) const {
  std::vector<std::string> result;
  for (const auto &[from, to] : edges_)
    if (to == name)
      result.push_back(from);
  return result;
}

/// `x` as an integer of type T, saturated at T's range (NaN is 0): numbers
/// in a file may be anything, and validation then refuses what is out of
/// range by its value.
template <typename T> T saturate(double x) {
  using Limits = std::numeric_limits<T>;
  if (std::isnan(x))
    return T(0);
  if (x <= double(Limits::lowest()))
    return Limits::lowest();
  if (x >= double(Limits::max()))
    return Limits::max();
  return T(x);
}

/// The size of a neuron node: the length of its parameter arrays (or of the
/// Input/Output shape).
std::optional<size_t> sizeOf(const Node &node) {
  if (node.type == "Input" || node.type == "Output") {
    auto it = node.params.find("shape");
    if (it == node.params.end() || it->second.values.size() != 1)
      return std::nullopt;
    return saturate<size_t>(it->second.values[0]);
  }
  for (const char *key : {"v_threshold", "threshold", "scale", "tau", "r"}) {
    auto it = node.params.find(key);
    if (it != node.params.end() && it->second.shape.size() == 1)
      return it->second.values.size();
  }
  return std::nullopt;
}

double metaScalar(const Node &node, const std::string &key, double fallback) {
  auto it = node.meta.find(key);
  return it == node.meta.end() || it->second.values.empty()
             ? fallback
             : it->second.values[0];
}

std::vector<double> metaArray(const Node &node, const std::string &key) {
  auto it = node.meta.find(key);
  return it == node.meta.end() ? std::vector<double>() : it->second.values;
}

Status Importer::population(const Node &node) {
  std::optional<size_t> size = sizeOf(node);
  if (!size || *size == 0)
    return error(node.name, node.type + " has no usable shape or parameters");
  if (Status s = checkPopulationSize(*size, node.type); !s)
    return error(node.name, s.message());
  Population p;
  // engram writes a name that is not a safe HDF5 link name (a '/', "." or
  // "..") under another key, with the name itself in the metadata.
  auto original = node.metaText.find("engram_name");
  p.name = original != node.metaText.end() && !original->second.empty()
               ? original->second
               : node.name;
  p.size = *size;
  std::vector<double> scale(p.size, 1);
  bool exact = false;
  auto kindMeta = node.metaText.find("engram_kind");
  const std::string kind =
      kindMeta == node.metaText.end() ? "" : kindMeta->second;

  if (node.type == "Input") {
    p.kind = PopulationKind::Input;
    auto enc = node.metaText.find("engram_encoding");
    const std::string encoding =
        enc == node.metaText.end() ? "graded" : enc->second;
    p.encoding = encoding == "rate"    ? Encoding::Rate
                 : encoding == "spike" ? Encoding::Spike
                                       : Encoding::Graded;
    // engram's exports fold the gain into the weights as NIR sees them
    // and keep it (with the unfolded weights) in metadata.
    p.gain = metaArray(node, "engram_gain");
    if (p.gain.size() != p.size)
      p.gain.assign(p.size, 1);
    if (net_.inputWidth)
      return error(node.name, "a second Input; engram networks read one "
                              "input");
    net_.inputWidth = p.size;
  } else if (kind == "if" && node.type == "IF") {
    exact = true;
    p.kind = PopulationKind::If;
    p.vth = metaScalar(node, "engram_vth", 1);
    auto reset = node.metaText.find("engram_reset");
    p.resetSubtract =
        reset == node.metaText.end() || reset->second == "subtract";
    p.bias = metaArray(node, "engram_bias");
  } else if (kind == "graded" && node.type == "Scale") {
    exact = true;
    p.kind = PopulationKind::Graded;
    p.activation = Activation::Linear;
    p.bias = metaArray(node, "engram_bias");
    if (node.meta.count("engram_delta"))
      p.delta = metaScalar(node, "engram_delta", 0);
  } else if (kind == "lif") {
    exact = true;
    p.kind = PopulationKind::Lif;
    p.du = metaScalar(node, "engram_du", 1);
    p.dv = metaScalar(node, "engram_dv", 0);
    p.vth = metaScalar(node, "engram_vth", 1);
    p.bias = metaArray(node, "engram_bias");
  } else if (kind == "lif_fixed") {
    exact = true;
    p.kind = PopulationKind::LifFixed;
    p.fixed.du = saturate<int>(metaScalar(node, "engram_du", 0));
    p.fixed.dv = saturate<int>(metaScalar(node, "engram_dv", 0));
    p.fixed.vth = saturate<int32_t>(metaScalar(node, "engram_vth", 1));
    for (double m : metaArray(node, "engram_bias_mant"))
      p.fixed.biasMant.push_back(saturate<int32_t>(m));
    for (double e : metaArray(node, "engram_bias_exp"))
      p.fixed.biasExp.push_back(saturate<int32_t>(e));
  } else {
    // NIR's own equations, stepped by forward Euler with dt. Every neuron
    // is rescaled so that its threshold is 1 (v/θ): exact, the dynamics
    // being linear and the resets at 0.
    p.kind = PopulationKind::Lif;
    p.vth = 1;
    std::vector<double> threshold(p.size, 1), leak(p.size, 0);
    double dv = 0, du = 1;
    auto need = [&](const std::string &key,
                    std::optional<double> fallback =
                        std::nullopt) -> StatusOr<std::vector<double>> {
      return perNeuron(node, key, p.size, fallback);
    };
    auto uniform = [&](const std::vector<double> &v,
                       const std::string &key) -> StatusOr<double> {
      for (double x : v)
        if (std::abs(x - v[0]) > 1e-9 * std::abs(v[0]))
          return error(node.name, "'" + key +
                                      "' differs between neurons; engram "
                                      "populations share their time "
                                      "constants");
      return v[0];
    };
    auto decay = [&](double tau, const std::string &key) -> StatusOr<double> {
      if (!(tau > 0))
        return error(node.name, "'" + key + "' is " + str(tau));
      double d = dt_ / tau;
      if (d > 1)
        return error(node.name, "dt/" + key + " = " + str(d) +
                                    " exceeds 1; give a smaller --nir-dt");
      return d;
    };
    std::vector<double> r(p.size, 1), reset(p.size, 0);
    if (node.type == "IF" || node.type == "LIF" || node.type == "CubaLIF") {
      StatusOr<std::vector<double>> th = need("v_threshold");
      StatusOr<std::vector<double>> rr = need("r", 1.0);
      StatusOr<std::vector<double>> vr = need("v_reset", 0.0);
      if (!th)
        return th.status();
      if (!rr)
        return rr.status();
      if (!vr)
        return vr.status();
      threshold = *th;
      r = *rr;
      reset = *vr;
    }
    for (double v : reset)
      if (v != 0)
        return error(node.name, "v_reset " + str(v) +
                                    " is not 0; engram's neurons reset to 0");
    if (node.type == "IF") {
      for (size_t i = 0; i < p.size; ++i)
        scale[i] = dt_ * r[i];
    } else if (node.type == "LIF" || node.type == "CubaLIF") {
      const char *tauKey = node.type == "LIF" ? "tau" : "tau_mem";
      StatusOr<std::vector<double>> tau = need(tauKey);
      StatusOr<std::vector<double>> vl = need("v_leak", 0.0);
      if (!tau)
        return tau.status();
      if (!vl)
        return vl.status();
      StatusOr<double> t = uniform(*tau, tauKey);
      if (!t)
        return t.status();
      StatusOr<double> d = decay(*t, tauKey);
      if (!d)
        return d.status();
      dv = *d;
      for (size_t i = 0; i < p.size; ++i) {
        scale[i] = dv * r[i];
        leak[i] = dv * (*vl)[i];
      }
      if (node.type == "CubaLIF") {
        StatusOr<std::vector<double>> ts = need("tau_syn");
        StatusOr<std::vector<double>> win = need("w_in", 1.0);
        if (!ts)
          return ts.status();
        if (!win)
          return win.status();
        StatusOr<double> t2 = uniform(*ts, "tau_syn");
        if (!t2)
          return t2.status();
        StatusOr<double> d2 = decay(*t2, "tau_syn");
        if (!d2)
          return d2.status();
        du = *d2;
        for (size_t i = 0; i < p.size; ++i)
          scale[i] *= du * (*win)[i];
      }
    } else if (node.type == "Threshold") {
      StatusOr<std::vector<double>> th = need("threshold");
      if (!th)
        return th.status();
      threshold = *th;
      dv = 1; // memoryless: v = input each timestep
    } else if (node.type == "Scale") {
      StatusOr<std::vector<double>> s = need("scale");
      if (!s)
        return s.status();
      p.kind = PopulationKind::Graded;
      p.activation = Activation::Linear;
      scale = *s;
    } else {
      return error(node.name,
                   "type '" + node.type +
                       "' has no engram form (engram reads Input, Output, "
                       "Affine, Linear, Scale, Delay, Threshold, IF, LIF "
                       "and CubaLIF)");
    }
    if (p.kind == PopulationKind::Lif) {
      for (size_t i = 0; i < p.size; ++i) {
        if (!(threshold[i] > 0))
          return error(node.name,
                       "threshold " + str(threshold[i]) + " is not positive");
        scale[i] /= threshold[i];
        leak[i] /= threshold[i];
      }
      p.du = du;
      p.dv = dv;
      if (std::any_of(leak.begin(), leak.end(),
                      [](double x) { return x != 0; }))
        p.bias = leak;
    }
  }
  index_[node.name] = net_.populations.size();
  net_.populations.push_back(std::move(p));
  inputScale_.push_back(std::move(scale));
  exact_.push_back(exact);
  return Status::success();
}

Status Importer::connect(const Node *via, const std::string &from,
                         const std::string &to, const Node *delay) {
  const std::string where = via ? via->name : from + " -> " + to;
  auto pre = index_.find(from), post = index_.find(to);
  if (pre == index_.end())
    return error(where, "its input '" + from + "' is not a neuron or Input");
  if (post == index_.end())
    return error(where, "its output '" + to + "' is not a neuron node");
  Population &target = net_.populations[post->second];
  if (target.kind == PopulationKind::Input)
    return error(where, "feeds the Input node '" + to + "'");
  const size_t rows = target.size;
  const size_t cols = net_.populations[pre->second].size;
  std::vector<double> weight(rows * cols, 0);
  std::vector<double> bias;
  if (via) {
    auto w = via->params.find("weight");
    if (w == via->params.end())
      return error(via->name, via->type + " has no 'weight'");
    if (w->second.shape.size() != 2 || size_t(w->second.shape[0]) != rows ||
        size_t(w->second.shape[1]) != cols)
      return error(via->name, "weight is not " + std::to_string(rows) + " x " +
                                  std::to_string(cols) + " (" + to + " x " +
                                  from + ")");
    weight = w->second.values;
    auto b = via->params.find("bias");
    if (via->type == "Affine" && b != via->params.end()) {
      if (b->second.values.size() != rows)
        return error(via->name, "bias has " +
                                    std::to_string(b->second.values.size()) +
                                    " values for " + std::to_string(rows));
      bias = b->second.values;
    }
  } else {
    if (rows != cols)
      return error(where, "an edge between nodes of " + std::to_string(cols) +
                              " and " + std::to_string(rows) + " neurons");
    for (size_t i = 0; i < rows; ++i)
      weight[i * cols + i] = 1;
  }
  Projection q;
  q.pre = pre->second;
  q.post = post->second;
  if (delay) {
    StatusOr<std::vector<double>> d =
        perNeuron(*delay, "delay", rows, std::nullopt);
    if (!d)
      return d.status();
    double steps = (*d)[0] / dt_;
    for (double x : *d)
      if (std::abs(x - (*d)[0]) > 1e-9 * std::abs((*d)[0]))
        return error(delay->name, "delays differ between neurons; engram "
                                  "projections have one delay");
    long rounded = std::lround(steps);
    if (std::abs(steps - double(rounded)) > 1e-6 || rounded < 0 ||
        rounded > kMaxDelay)
      return error(delay->name, "delay " + str((*d)[0]) +
                                    " is not a whole "
                                    "number of timesteps (dt " +
                                    str(dt_) + ") in 0.." +
                                    std::to_string(kMaxDelay));
    q.delay = int(rounded);
  }
  const std::vector<double> &k = inputScale_[q.post];
  const bool exact = via && exact_[q.post] &&
                     via->meta.count("engram_weights") &&
                     via->meta.count("engram_exp");
  if (exact) {
    const std::vector<double> &m = via->meta.at("engram_weights").values;
    if (m.size() != rows * cols)
      return error(via->name, "metadata engram_weights has the wrong size");
    for (double x : m)
      q.weights.push_back(saturate<int32_t>(x));
    q.weightExp = saturate<int>(metaScalar(*via, "engram_exp", 0));
    q.weightBits = saturate<int>(metaScalar(*via, "engram_bits", 8));
  } else {
    // Float weights: 16-bit mantissas with a common exponent. A gain the
    // Input population applies is already in NIR's weights.
    const Population &source = net_.populations[q.pre];
    const int bits = 16;
    double largest = 0;
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j) {
        weight[i * cols + j] *= k[i];
        if (source.kind == PopulationKind::Input && source.gain[j] != 0)
          weight[i * cols + j] /= source.gain[j];
        largest = std::max(largest, std::abs(weight[i * cols + j]));
      }
    const double limit = double((1 << bits) - 1);
    if (!std::isfinite(largest))
      return error(where, "a weight is not finite");
    int exp = largest == 0 ? 0 : int(std::ceil(std::log2(largest / limit)));
    for (double w : weight)
      q.weights.push_back(int32_t(std::lround(std::ldexp(w, -exp))));
    q.weightExp = exp;
    q.weightBits = bits;
    if (!bias.empty() && !exact_[q.post]) {
      if (target.kind == PopulationKind::Lif && target.du < 1)
        return error(via->name, "an Affine bias into the CubaLIF '" + to +
                                    "' would be a constant synaptic "
                                    "current, which engram's LIF does not "
                                    "have (it adds biases to v)");
      if (target.bias.empty())
        target.bias.assign(rows, 0);
      for (size_t i = 0; i < rows; ++i)
        target.bias[i] += k[i] * bias[i];
    }
  }
  net_.projections.push_back(std::move(q));
  return Status::success();
}

Status Importer::connection(const Node &node) {
  std::vector<std::string> in = predecessors(node.name);
  if (in.size() != 1)
    return error(node.name, node.type + " has " + std::to_string(in.size()) +
                                " inputs; engram reads one");
  for (const std::string &next : successors(node.name)) {
    const Node &target = nodes_.at(next);
    if (target.type == "Delay") {
      for (const std::string &after : successors(next))
        if (Status s = connect(&node, in[0], after, &target); !s)
          return s;
      continue;
    }
    if (Status s = connect(&node, in[0], next, nullptr); !s)
      return s;
  }
  return Status::success();
}

StatusOr<Network> Importer::run() {
  silence();
  Handle file(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid())
    return Status::error(path_ + ": not an HDF5 file (or unreadable)");
  StatusOr<Handle> graph = openGroup(file.get(), "node");
  if (!graph)
    return Status::error(path_ + ": not a NIR file: the root " +
                         graph.status().message());
  StatusOr<std::string> type = readString(graph->get(), "type");
  if (!type || *type != "NIRGraph")
    return Status::error(path_ + ": node/type is not 'NIRGraph'");
  StatusOr<Handle> nodes = openGroup(graph->get(), "nodes");
  if (!nodes)
    return Status::error(path_ + ": the graph " + nodes.status().message());
  StatusOr<std::vector<std::string>> names = members(nodes->get());
  if (!names)
    return Status::error(path_ + ": " + names.status().message());
  for (const std::string &name : *names)
    if (Status s = readNode(nodes->get(), name); !s)
      return s;
  StatusOr<std::vector<std::pair<std::string, std::string>>> edges =
      readEdges(graph->get(), "edges");
  if (!edges)
    return Status::error(path_ + ": the graph " + edges.status().message());
  edges_ = std::move(*edges);
  for (const auto &[from, to] : edges_)
    for (const std::string *end : {&from, &to})
      if (!nodes_.count(*end))
        return Status::error(path_ + ": edge '" + from + "' -> '" + to +
                             "' names no node '" + *end + "'");

  // Graph metadata: dt, timesteps, name (engram's exports).
  Node graphMeta;
  graphMeta.name = "node";
  if (exists(graph->get(), "metadata")) {
    StatusOr<Handle> meta = openGroup(graph->get(), "metadata");
    if (meta) {
      StatusOr<std::vector<std::string>> keys = members(meta->get());
      for (const std::string &k : keys ? *keys : std::vector<std::string>())
        if (StatusOr<Array> a = readArray(meta->get(), k))
          graphMeta.meta[k] = std::move(*a);
        else if (StatusOr<std::string> t = readString(meta->get(), k))
          graphMeta.metaText[k] = *t;
    }
  }
  dt_ = options_.dt > 0 ? options_.dt : metaScalar(graphMeta, "dt", kDefaultDt);
  if (!(dt_ > 0))
    return Status::error(path_ + ": dt " + str(dt_) + " is not positive");
  net_.timesteps = options_.timesteps > 0
                       ? options_.timesteps
                       : saturate<int>(metaScalar(graphMeta, "engram_timesteps", 1));
  auto name = graphMeta.metaText.find("engram_name");
  net_.name = name == graphMeta.metaText.end() ? "nir" : name->second;

  static const std::set<std::string> connections = {"Affine", "Linear"};
  std::vector<const Node *> outputs;
  for (const auto &[key, node] : nodes_) {
    if (node.type == "Output") {
      outputs.push_back(&node);
      continue;
    }
    if (connections.count(node.type) || node.type == "Delay")
      continue;
    if (node.type == "NIRGraph")
      return error(key, "nested NIR graphs are not read yet; flatten the "
                        "graph before exporting it");
    if (Status s = population(node); !s)
      return s;
  }
  if (!net_.inputWidth)
    return Status::error(path_ + ": the graph has no Input node");
  for (const auto &[key, node] : nodes_) {
    if (connections.count(node.type)) {
      if (Status s = connection(node); !s)
        return s;
      continue;
    }
    if (!index_.count(key))
      continue;
    // Direct edges between neuron nodes, possibly through a Delay.
    for (const std::string &next : successors(key)) {
      const Node &target = nodes_.at(next);
      if (target.type == "Delay") {
        for (const std::string &after : successors(next))
          if (Status s = connect(nullptr, key, after, &target); !s)
            return s;
      } else if (index_.count(next)) {
        if (Status s = connect(nullptr, key, next, nullptr); !s)
          return s;
      }
    }
  }
  if (outputs.size() != 1)
    return Status::error(path_ + ": the graph has " +
                         std::to_string(outputs.size()) +
                         " Output nodes; engram reads one");
  const Node &out = *outputs[0];
  std::vector<std::string> probed = predecessors(out.name);
  if (probed.size() != 1 || !index_.count(probed[0]))
    return error(out.name, "the Output must follow exactly one neuron node");
  net_.output.population = index_.at(probed[0]);
  auto decode = out.metaText.find("engram_decode");
  net_.output.decode = decode != out.metaText.end() && decode->second == "last"
                           ? Decode::Last
                           : Decode::Rate;
  net_.output.scale = metaArray(out, "engram_scale");
  net_.output.offset = metaArray(out, "engram_offset");
  if (Status status = net_.validate(); !status)
    return status.withPrefix(path_ + ": ");
  return std::move(net_);
}

} // namespace

StatusOr<Network> importNir(const std::string &path,
                            const NirImportOptions &options) {
  return Importer(path, options).run();
}

} // namespace engram::nir

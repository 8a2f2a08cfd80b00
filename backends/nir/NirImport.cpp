//===- NirImport.cpp - NIR graphs (HDF5) as spiking networks --------------===//
//
// The node types of any NIR writer, folded into the simulator's populations
// and projections; per-neuron thresholds, r and scales are folded into the
// incoming weights (the dynamics are linear). engram's own exports carry
// their exact values as metadata, which is preferred when present. One
// function reads each population kind and each NIR neuron type, chosen from
// a table.
//
//===----------------------------------------------------------------------===//

#include "backends/nir/Hdf5.h"
#include "backends/nir/Nir.h"
#include "backends/nir/NirCommon.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <optional>

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

/// The first value of the metadata array `key` of `node`; `fallback` when
/// absent or empty.
double metaScalar(const Node &node, const std::string &key, double fallback) {
  auto it = node.meta.find(key);
  return it == node.meta.end() || it->second.values.empty()
             ? fallback
             : it->second.values[0];
}

/// The metadata array `key` of `node`; empty when absent.
std::vector<double> metaArray(const Node &node, const std::string &key) {
  auto it = node.meta.find(key);
  return it == node.meta.end() ? std::vector<double>() : it->second.values;
}

/// The metadata string `key` of `node`; `fallback` when absent.
std::string metaString(const Node &node, const std::string &key,
                       const std::string &fallback) {
  auto it = node.metaText.find(key);
  return it == node.metaText.end() ? fallback : it->second;
}

/// Reads the members `keys` of the metadata group `meta` into `node`:
/// arrays into meta, strings into metaText; anything else is skipped.
void readMetadata(hid_t meta, const std::vector<std::string> &keys,
                  Node &node) {
  for (const std::string &key : keys) {
    if (StatusOr<Array> a = readArray(meta, key))
      node.meta[key] = std::move(*a);
    else if (StatusOr<std::string> t = readString(meta, key))
      node.metaText[key] = *t;
  }
}

/// Whether every value of the nonempty `v` equals its first (to 1e-9 of it).
bool allEqual(const std::vector<double> &v) {
  return std::none_of(v.begin(), v.end(), [&](double x) {
    return std::abs(x - v[0]) > 1e-9 * std::abs(v[0]);
  });
}

/// Whether `node` is a projection node (its weights between two neuron
/// nodes).
bool isConnection(const Node &node) {
  return node.type == "Affine" || node.type == "Linear";
}

//===----------------------------------------------------------------------===//
// Populations from engram's metadata
//===----------------------------------------------------------------------===//

/// An IF population with the exact parameters of engram's metadata.
void readExactIf(const Node &node, Population &p) {
  p.kind = PopulationKind::If;
  p.vth = metaScalar(node, "engram_vth", 1);
  p.resetSubtract = metaString(node, "engram_reset", "subtract") == "subtract";
  p.bias = metaArray(node, "engram_bias");
}

/// A linear graded population with the exact parameters of engram's
/// metadata.
void readExactGraded(const Node &node, Population &p) {
  p.kind = PopulationKind::Graded;
  p.activation = Activation::Linear;
  p.bias = metaArray(node, "engram_bias");
  if (node.meta.count("engram_delta"))
    p.delta = metaScalar(node, "engram_delta", 0);
}

/// A LIF population with the exact parameters of engram's metadata.
void readExactLif(const Node &node, Population &p) {
  p.kind = PopulationKind::Lif;
  p.du = metaScalar(node, "engram_du", 1);
  p.dv = metaScalar(node, "engram_dv", 0);
  p.vth = metaScalar(node, "engram_vth", 1);
  p.bias = metaArray(node, "engram_bias");
}

/// A fixed-point LIF population with the exact parameters of engram's
/// metadata.
void readExactLifFixed(const Node &node, Population &p) {
  p.kind = PopulationKind::LifFixed;
  p.fixed.du = saturate<int>(metaScalar(node, "engram_du", 0));
  p.fixed.dv = saturate<int>(metaScalar(node, "engram_dv", 0));
  p.fixed.vth = saturate<int32_t>(metaScalar(node, "engram_vth", 1));
  for (double m : metaArray(node, "engram_bias_mant"))
    p.fixed.biasMant.push_back(saturate<int32_t>(m));
  for (double e : metaArray(node, "engram_bias_exp"))
    p.fixed.biasExp.push_back(saturate<int32_t>(e));
}

/// A population kind that engram's exports name in metadata/engram_kind:
/// the NIR type it must come with (null: any) and the reader of its exact
/// parameters.
struct ExactKind {
  const char *kind;
  const char *type;
  void (*read)(const Node &, Population &);
};

const ExactKind kExactKinds[] = {
    {"if", "IF", readExactIf},
    {"graded", "Scale", readExactGraded},
    {"lif", nullptr, readExactLif},
    {"lif_fixed", nullptr, readExactLifFixed},
};

/// The exact kind `node` carries, or null for a node without one (written
/// by another tool), which NIR's own equations then describe.
const ExactKind *exactKind(const Node &node) {
  const std::string kind = metaString(node, "engram_kind", "");
  for (const ExactKind &exact : kExactKinds)
    if (kind == exact.kind && (!exact.type || node.type == exact.type))
      return &exact;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

/// A neuron node's NIR parameters on their way into a population, one per
/// neuron: the threshold, r, the leak added to v every timestep and the
/// factor of incoming weights and Affine biases; and the decays of v and u.
struct Folding {
  explicit Folding(size_t size)
      : threshold(size, 1), r(size, 1), leak(size, 0), scale(size, 1) {}
  std::vector<double> threshold, r, leak, scale;
  double dv = 0, du = 1;
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
  /// Opens the graph under "node" and reads its nodes and checked edges.
  StatusOr<Handle> readGraph(hid_t file);
  /// Reads the node `name` of the group `nodes`: its type and parameters.
  Status readNode(hid_t nodes, const std::string &name);
  /// Reads the "metadata" group of `group`, when it is one, into `node`.
  Status readNodeMetadata(hid_t group, Node &node) const;
  /// Sets dt, the timesteps and the name from the options or graph metadata.
  Status readSettings(hid_t graph);
  /// A parameter of `node` with one value per neuron (a scalar is
  /// broadcast); `fallback` when absent, an error when required.
  StatusOr<std::vector<double>> perNeuron(const Node &node,
                                          const std::string &key, size_t size,
                                          std::optional<double> fallback) const;
  /// dt/tau for the time constant `key`, shared by all neurons, in (0, 1].
  StatusOr<double> decay(const Node &node, const std::vector<double> &tau,
                         const std::string &key) const;

  /// One population per neuron and Input node; collects the Output nodes.
  Status populations(std::vector<const Node *> &outputs);
  /// The population of the neuron or Input node `node`.
  Status population(const Node &node);
  /// The Input population; engram networks read one.
  Status readInput(const Node &node, Population &p);
  /// A population from NIR's own equations, by the reader of its type.
  Status readNeuron(const Node &node, Population &p, Folding &f) const;
  /// The threshold, r and v_reset (which must be 0) of IF, LIF and CubaLIF.
  Status readSpiking(const Node &node, const Population &p, Folding &f) const;
  /// An IF node: inputs scaled by dt and r.
  Status readIf(const Node &node, Population &p, Folding &f) const;
  /// A LIF node, or a CubaLIF node's membrane (then its synapse).
  Status readLif(const Node &node, Population &p, Folding &f) const;
  /// A CubaLIF node's synaptic current: its decay du and w_in.
  Status readSynapse(const Node &node, const Population &p, Folding &f) const;
  /// A Threshold node: memoryless, spiking when its input exceeds it.
  Status readThreshold(const Node &node, Population &p, Folding &f) const;
  /// A Scale node: linear graded units.
  Status readScale(const Node &node, Population &p, Folding &f) const;

  /// The projections through Affine and Linear nodes and direct edges.
  Status projections();
  /// The projections through the Affine or Linear `node`.
  Status connection(const Node &node);
  /// Connects `from` through `via` to `next`, or past the Delay `next`.
  Status connectThrough(const Node *via, const std::string &from,
                        const std::string &next);
  /// Adds the projection `from` -> `to` through `via` (Affine, Linear or
  /// nothing), with the delay of the Delay node `delay` (or none).
  Status connect(const Node *via, const std::string &from,
                 const std::string &to, const Node *delay);
  /// The `rows` x `cols` weights of the Affine or Linear `via`.
  StatusOr<std::vector<double>> weightsOf(const Node &via,
                                          const std::string &from,
                                          const std::string &to, size_t rows,
                                          size_t cols) const;
  /// The bias of `via` if it is an Affine node with one; else empty.
  StatusOr<std::vector<double>> biasOf(const Node &via, size_t rows) const;
  /// The one-to-one weights of the direct edge `where`.
  StatusOr<std::vector<double>> identity(const std::string &where, size_t rows,
                                         size_t cols) const;
  /// The delay of the Delay node `delay` in whole timesteps.
  StatusOr<int> delaySteps(const Node &delay, size_t rows) const;
  /// `q`'s exact weights, kept by engram's export in `via`'s metadata.
  Status exactWeights(const Node &via, size_t count, Projection &q) const;
  /// `q`'s weights from NIR's: 16-bit mantissas with a common exponent.
  Status floatWeights(const std::string &where, std::vector<double> weight,
                      Projection &q) const;
  /// Adds the Affine bias of `via` to the population `post`, scaled.
  Status foldBias(const Node &via, const std::string &to,
                  const std::vector<double> &bias, size_t post);

  /// The network's output: the one neuron node before the one Output node.
  Status output(const std::vector<const Node *> &outputs);
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

//===----------------------------------------------------------------------===//
// Reading the graph
//===----------------------------------------------------------------------===//

StatusOr<Handle> Importer::readGraph(hid_t file) {
  StatusOr<Handle> graph = openGroup(file, "node");
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
  return graph;
}

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
      if (Status s = readNodeMetadata(group->get(), node); !s)
        return s;
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

Status Importer::readNodeMetadata(hid_t group, Node &node) const {
  StatusOr<Handle> meta = openGroup(group, "metadata");
  if (!meta)
    return Status::success();
  StatusOr<std::vector<std::string>> keys = members(meta->get());
  if (!keys)
    return error(node.name, keys.status().message());
  readMetadata(meta->get(), *keys, node);
  return Status::success();
}

Status Importer::readSettings(hid_t graph) {
  Node graphMeta;
  graphMeta.name = "node";
  if (exists(graph, "metadata")) {
    if (StatusOr<Handle> meta = openGroup(graph, "metadata")) {
      StatusOr<std::vector<std::string>> keys = members(meta->get());
      readMetadata(meta->get(), keys ? *keys : std::vector<std::string>(),
                   graphMeta);
    }
  }
  dt_ = options_.dt > 0 ? options_.dt : metaScalar(graphMeta, "dt", kDefaultDt);
  if (!(dt_ > 0))
    return Status::error(path_ + ": dt " + str(dt_) + " is not positive");
  net_.timesteps =
      options_.timesteps > 0
          ? options_.timesteps
          : saturate<int>(metaScalar(graphMeta, "engram_timesteps", 1));
  net_.name = metaString(graphMeta, "engram_name", "nir");
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

StatusOr<double> Importer::decay(const Node &node,
                                 const std::vector<double> &tau,
                                 const std::string &key) const {
  if (!allEqual(tau))
    return error(node.name, "'" + key +
                                "' differs between neurons; engram "
                                "populations share their time constants");
  if (!(tau[0] > 0))
    return error(node.name, "'" + key + "' is " + str(tau[0]));
  double d = dt_ / tau[0];
  if (d > 1)
    return error(node.name, "dt/" + key + " = " + str(d) +
                                " exceeds 1; give a smaller --nir-dt");
  return d;
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

//===----------------------------------------------------------------------===//
// Populations
//===----------------------------------------------------------------------===//

Status Importer::populations(std::vector<const Node *> &outputs) {
  for (const auto &[key, node] : nodes_) {
    if (node.type == "Output") {
      outputs.push_back(&node);
      continue;
    }
    if (isConnection(node) || node.type == "Delay")
      continue;
    if (node.type == "NIRGraph")
      return error(key, "nested NIR graphs are not read yet; flatten the "
                        "graph before exporting it");
    if (Status s = population(node); !s)
      return s;
  }
  return Status::success();
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
  const std::string original = metaString(node, "engram_name", "");
  p.name = original.empty() ? node.name : original;
  p.size = *size;
  Folding f(p.size);
  const ExactKind *exact = node.type == "Input" ? nullptr : exactKind(node);
  Status s = Status::success();
  if (node.type == "Input")
    s = readInput(node, p);
  else if (exact)
    exact->read(node, p);
  else
    s = readNeuron(node, p, f);
  if (!s)
    return s;
  index_[node.name] = net_.populations.size();
  net_.populations.push_back(std::move(p));
  inputScale_.push_back(std::move(f.scale));
  exact_.push_back(exact != nullptr);
  return Status::success();
}

Status Importer::readInput(const Node &node, Population &p) {
  p.kind = PopulationKind::Input;
  const std::string encoding = metaString(node, "engram_encoding", "graded");
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
  return Status::success();
}

Status Importer::readNeuron(const Node &node, Population &p, Folding &f) const {
  using Reader =
      Status (Importer::*)(const Node &, Population &, Folding &) const;
  static const std::pair<const char *, Reader> kReaders[] = {
      {"IF", &Importer::readIf},       {"LIF", &Importer::readLif},
      {"CubaLIF", &Importer::readLif}, {"Threshold", &Importer::readThreshold},
      {"Scale", &Importer::readScale},
  };
  const auto *reader =
      std::find_if(std::begin(kReaders), std::end(kReaders),
                   [&](const auto &entry) { return node.type == entry.first; });
  if (reader == std::end(kReaders))
    return error(node.name,
                 "type '" + node.type +
                     "' has no engram form (engram reads Input, Output, "
                     "Affine, Linear, Scale, Delay, Threshold, IF, LIF "
                     "and CubaLIF)");
  // NIR's own equations, stepped by forward Euler with dt. Every neuron
  // is rescaled so that its threshold is 1 (v/θ): exact, the dynamics
  // being linear and the resets at 0.
  p.kind = PopulationKind::Lif;
  p.vth = 1;
  if (Status s = (this->*reader->second)(node, p, f); !s)
    return s;
  if (p.kind != PopulationKind::Lif)
    return Status::success();
  for (size_t i = 0; i < p.size; ++i) {
    if (!(f.threshold[i] > 0))
      return error(node.name,
                   "threshold " + str(f.threshold[i]) + " is not positive");
    f.scale[i] /= f.threshold[i];
    f.leak[i] /= f.threshold[i];
  }
  p.du = f.du;
  p.dv = f.dv;
  if (std::any_of(f.leak.begin(), f.leak.end(),
                  [](double x) { return x != 0; }))
    p.bias = f.leak;
  return Status::success();
}

Status Importer::readSpiking(const Node &node, const Population &p,
                             Folding &f) const {
  StatusOr<std::vector<double>> threshold =
      perNeuron(node, "v_threshold", p.size, std::nullopt);
  if (!threshold)
    return threshold.status();
  StatusOr<std::vector<double>> r = perNeuron(node, "r", p.size, 1.0);
  if (!r)
    return r.status();
  StatusOr<std::vector<double>> reset = perNeuron(node, "v_reset", p.size, 0.0);
  if (!reset)
    return reset.status();
  for (double v : *reset)
    if (v != 0)
      return error(node.name, "v_reset " + str(v) +
                                  " is not 0; engram's neurons reset to 0");
  f.threshold = std::move(*threshold);
  f.r = std::move(*r);
  return Status::success();
}

Status Importer::readIf(const Node &node, Population &p, Folding &f) const {
  if (Status s = readSpiking(node, p, f); !s)
    return s;
  for (size_t i = 0; i < p.size; ++i)
    f.scale[i] = dt_ * f.r[i];
  return Status::success();
}

Status Importer::readLif(const Node &node, Population &p, Folding &f) const {
  if (Status s = readSpiking(node, p, f); !s)
    return s;
  const char *tauKey = node.type == "LIF" ? "tau" : "tau_mem";
  StatusOr<std::vector<double>> tau =
      perNeuron(node, tauKey, p.size, std::nullopt);
  if (!tau)
    return tau.status();
  StatusOr<std::vector<double>> leak = perNeuron(node, "v_leak", p.size, 0.0);
  if (!leak)
    return leak.status();
  StatusOr<double> dv = decay(node, *tau, tauKey);
  if (!dv)
    return dv.status();
  f.dv = *dv;
  for (size_t i = 0; i < p.size; ++i) {
    f.scale[i] = f.dv * f.r[i];
    f.leak[i] = f.dv * (*leak)[i];
  }
  if (node.type == "CubaLIF")
    return readSynapse(node, p, f);
  return Status::success();
}

Status Importer::readSynapse(const Node &node, const Population &p,
                             Folding &f) const {
  StatusOr<std::vector<double>> tau =
      perNeuron(node, "tau_syn", p.size, std::nullopt);
  if (!tau)
    return tau.status();
  StatusOr<std::vector<double>> win = perNeuron(node, "w_in", p.size, 1.0);
  if (!win)
    return win.status();
  StatusOr<double> du = decay(node, *tau, "tau_syn");
  if (!du)
    return du.status();
  f.du = *du;
  for (size_t i = 0; i < p.size; ++i)
    f.scale[i] *= f.du * (*win)[i];
  return Status::success();
}

Status Importer::readThreshold(const Node &node, Population &p,
                               Folding &f) const {
  StatusOr<std::vector<double>> threshold =
      perNeuron(node, "threshold", p.size, std::nullopt);
  if (!threshold)
    return threshold.status();
  f.threshold = std::move(*threshold);
  f.dv = 1; // memoryless: v = input each timestep
  return Status::success();
}

Status Importer::readScale(const Node &node, Population &p, Folding &f) const {
  StatusOr<std::vector<double>> scale =
      perNeuron(node, "scale", p.size, std::nullopt);
  if (!scale)
    return scale.status();
  p.kind = PopulationKind::Graded;
  p.activation = Activation::Linear;
  f.scale = std::move(*scale);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Projections
//===----------------------------------------------------------------------===//

Status Importer::projections() {
  for (const auto &[key, node] : nodes_) {
    if (isConnection(node)) {
      if (Status s = connection(node); !s)
        return s;
      continue;
    }
    if (!index_.count(key))
      continue;
    // Direct edges between neuron nodes, possibly through a Delay.
    for (const std::string &next : successors(key)) {
      if (nodes_.at(next).type != "Delay" && !index_.count(next))
        continue;
      if (Status s = connectThrough(nullptr, key, next); !s)
        return s;
    }
  }
  return Status::success();
}

Status Importer::connection(const Node &node) {
  std::vector<std::string> in = predecessors(node.name);
  if (in.size() != 1)
    return error(node.name, node.type + " has " + std::to_string(in.size()) +
                                " inputs; engram reads one");
  for (const std::string &next : successors(node.name))
    if (Status s = connectThrough(&node, in[0], next); !s)
      return s;
  return Status::success();
}

Status Importer::connectThrough(const Node *via, const std::string &from,
                                const std::string &next) {
  const Node &target = nodes_.at(next);
  if (target.type != "Delay")
    return connect(via, from, next, nullptr);
  for (const std::string &after : successors(next))
    if (Status s = connect(via, from, after, &target); !s)
      return s;
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
  if (net_.populations[post->second].kind == PopulationKind::Input)
    return error(where, "feeds the Input node '" + to + "'");
  Projection q;
  q.pre = pre->second;
  q.post = post->second;
  const size_t rows = net_.populations[q.post].size;
  const size_t cols = net_.populations[q.pre].size;
  StatusOr<std::vector<double>> weight =
      via ? weightsOf(*via, from, to, rows, cols) : identity(where, rows, cols);
  if (!weight)
    return weight.status();
  std::vector<double> bias;
  if (via) {
    StatusOr<std::vector<double>> b = biasOf(*via, rows);
    if (!b)
      return b.status();
    bias = std::move(*b);
  }
  if (delay) {
    StatusOr<int> steps = delaySteps(*delay, rows);
    if (!steps)
      return steps.status();
    q.delay = *steps;
  }
  const bool exact = via && exact_[q.post] &&
                     via->meta.count("engram_weights") &&
                     via->meta.count("engram_exp");
  Status s = exact ? exactWeights(*via, rows * cols, q)
                   : floatWeights(where, std::move(*weight), q);
  if (s && !exact && !bias.empty() && !exact_[q.post])
    s = foldBias(*via, to, bias, q.post);
  if (!s)
    return s;
  net_.projections.push_back(std::move(q));
  return Status::success();
}

StatusOr<std::vector<double>>
Importer::weightsOf(const Node &via, const std::string &from,
                    const std::string &to, size_t rows, size_t cols) const {
  auto w = via.params.find("weight");
  if (w == via.params.end())
    return error(via.name, via.type + " has no 'weight'");
  if (w->second.shape.size() != 2 || size_t(w->second.shape[0]) != rows ||
      size_t(w->second.shape[1]) != cols)
    return error(via.name, "weight is not " + std::to_string(rows) + " x " +
                               std::to_string(cols) + " (" + to + " x " + from +
                               ")");
  return w->second.values;
}

StatusOr<std::vector<double>> Importer::biasOf(const Node &via,
                                               size_t rows) const {
  auto b = via.params.find("bias");
  if (via.type != "Affine" || b == via.params.end())
    return std::vector<double>();
  if (b->second.values.size() != rows)
    return error(via.name, "bias has " +
                               std::to_string(b->second.values.size()) +
                               " values for " + std::to_string(rows));
  return b->second.values;
}

StatusOr<std::vector<double>>
Importer::identity(const std::string &where, size_t rows, size_t cols) const {
  if (rows != cols)
    return error(where, "an edge between nodes of " + std::to_string(cols) +
                            " and " + std::to_string(rows) + " neurons");
  std::vector<double> weight(rows * cols, 0);
  for (size_t i = 0; i < rows; ++i)
    weight[i * cols + i] = 1;
  return weight;
}

StatusOr<int> Importer::delaySteps(const Node &delay, size_t rows) const {
  StatusOr<std::vector<double>> d =
      perNeuron(delay, "delay", rows, std::nullopt);
  if (!d)
    return d.status();
  double steps = (*d)[0] / dt_;
  if (!allEqual(*d))
    return error(delay.name, "delays differ between neurons; engram "
                             "projections have one delay");
  long rounded = std::lround(steps);
  if (std::abs(steps - double(rounded)) > 1e-6 || rounded < 0 ||
      rounded > kMaxDelay)
    return error(delay.name, "delay " + str((*d)[0]) +
                                 " is not a whole "
                                 "number of timesteps (dt " +
                                 str(dt_) + ") in 0.." +
                                 std::to_string(kMaxDelay));
  return int(rounded);
}

Status Importer::exactWeights(const Node &via, size_t count,
                              Projection &q) const {
  const std::vector<double> &m = via.meta.at("engram_weights").values;
  if (m.size() != count)
    return error(via.name, "metadata engram_weights has the wrong size");
  for (double x : m)
    q.weights.push_back(saturate<int32_t>(x));
  q.weightExp = saturate<int>(metaScalar(via, "engram_exp", 0));
  q.weightBits = saturate<int>(metaScalar(via, "engram_bits", 8));
  return Status::success();
}

Status Importer::floatWeights(const std::string &where,
                              std::vector<double> weight, Projection &q) const {
  // A gain the Input population applies is already in NIR's weights.
  const std::vector<double> &k = inputScale_[q.post];
  const Population &source = net_.populations[q.pre];
  const size_t rows = net_.populations[q.post].size, cols = source.size;
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
  return Status::success();
}

Status Importer::foldBias(const Node &via, const std::string &to,
                          const std::vector<double> &bias, size_t post) {
  Population &target = net_.populations[post];
  const std::vector<double> &k = inputScale_[post];
  if (target.kind == PopulationKind::Lif && target.du < 1)
    return error(via.name, "an Affine bias into the CubaLIF '" + to +
                               "' would be a constant synaptic "
                               "current, which engram's LIF does not "
                               "have (it adds biases to v)");
  if (target.bias.empty())
    target.bias.assign(target.size, 0);
  for (size_t i = 0; i < target.size; ++i)
    target.bias[i] += k[i] * bias[i];
  return Status::success();
}

//===----------------------------------------------------------------------===//
// The network
//===----------------------------------------------------------------------===//

Status Importer::output(const std::vector<const Node *> &outputs) {
  if (outputs.size() != 1)
    return Status::error(path_ + ": the graph has " +
                         std::to_string(outputs.size()) +
                         " Output nodes; engram reads one");
  const Node &out = *outputs[0];
  std::vector<std::string> probed = predecessors(out.name);
  if (probed.size() != 1 || !index_.count(probed[0]))
    return error(out.name, "the Output must follow exactly one neuron node");
  net_.output.population = index_.at(probed[0]);
  net_.output.decode = metaString(out, "engram_decode", "") == "last"
                           ? Decode::Last
                           : Decode::Rate;
  net_.output.scale = metaArray(out, "engram_scale");
  net_.output.offset = metaArray(out, "engram_offset");
  return Status::success();
}

StatusOr<Network> Importer::run() {
  silence();
  Handle file(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid())
    return Status::error(path_ + ": not an HDF5 file (or unreadable)");
  StatusOr<Handle> graph = readGraph(file.get());
  if (!graph)
    return graph.status();
  if (Status s = readSettings(graph->get()); !s)
    return s;
  std::vector<const Node *> outputs;
  if (Status s = populations(outputs); !s)
    return s;
  if (!net_.inputWidth)
    return Status::error(path_ + ": the graph has no Input node");
  if (Status s = projections(); !s)
    return s;
  if (Status s = output(outputs); !s)
    return s;
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

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
#include "backends/nir/NirMaps.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>

using namespace engram::runtime;
using namespace engram::runtime::snn;
using namespace engram::nir::hdf5;
using namespace engram::nir::detail;

namespace engram::nir {
//===----------------------------------------------------------------------===//
// Import
//===----------------------------------------------------------------------===//

namespace {

/// The snn dialect's range of weight exponents.
constexpr int kMinExp = -24, kMaxExp = 24;

/// The most connection nodes between two neuron nodes, and the most steps
/// the importer takes along the paths through them (branches that join
/// again multiply the paths).
constexpr size_t kMaxChain = 256, kMaxWalk = 1 << 20;

/// The most nodes and edges a graph may have (hard links can make an HDF5
/// file hold a nested graph many times over), the most terms the maps
/// composed for one graph may hold, and the most weights of its
/// projections.
constexpr size_t kMaxNodes = 1 << 16, kMaxEdges = 1 << 20;
constexpr uint64_t kMaxTerms = uint64_t(1) << 27;
constexpr uint64_t kMaxWeights = uint64_t(1) << 29;

/// How deep NIR graphs may nest (a file must not make the reader recurse
/// without bound).
constexpr int kMaxNesting = 16;

/// A node of the graph: its parameters (NodeParams) and its metadata.
struct Node : NodeParams {
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
    auto it = node.arrays.find("shape");
    if (it == node.arrays.end() || it->second.values.empty())
      return std::nullopt;
    // The neurons of an (n,) or (c, h, w) shape, as a flat vector.
    size_t size = 1;
    for (double extent : it->second.values) {
      size_t n = saturate<size_t>(extent);
      if (n == 0 || size > kMaxPopulationSize / n)
        return std::nullopt;
      size *= n;
    }
    return size;
  }
  for (const char *key : {"v_threshold", "threshold", "scale", "tau",
                          "tau_mem", "r"}) {
    auto it = node.arrays.find(key);
    if (it != node.arrays.end() && it->second.shape.size() == 1 &&
        it->second.values.size() > 1)
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
  p.vReset = metaArray(node, "engram_v_reset");
  if (std::all_of(p.vReset.begin(), p.vReset.end(),
                  [](double v) { return v == 0; }))
    p.vReset.clear();
}

/// A leaky integrator with the exact parameters of engram's metadata.
void readExactLi(const Node &node, Population &p) {
  p.kind = PopulationKind::Li;
  p.du = metaScalar(node, "engram_du", 1);
  p.dv = metaScalar(node, "engram_dv", 0);
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
    {"li", nullptr, readExactLi},
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
      : threshold(size, 1), r(size, 1), leak(size, 0), scale(size, 1),
        reset(size, 0) {}
  std::vector<double> threshold, r, leak, scale, reset;
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
  /// Reads the nodes and edges of the NIRGraph group `graph`, its names
  /// prefixed by `prefix` (a nested graph's "name.").
  Status readNodes(hid_t graph, const std::string &prefix);
  /// The nodes the edge end `name` of the graph at `prefix` names: the
  /// node, or a nested graph's `port` (Input or Output) nodes.
  StatusOr<std::vector<std::string>> endpoint(const std::string &prefix,
                                              const std::string &name,
                                              const char *port) const;
  /// Reads the node `key` of the group `nodes`: its type and parameters.
  Status readNode(hid_t nodes, const std::string &key,
                  const std::string &prefix);
  /// Reads the "metadata" group of `group`, when it is one, into `node`.
  Status readNodeMetadata(hid_t group, Node &node) const;
  /// Sets dt, the timesteps and the name from the options or graph metadata.
  Status readSettings(hid_t graph);
  /// A parameter of `node` with one value per neuron (a scalar is
  /// broadcast); `fallback` when absent, an error when required.
  StatusOr<std::vector<double>> perNeuron(const Node &node,
                                          const std::string &key, size_t size,
                                          std::optional<double> fallback) const;
  /// The share of v (or u) a step of dt replaces for the time constant
  /// `key`, shared by all neurons: dt/τ (forward Euler) or 1 − exp(−dt/τ)
  /// (exact); in (0, 1].
  StatusOr<double> decay(const Node &node, const std::vector<double> &tau,
                         const std::string &key) const;
  /// The neurons of `node`: its parameters' or shape's length, else the
  /// weights around it (a node whose parameters are all scalars).
  std::optional<size_t> neuronsOf(const Node &node) const;

  /// One population per neuron and Input node; collects the Output nodes.
  Status populations(std::vector<const Node *> &outputs);
  /// The population of the neuron or Input node `node`.
  Status population(const Node &node);
  /// The one node the Output `name` reads, past nested graphs' Input and
  /// Output nodes; none when it reads several.
  std::optional<std::string> probedBy(const std::string &name) const;
  /// A linear unit reading the values an Output node after a linear node
  /// receives.
  Status readout(const Node &node);
  /// The shapes of the nodes reachable from the Input: what each outputs.
  Status inferShapes();
  /// The shape of a neuron node with input shape `in`.
  Shape neuronShape(const Node &node, const Shape &in) const;
  /// The shape of what the node `name` outputs (its size when unknown).
  Shape shapeOf(const std::string &name) const;
  /// The Input population; engram networks read one.
  Status readInput(const Node &node, Population &p);
  /// A population from NIR's own equations, by the reader of its type.
  Status readNeuron(const Node &node, Population &p, Folding &f) const;
  /// The threshold, r and v_reset of IF, LIF and CubaLIF.
  Status readSpiking(const Node &node, const Population &p, Folding &f) const;
  /// An IF node: inputs scaled by dt and r.
  Status readIf(const Node &node, Population &p, Folding &f) const;
  /// A LIF node, or a CubaLIF node's membrane (then its synapse).
  Status readLif(const Node &node, Population &p, Folding &f) const;
  /// An I node: a leaky integrator without leak, inputs scaled by dt and r.
  Status readI(const Node &node, Population &p, Folding &f) const;
  /// An LI or CubaLI node: LIF's equations without threshold, read out as v.
  Status readLi(const Node &node, Population &p, Folding &f) const;
  /// The membrane of a LIF, CubaLIF, LI or CubaLI node: tau, r, v_leak.
  Status readMembrane(const Node &node, Population &p, Folding &f) const;
  /// A CubaLIF node's synaptic current: its decay du and w_in.
  Status readSynapse(const Node &node, const Population &p, Folding &f) const;
  /// A Threshold node: memoryless, spiking when its input exceeds it.
  Status readThreshold(const Node &node, Population &p, Folding &f) const;
  /// A Scale node: linear graded units.
  Status readScale(const Node &node, Population &p, Folding &f) const;

  /// One step of the walk from a population along the graph's edges: the
  /// population, the edge `from` -> `to`, the map from the population's
  /// neurons to `from`'s outputs, the delay gathered and the linear nodes
  /// passed.
  struct Step {
    std::string pre, from, to;
    std::shared_ptr<const SparseMap> map;
    int delay = 0;
    std::vector<const Node *> via;
  };
  /// The projections: from every population, through the linear nodes
  /// after it (composed into one map), to each population reached.
  Status projections();
  /// Follows `step`: a projection when it reaches a population, else on
  /// through the linear node it reaches.
  Status walk(const Step &step);
  /// The projection `step` has reached its post population with.
  Status connect(const Step &step);
  /// The delay of the Delay node `delay` in whole timesteps.
  StatusOr<int> delaySteps(const Node &delay, size_t rows) const;
  /// `q`'s exact weights, kept by engram's export in `via`'s metadata.
  Status exactWeights(const Node &via, size_t count, Projection &q) const;
  /// `q`'s weights from NIR's: 16-bit mantissas with a common exponent.
  Status floatWeights(const std::string &where, std::vector<double> weight,
                      Projection &q) const;
  /// Adds the Affine bias of `via` to the population `post`, scaled; a
  /// CubaLIF's is a constant synaptic current, from `source`.
  Status foldBias(const Node &via, const std::vector<double> &bias,
                  const Projection &q);
  /// A CubaLIF's constant synaptic current: a graded unit sending 1 every
  /// timestep through weights `bias` (scaled as `q`'s) into `q.post`.
  Status constantCurrent(const Node &via, const std::vector<double> &bias,
                         const Projection &q);
  /// The chain of linear nodes `step` passed, when it holds a convolution,
  /// pooling or Flatten and no other path joins it; else empty.
  std::vector<GeometryNode> geometryOf(const Step &step) const;
  /// The latency of a projection through `via` (null: a direct edge).
  int latencyOf(const Node *via) const;
  /// Brings every weight exponent into the snn dialect's range by
  /// rescaling populations.
  Status fitExponents();
  /// Multiplies population `p`'s state by 2^k: its incoming weights, bias
  /// and, for a LIF, its threshold and reset; the outgoing weights of a
  /// unit that sends values by 2^-k.
  void rescale(size_t p, int k);
  /// Orders the populations so that projections without latency or delay
  /// run forward, giving those that close a cycle a latency of 1.
  void orderPopulations();

  /// The network's output: the one neuron node before the one Output node.
  Status output(const std::vector<const Node *> &outputs);
  std::vector<std::string> successors(const std::string &name) const;
  std::vector<std::string> predecessors(const std::string &name) const;

  const std::string &path_;
  const NirImportOptions &options_;
  double dt_ = kDefaultDt;
  bool euler_ = false;
  std::map<std::string, Node> nodes_;
  std::vector<std::pair<std::string, std::string>> edges_;
  /// What each node outputs, from the Input's shape on.
  std::map<std::string, Shape> shapes_;
  /// The Output nodes read by a linear unit of their own.
  std::set<std::string> readouts_;
  /// Per nested graph: its Input and Output nodes, by name.
  std::map<std::string, std::map<std::string, std::string>> subgraphs_;
  /// How deep the graph being read is nested, and the nodes read.
  int depth_ = 0;
  size_t nodesRead_ = 0;
  /// The steps walk() has taken, the terms of the maps it has made, the
  /// weights of the projections made, and the nodes whose bias is in.
  size_t walked_ = 0;
  uint64_t terms_ = 0, weights_ = 0;
  std::set<std::string> biased_;
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
  if (Status s = readNodes(graph->get(), ""); !s)
    return s;
  return graph;
}

Status Importer::readNodes(hid_t graph, const std::string &prefix) {
  const std::string where = prefix.empty()
                                ? "the graph"
                                : "the graph '" + prefix.substr(0, prefix.size() - 1) + "'";
  if (depth_ > kMaxNesting)
    return Status::error(path_ + ": " + where + " nests graphs more than " +
                         std::to_string(kMaxNesting) + " deep");
  StatusOr<Handle> nodes = openGroup(graph, "nodes");
  if (!nodes)
    return Status::error(path_ + ": " + where + " " + nodes.status().message());
  StatusOr<std::vector<std::string>> names = members(nodes->get());
  if (!names)
    return Status::error(path_ + ": " + names.status().message());
  for (const std::string &name : *names)
    if (Status s = readNode(nodes->get(), name, prefix); !s)
      return s;
  StatusOr<std::vector<std::pair<std::string, std::string>>> edges =
      readEdges(graph, "edges");
  if (!edges)
    return Status::error(path_ + ": " + where + " " + edges.status().message());
  for (const auto &[from, to] : *edges) {
    StatusOr<std::vector<std::string>> a = endpoint(prefix, from, "Output");
    StatusOr<std::vector<std::string>> b = endpoint(prefix, to, "Input");
    if (!a || !b)
      return Status::error(path_ + ": edge '" + from + "' -> '" + to +
                           "' of " + where + " names no node '" +
                           (a ? to : from) + "'");
    for (const std::string &x : *a)
      for (const std::string &y : *b)
        edges_.emplace_back(x, y);
    if (edges_.size() > kMaxEdges)
      return Status::error(path_ + ": the graph has more than " +
                           std::to_string(kMaxEdges) + " edges");
  }
  return Status::success();
}

StatusOr<std::vector<std::string>>
Importer::endpoint(const std::string &prefix, const std::string &name,
                   const char *port) const {
  const std::string full = prefix + name;
  if (nodes_.count(full))
    return std::vector<std::string>{full};
  // A nested graph: its Input nodes receive, its Output nodes send.
  auto graph = subgraphs_.find(full);
  if (graph == subgraphs_.end())
    return Status::error("no node");
  std::vector<std::string> ports;
  for (const auto &[key, type] : graph->second)
    if (type == port)
      ports.push_back(key);
  if (ports.empty())
    return Status::error("no node");
  return ports;
}

Status Importer::readNode(hid_t nodes, const std::string &key,
                          const std::string &prefix) {
  const std::string name = prefix + key;
  if (++nodesRead_ > kMaxNodes)
    return Status::error(path_ + ": the graph has more than " +
                         std::to_string(kMaxNodes) +
                         " nodes, nested graphs counted each time they "
                         "appear");
  StatusOr<Handle> group = openGroup(nodes, key);
  if (!group)
    return error(name, group.status().message());
  Node node;
  node.name = name;
  StatusOr<std::string> type = readString(group->get(), "type");
  if (!type)
    return error(name, type.status().message());
  node.type = *type;
  if (node.type == "NIRGraph") {
    subgraphs_[name];
    ++depth_;
    Status s = readNodes(group->get(), name + ".");
    --depth_;
    return s;
  }
  StatusOr<std::vector<std::string>> keys = members(group->get());
  if (!keys)
    return error(name, keys.status().message());
  for (const std::string &member : *keys) {
    if (member == "type")
      continue;
    if (member == "metadata") {
      if (Status s = readNodeMetadata(group->get(), node); !s)
        return s;
      continue;
    }
    if (StatusOr<Array> array = readArray(group->get(), member))
      node.arrays[member] = std::move(*array);
    else if (StatusOr<std::string> text = readString(group->get(), member))
      node.texts[member] = *text;
  }
  // A nested graph's Input and Output nodes pass values through.
  if (!prefix.empty() && (node.type == "Input" || node.type == "Output")) {
    subgraphs_[prefix.substr(0, prefix.size() - 1)][name] = node.type;
    node.type = "Identity";
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
  if (!(dt_ > 0) || !std::isfinite(dt_))
    return Status::error(path_ + ": dt " + str(dt_) + " is not positive");
  euler_ = options_.integration == NirIntegration::Euler ||
           (options_.integration == NirIntegration::FromFile &&
            metaString(graphMeta, "engram_integration", "zoh") == "euler");
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
  auto it = node.arrays.find(key);
  if (it == node.arrays.end()) {
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
  const double d = euler_ ? dt_ / tau[0] : -std::expm1(-dt_ / tau[0]);
  if (d > 1)
    return error(node.name, "dt/" + key + " = " + str(d) +
                                " exceeds 1, which forward Euler cannot "
                                "step; give a smaller --nir-dt or "
                                "--nir-integration=zoh");
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
      std::optional<std::string> in = probedBy(key);
      if (in && isLinearNode(nodes_.at(*in).type))
        if (Status s = readout(node); !s)
          return s;
      continue;
    }
    if (isLinearNode(node.type))
      continue;
    if (Status s = population(node); !s)
      return s;
  }
  return Status::success();
}

std::optional<std::string> Importer::probedBy(const std::string &name) const {
  std::vector<std::string> in = predecessors(name);
  for (size_t hops = 0; in.size() == 1 && hops <= nodes_.size(); ++hops) {
    if (nodes_.at(in[0]).type != "Identity")
      return in[0];
    in = predecessors(in[0]);
  }
  return std::nullopt;
}

Status Importer::readout(const Node &node) {
  Population p;
  p.name = node.name;
  p.kind = PopulationKind::Graded;
  p.activation = Activation::Linear;
  p.size = elements(shapeOf(node.name));
  if (p.size == 0)
    return error(node.name, "has no usable shape");
  readouts_.insert(node.name);
  index_[node.name] = net_.populations.size();
  net_.populations.push_back(std::move(p));
  inputScale_.push_back(std::vector<double>(net_.populations.back().size, 1));
  exact_.push_back(false);
  return Status::success();
}

Shape Importer::shapeOf(const std::string &name) const {
  auto known = shapes_.find(name);
  if (known != shapes_.end())
    return known->second;
  auto p = index_.find(name);
  return p == index_.end()
             ? Shape()
             : Shape{int64_t(net_.populations[p->second].size)};
}

Status Importer::inferShapes() {
  std::vector<std::string> queue;
  for (const auto &[name, node] : nodes_)
    if (node.type == "Input" && sizeOf(node)) {
      Shape shape;
      for (double extent : node.arrays.at("shape").values)
        shape.push_back(int64_t(extent));
      shapes_[name] = shape;
      queue.push_back(name);
    }
  for (size_t k = 0; k < queue.size(); ++k) {
    const Shape in = shapes_.at(queue[k]);
    for (const std::string &next : successors(queue[k])) {
      if (shapes_.count(next))
        continue;
      const Node &node = nodes_.at(next);
      StatusOr<Shape> shape = isLinearNode(node.type)
                                  ? outputShape(node, in)
                                  : StatusOr<Shape>(neuronShape(node, in));
      if (!shape)
        return Status::error(path_ + ": " + shape.status().message());
      if (elements(*shape) == 0)
        return error(next, "has no neurons, or more than engram takes (" +
                               std::to_string(kMaxPopulationSize) + ")");
      shapes_[next] = *shape;
      queue.push_back(next);
    }
  }
  return Status::success();
}

Shape Importer::neuronShape(const Node &node, const Shape &in) const {
  // Per-neuron parameters give the shape; scalars take the input's.
  for (const auto &[key, array] : node.arrays)
    if (key != "shape" && key != "input_type" && key != "output_type" &&
        array.values.size() > 1)
      return array.shape;
  return in;
}

std::optional<size_t> Importer::neuronsOf(const Node &node) const {
  if (std::optional<size_t> size = sizeOf(node))
    return size;
  // Scalar parameters: the weights into or out of the node say.
  for (const auto &[from, to] : edges_) {
    const bool in = to == node.name;
    if (!in && from != node.name)
      continue;
    const Node &other = nodes_.at(in ? from : to);
    auto w = other.arrays.find("weight");
    if (isConnection(other) && w != other.arrays.end() &&
        w->second.shape.size() == 2)
      return saturate<size_t>(double(w->second.shape[in ? 0 : 1]));
  }
  for (const auto &[key, array] : node.arrays)
    if (array.values.size() == 1)
      return 1;
  return std::nullopt;
}

Status Importer::population(const Node &node) {
  std::optional<size_t> size = neuronsOf(node);
  if (size_t shaped = elements(shapeOf(node.name)))
    size = shaped;
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
      {"Scale", &Importer::readScale}, {"I", &Importer::readI},
      {"LI", &Importer::readLi},       {"CubaLI", &Importer::readLi},
  };
  const auto *reader =
      std::find_if(std::begin(kReaders), std::end(kReaders),
                   [&](const auto &entry) { return node.type == entry.first; });
  if (reader == std::end(kReaders))
    return error(node.name,
                 "type '" + node.type +
                     "' has no engram form (engram reads Input, Output, "
                     "Affine, Linear, Scale, Delay, Threshold, I, LI, "
                     "CubaLI, IF, LIF and CubaLIF)");
  // NIR's own equations, stepped by forward Euler with dt. Every neuron
  // is rescaled so that its threshold is 1 (v/θ): exact, the dynamics
  // being linear and the resets at 0.
  p.kind = PopulationKind::Lif;
  p.vth = 1;
  if (Status s = (this->*reader->second)(node, p, f); !s)
    return s;
  if (p.kind != PopulationKind::Lif && p.kind != PopulationKind::Li)
    return Status::success();
  for (size_t i = 0; i < p.size; ++i) {
    if (!(f.threshold[i] > 0))
      return error(node.name,
                   "threshold " + str(f.threshold[i]) + " is not positive");
    if (!(f.reset[i] < f.threshold[i]))
      return error(node.name, "v_reset " + str(f.reset[i]) +
                                  " is not below the threshold " +
                                  str(f.threshold[i]));
    f.scale[i] /= f.threshold[i];
    f.leak[i] /= f.threshold[i];
    f.reset[i] /= f.threshold[i];
  }
  p.du = f.du;
  p.dv = f.dv;
  auto nonzero = [](const std::vector<double> &v) {
    return std::any_of(v.begin(), v.end(), [](double x) { return x != 0; });
  };
  if (nonzero(f.leak))
    p.bias = f.leak;
  if (nonzero(f.reset))
    p.vReset = f.reset;
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
  f.threshold = std::move(*threshold);
  f.r = std::move(*r);
  f.reset = std::move(*reset);
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
  return readMembrane(node, p, f);
}

Status Importer::readI(const Node &node, Population &p, Folding &f) const {
  StatusOr<std::vector<double>> r = perNeuron(node, "r", p.size, 1.0);
  if (!r)
    return r.status();
  p.kind = PopulationKind::Li;
  for (size_t i = 0; i < p.size; ++i)
    f.scale[i] = dt_ * (*r)[i];
  return Status::success();
}

Status Importer::readLi(const Node &node, Population &p, Folding &f) const {
  StatusOr<std::vector<double>> r = perNeuron(node, "r", p.size, 1.0);
  if (!r)
    return r.status();
  f.r = std::move(*r);
  p.kind = PopulationKind::Li;
  return readMembrane(node, p, f);
}

Status Importer::readMembrane(const Node &node, Population &p,
                              Folding &f) const {
  const bool single = node.type == "LIF" || node.type == "LI";
  const char *tauKey = single ? "tau" : "tau_mem";
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
  if (!single)
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
  for (const auto &[name, p] : index_) {
    if (readouts_.count(name))
      continue;
    auto start =
        std::make_shared<const SparseMap>(SparseMap::identity(shapeOf(name)));
    for (const std::string &next : successors(name))
      if (Status s = walk({name, name, next, start, 0, {}}); !s)
        return s;
  }
  return Status::success();
}

Status Importer::walk(const Step &step) {
  if (index_.count(step.to))
    return connect(step);
  const Node &node = nodes_.at(step.to);
  if (!isLinearNode(node.type))
    return Status::success(); // an Output after a neuron node
  if (step.via.size() > kMaxChain)
    return error(step.to, "lies on a chain of more than " +
                              std::to_string(kMaxChain) +
                              " connection nodes without a neuron node (or "
                              "on a cycle of them)");
  if (++walked_ > kMaxWalk)
    return error(step.to, "is reached on more than " +
                              std::to_string(kMaxWalk) +
                              " paths through connection nodes");
  // A node's bias is added once, on the first path that reaches it, which
  // carries it on to all its successors.
  const bool withBias = biased_.insert(step.to).second;
  Step next{step.pre, step.to, "", step.map, step.delay, step.via};
  next.via.push_back(&node);
  if (node.type != "Delay" && node.type != "Identity") {
    StatusOr<SparseMap> map = compose(node, *step.map, withBias);
    if (!map)
      return Status::error(path_ + ": " + map.status().message());
    for (const auto &row : map->rows)
      terms_ += row.size() + 1;
    if (terms_ > kMaxTerms)
      return error(step.to, "the maps composed along the graph hold more "
                            "than 2^27 terms; engram does not import it");
    next.map = std::make_shared<const SparseMap>(std::move(*map));
  }
  if (node.type == "Delay") {
    StatusOr<int> steps = delaySteps(node, next.map->rows.size());
    if (!steps)
      return steps.status();
    next.delay += *steps;
    if (next.delay > kMaxDelay)
      return error(step.to, "the delays on the way add up to more than " +
                                std::to_string(kMaxDelay) + " timesteps");
  }
  for (const std::string &to : successors(step.to)) {
    next.to = to;
    if (Status s = walk(next); !s)
      return s;
  }
  return Status::success();
}

Status Importer::connect(const Step &step) {
  const Node *first = step.via.empty() ? nullptr : step.via.front();
  const std::string where =
      first ? first->name : step.pre + " -> " + step.to;
  Projection q;
  q.pre = index_.at(step.pre);
  q.post = index_.at(step.to);
  if (net_.populations[q.post].kind == PopulationKind::Input)
    return error(where, "feeds the Input node '" + step.to + "'");
  const size_t rows = net_.populations[q.post].size;
  const size_t cols = net_.populations[q.pre].size;
  const SparseMap &map = *step.map;
  weights_ += uint64_t(rows) * cols;
  if (weights_ > kMaxWeights)
    return error(where, "the projections hold more than 2^29 weights; "
                        "engram does not import the graph");
  if (map.rows.size() != rows)
    return error(where, "brings " + std::to_string(map.rows.size()) +
                            " values to the " + std::to_string(rows) +
                            " neurons of '" + step.to + "'");
  if (Status s = checkProjectionSize(rows, cols, "the projection"); !s)
    return error(where, s.message());
  q.delay = step.delay;
  q.latency = latencyOf(first);
  // engram's own export: the exact weights on the first linear node.
  const bool exact = first && exact_[q.post] &&
                     first->meta.count("engram_weights") &&
                     first->meta.count("engram_exp");
  q.geometry = geometryOf(step);
  Status s = Status::success();
  if (exact) {
    s = exactWeights(*first, rows * cols, q);
  } else {
    std::vector<double> weight(rows * cols, 0);
    for (size_t i = 0; i < rows; ++i)
      for (const auto &[j, w] : map.rows[i])
        weight[i * cols + j] = w;
    s = floatWeights(where, std::move(weight), q);
  }
  if (s && !exact && !map.bias.empty() && !exact_[q.post])
    s = foldBias(*first, map.bias, q);
  // engram's export of a constant synaptic current: an Affine bias, with
  // the current in engram's units as metadata.
  if (s && exact && first->meta.count("engram_current")) {
    const std::vector<double> current = metaArray(*first, "engram_current");
    if (current.size() != rows)
      return error(first->name, "metadata engram_current has " +
                                    std::to_string(current.size()) +
                                    " values for " + std::to_string(rows));
    s = constantCurrent(*first, current, q);
  }
  if (!s)
    return s;
  net_.projections.push_back(std::move(q));
  return Status::success();
}

std::vector<GeometryNode> Importer::geometryOf(const Step &step) const {
  std::vector<GeometryNode> chain(1);
  chain[0].type = "Input";
  const Shape shape = shapeOf(step.pre);
  chain[0].arrays["shape"] = {std::vector<double>(shape.begin(), shape.end()),
                              {int64_t(shape.size())}};
  bool geometric = false;
  for (const Node *node : step.via) {
    if (node != step.via.front() && predecessors(node->name).size() != 1)
      return {}; // joined by other paths: no one chain to write back
    if (node->type == "Delay" || node->type == "Identity")
      continue;
    geometric = geometric || !isConnection(*node);
    // NIR's parameters of these nodes; any other dataset stays behind.
    static const std::set<std::string> kKeys = {
        "weight",      "bias",        "stride",    "padding",
        "dilation",    "groups",      "input_shape", "kernel_size",
        "start_dim",   "end_dim",     "input_type"};
    GeometryNode out;
    out.type = node->type;
    for (const auto &[key, text] : node->texts)
      if (kKeys.count(key))
        out.texts[key] = text;
    for (const auto &[key, array] : node->arrays)
      if (kKeys.count(key))
        out.arrays[key] = {array.values, array.shape};
    chain.push_back(std::move(out));
  }
  if (!geometric)
    return {};
  return chain;
}

int Importer::latencyOf(const Node *via) const {
  switch (options_.latency) {
  case NirLatency::Nir:
    return 0;
  case NirLatency::Engram:
    return 1;
  case NirLatency::FromFile:
    break;
  }
  return via && metaScalar(*via, "engram_latency", 0) == 1 ? 1 : 0;
}

StatusOr<int> Importer::delaySteps(const Node &delay, size_t rows) const {
  if (rows == 0)
    return error(delay.name, "delays no values");
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
  const double exp = metaScalar(via, "engram_exp", 0);
  if (!(exp >= -64 && exp <= 64))
    return error(via.name, "metadata engram_exp " + str(exp) +
                               " is outside -64..64");
  q.weightExp = int(exp);
  q.weightBits = saturate<int>(metaScalar(via, "engram_bits", 8));
  return Status::success();
}

Status Importer::floatWeights(const std::string &where,
                              std::vector<double> weight, Projection &q) const {
  // A gain the Input population applies is already in NIR's weights.
  const std::vector<double> &k = inputScale_[q.post];
  const Population &source = net_.populations[q.pre];
  const size_t rows = net_.populations[q.post].size, cols = source.size;
  // 24-bit mantissas keep float32 weights' precision.
  const int bits = 24;
  double largest = 0;
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) {
      double &w = weight[i * cols + j];
      w *= k[i];
      if (source.kind == PopulationKind::Input && source.gain[j] != 0)
        w /= source.gain[j];
      if (!std::isfinite(w))
        return error(where, "a weight is not finite");
      largest = std::max(largest, std::abs(w));
    }
  const double limit = double((1 << bits) - 1);
  if (!std::isfinite(largest))
    return error(where, "a weight is not finite");
  int exp = largest == 0 ? 0 : int(std::ceil(std::log2(largest / limit)));
  // Below the dialect's exponents, fewer bits as long as 16 remain; what
  // is smaller still, fitExponents rescales.
  if (exp < kMinExp && std::ldexp(largest, -kMinExp) >= double(0xffff))
    exp = kMinExp;
  for (double w : weight)
    q.weights.push_back(int32_t(std::lround(std::ldexp(w, -exp))));
  q.weightExp = exp;
  q.weightBits = bits;
  return Status::success();
}

Status Importer::foldBias(const Node &via, const std::vector<double> &bias,
                          const Projection &q) {
  const size_t post = q.post;
  Population &target = net_.populations[post];
  const std::vector<double> &k = inputScale_[post];
  // A CubaLIF's or CubaLI's input goes through its synaptic current.
  if ((target.kind == PopulationKind::Lif ||
       target.kind == PopulationKind::Li) &&
      target.du < 1)
    return constantCurrent(via, bias, q);
  if (target.bias.empty())
    target.bias.assign(target.size, 0);
  for (size_t i = 0; i < target.size; ++i)
    target.bias[i] += k[i] * bias[i];
  return Status::success();
}

Status Importer::constantCurrent(const Node &via,
                                 const std::vector<double> &bias,
                                 const Projection &q) {
  Population source;
  source.kind = PopulationKind::Graded;
  source.activation = Activation::Linear;
  source.size = 1;
  source.bias = {1};
  source.name = via.name + "_bias";
  for (int k = 2; std::any_of(net_.populations.begin(), net_.populations.end(),
                              [&](const Population &p) {
                                return p.name == source.name;
                              });
       ++k)
    source.name = via.name + "_bias_" + std::to_string(k);
  Projection current;
  current.pre = net_.populations.size();
  current.post = q.post;
  // A constant needs no latency, except in engram's model, where every
  // projection takes a timestep.
  current.delay = q.delay;
  current.latency = options_.latency == NirLatency::Engram ? 1 : 0;
  net_.populations.push_back(std::move(source));
  inputScale_.push_back({1});
  exact_.push_back(false);
  if (Status s = floatWeights(via.name + " (bias)", bias, current); !s)
    return s;
  net_.projections.push_back(std::move(current));
  return Status::success();
}

//===----------------------------------------------------------------------===//
// Exponents and order
//===----------------------------------------------------------------------===//

void Importer::rescale(size_t p, int k) {
  Population &population = net_.populations[p];
  auto scaled = [k](std::vector<double> &values) {
    for (double &v : values)
      v = std::ldexp(v, k);
  };
  // Spikes stay 1; graded values (a linear unit's, an integrator's v)
  // scale with the state.
  const bool sendsValues = population.kind == PopulationKind::Graded ||
                           population.kind == PopulationKind::Li;
  for (Projection &q : net_.projections) {
    if (q.post == p)
      q.weightExp += k;
    if (q.pre == p && sendsValues)
      q.weightExp -= k;
  }
  Probe &out = net_.output;
  if (sendsValues && out.population == p) {
    if (out.scale.empty())
      out.scale.assign(population.size, 1);
    for (double &s : out.scale)
      s = std::ldexp(s, -k);
  }
  scaled(population.bias);
  scaled(population.vReset);
  population.vth = std::ldexp(population.vth, k);
}

Status Importer::fitExponents() {
  auto hasWeights = [](const Projection &q) {
    return std::any_of(q.weights.begin(), q.weights.end(),
                       [](int32_t w) { return w != 0; });
  };
  // A linear unit passes a rescaling on to its targets, so a chain of them
  // may take a few rounds.
  for (size_t round = 0; round <= net_.populations.size(); ++round) {
    bool changed = false;
    for (size_t p = 0; p < net_.populations.size(); ++p) {
      const PopulationKind kind = net_.populations[p].kind;
      if (kind != PopulationKind::Lif && kind != PopulationKind::Graded &&
          kind != PopulationKind::Li)
        continue;
      int lo = kMaxExp, hi = kMinExp;
      for (const Projection &q : net_.projections)
        if (q.post == p && hasWeights(q)) {
          lo = std::min(lo, q.weightExp);
          hi = std::max(hi, q.weightExp);
        }
      if (lo >= kMinExp && hi <= kMaxExp)
        continue;
      // Keep the largest weights exact; the smallest lose low bits below.
      rescale(p, hi > kMaxExp || hi - lo > kMaxExp - kMinExp
                     ? kMaxExp - hi
                     : kMinExp - lo);
      changed = true;
    }
    if (!changed)
      break;
  }
  for (Projection &q : net_.projections) {
    if (!hasWeights(q))
      q.weightExp = 0;
    if (q.weightExp > kMaxExp)
      return Status::error(path_ + ": the weights into '" +
                           net_.populations[q.post].name +
                           "' span more than engram's range (2^" +
                           std::to_string(kMaxExp) + " x 16 bits)");
    if (q.weightExp >= kMinExp)
      continue;
    for (int32_t &w : q.weights)
      w = int32_t(std::lround(std::ldexp(double(w), q.weightExp - kMinExp)));
    q.weightExp = kMinExp;
  }
  return Status::success();
}

void Importer::orderPopulations() {
  const size_t n = net_.populations.size();
  std::vector<std::vector<size_t>> next(n); // projections without latency
  for (size_t q = 0; q < net_.projections.size(); ++q) {
    const Projection &projection = net_.projections[q];
    if (projection.latency + projection.delay == 0)
      next[projection.pre].push_back(q);
  }
  // Depth first from the inputs: an edge back onto the path closes a cycle
  // and waits a timestep, as a recurrent layer reads its last output.
  std::vector<int> mark(n, 0); // 0 unseen, 1 on the path, 2 done
  auto visit = [&](size_t root) {
    std::vector<std::pair<size_t, size_t>> path{{root, 0}};
    mark[root] = 1;
    while (!path.empty()) {
      const size_t node = path.back().first, k = path.back().second++;
      if (k == next[node].size()) {
        mark[node] = 2;
        path.pop_back();
        continue;
      }
      Projection &q = net_.projections[next[node][k]];
      if (mark[q.post] == 1)
        q.latency = 1;
      else if (mark[q.post] == 0) {
        mark[q.post] = 1;
        path.push_back({q.post, 0});
      }
    }
  };
  for (bool inputs : {true, false})
    for (size_t p = 0; p < n; ++p)
      if (!mark[p] &&
          (net_.populations[p].kind == PopulationKind::Input) == inputs)
        visit(p);
  // Then a topological order that keeps the given one where it can.
  std::vector<size_t> waiting(n, 0), order;
  for (const Projection &q : net_.projections)
    waiting[q.post] += q.latency + q.delay == 0;
  std::set<size_t> ready;
  for (size_t p = 0; p < n; ++p)
    if (!waiting[p])
      ready.insert(p);
  while (!ready.empty()) {
    const size_t p = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(p);
    for (const Projection &q : net_.projections)
      if (q.pre == p && q.latency + q.delay == 0 && --waiting[q.post] == 0)
        ready.insert(q.post);
  }
  std::vector<size_t> where(n);
  std::vector<Population> sorted;
  for (size_t k = 0; k < n; ++k) {
    where[order[k]] = k;
    sorted.push_back(std::move(net_.populations[order[k]]));
  }
  net_.populations = std::move(sorted);
  for (Projection &q : net_.projections) {
    q.pre = where[q.pre];
    q.post = where[q.post];
    if (q.thirdFactor)
      q.thirdFactor = where[*q.thirdFactor];
  }
  net_.output.population = where[net_.output.population];
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
  std::optional<std::string> probed =
      readouts_.count(out.name) ? out.name : probedBy(out.name);
  if (!probed || !index_.count(*probed))
    return error(out.name, "the Output must follow exactly one neuron or "
                           "connection node");
  net_.output.population = index_.at(*probed);
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
  if (Status s = inferShapes(); !s)
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
  if (Status s = fitExponents(); !s)
    return s;
  orderPopulations();
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

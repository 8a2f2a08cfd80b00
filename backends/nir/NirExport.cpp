//===- NirExport.cpp - spiking networks as NIR graphs (HDF5) --------------===//
//
// One node per population (Input, IF, LIF, CubaLIF, Scale), one Affine or
// Linear node per projection "<pre>_to_<post>" (followed by a Delay node
// when the projection has a delay), and an Output node. NIR's equations are
// continuous in time; engram's are their forward-Euler steps of length dt,
// so that dv = dt/tau, and so on. Every node also carries engram's exact
// parameters under metadata/engram_*, which the importer prefers.
//
//===----------------------------------------------------------------------===//

#include "backends/nir/Hdf5.h"
#include "backends/nir/Nir.h"
#include "backends/nir/NirCommon.h"
#include "backends/nir/NirMaps.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>

using namespace engram::runtime;
using namespace engram::runtime::snn;
using namespace engram::nir::hdf5;
using namespace engram::nir::detail;

namespace engram::nir {
namespace {
//===----------------------------------------------------------------------===//
// Export
//===----------------------------------------------------------------------===//

/// A neuron population as NIR sees it, in float: LIF dynamics
/// u ← u(1−du) + k·I, v ← v(1−dv) + u + bias, spike when v > vth.
struct FloatNeuron {
  double du = 1, dv = 0;
  double inputScale = 1; ///< k: weights are multiplied by it
  double vth = 1;
  std::vector<double> bias, vReset;
};

FloatNeuron floatNeuron(const Population &p) {
  FloatNeuron f;
  if (p.kind == PopulationKind::Lif || p.kind == PopulationKind::Li) {
    f.du = p.du;
    f.dv = p.dv;
    f.vth = p.vth;
    f.bias = p.bias;
  } else if (p.kind == PopulationKind::LifFixed) {
    // Lava's integer LIF without its rounding: u keeps (4095 − du)/4096,
    // v keeps (4096 − dv)/4096, inputs count 2^6, the threshold is vth·2^6.
    f.du = double(p.fixed.du + 1) / 4096;
    f.dv = double(p.fixed.dv) / 4096;
    f.inputScale = 64;
    f.vth = double(p.fixed.vth) * 64;
    for (size_t i = 0; i < p.fixed.biasMant.size(); ++i)
      f.bias.push_back(
          std::ldexp(double(p.fixed.biasMant[i]), p.fixed.biasExp[i]));
  } else { // If, Graded
    f.vth = p.vth;
    f.bias = p.bias;
  }
  if (f.bias.empty())
    f.bias.assign(p.size, 0);
  f.vReset = p.kind == PopulationKind::Lif ? p.vReset : std::vector<double>();
  if (f.vReset.empty())
    f.vReset.assign(p.size, 0);
  return f;
}

/// NIR's v_leak for a leaky neuron whose bias is added to v every step.
std::vector<double> leakOf(const FloatNeuron &f) {
  std::vector<double> leak;
  for (double b : f.bias)
    leak.push_back(b / f.dv);
  return leak;
}

/// Whether NIR's node for `p` holds its bias as v_leak (LIF, CubaLIF, LI,
/// CubaLI); IF, I and Scale nodes have none, so theirs goes on an Affine.
bool isLeaky(const Population &p, const FloatNeuron &f) {
  return p.kind != PopulationKind::Graded && p.kind != PopulationKind::If &&
         f.dv > 0;
}

/// The first failure of `statuses`, every one of which has run; or success.
Status all(std::initializer_list<Status> statuses) {
  for (const Status &status : statuses)
    if (!status)
      return status;
  return Status::success();
}

/// How messages name the population `p`.
std::string label(const Population &p) { return "population '" + p.name + "'"; }

/// engram's exact parameters of the float LIF population `p` (`f` its NIR
/// view) under the metadata group `m`.
Status writeLifMetadata(hid_t m, const Population &p, const FloatNeuron &f) {
  const std::vector<int64_t> shape = {int64_t(p.size)};
  return all({writeString(m, "engram_kind", "lif"),
              writeDoubles(m, "engram_du", {p.du}, {1}),
              writeDoubles(m, "engram_dv", {p.dv}, {1}),
              writeDoubles(m, "engram_vth", {p.vth}, {1}),
              writeDoubles(m, "engram_bias", f.bias, shape),
              writeDoubles(m, "engram_v_reset", f.vReset, shape)});
}

/// engram's exact parameters of the fixed-point LIF population `p` under
/// the metadata group `m`.
Status writeLifFixedMetadata(hid_t m, const Population &p) {
  const std::vector<int64_t> shape = {int64_t(p.size)};
  std::vector<int64_t> mant(p.fixed.biasMant.begin(), p.fixed.biasMant.end()),
      exps(p.fixed.biasExp.begin(), p.fixed.biasExp.end());
  Status s = all({writeString(m, "engram_kind", "lif_fixed"),
                  writeInts(m, "engram_du", {p.fixed.du}, {1}),
                  writeInts(m, "engram_dv", {p.fixed.dv}, {1}),
                  writeInts(m, "engram_vth", {p.fixed.vth}, {1})});
  if (s && !mant.empty())
    s = all({writeInts(m, "engram_bias_mant", mant, shape),
             writeInts(m, "engram_bias_exp", exps, shape)});
  return s;
}

/// The float weights NIR holds for `q` from `pre` into a population whose
/// NIR view is `f` (`rows` neurons): the mantissas times 2^exp, f's input
/// scale and the gain of an Input population.
std::vector<double> floatWeights(const Projection &q, const Population &pre,
                                 const FloatNeuron &f, size_t rows) {
  const size_t cols = pre.size;
  std::vector<double> weight(rows * cols);
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j)
      weight[i * cols + j] =
          std::ldexp(double(q.weights[i * cols + j]), q.weightExp) *
          f.inputScale *
          (pre.kind == PopulationKind::Input ? pre.gain[j] : 1.0);
  return weight;
}

/// engram's exact weights of `q` (mantissas, exponent, bits) under the
/// metadata group `m`.
Status writeWeightMetadata(hid_t m, const Projection &q,
                           const std::vector<int64_t> &matrix) {
  std::vector<int64_t> mantissas(q.weights.begin(), q.weights.end());
  Status s = writeInts(m, "engram_weights", mantissas, matrix);
  if (s)
    s = writeInts(m, "engram_exp", {q.weightExp}, {1});
  if (s)
    s = writeInts(m, "engram_bits", {q.weightBits}, {1});
  if (s)
    s = writeInts(m, "engram_latency", {q.latency}, {1});
  return s;
}

class Exporter {
public:
  Exporter(const Network &net, const std::string &producer)
      : net_(net), producer_(producer) {}
  StatusOr<NirExport> run();

private:
  /// Refuses networks whose input is not one Input population of it all.
  Status checkInputs() const;
  /// The nodes of every population and projection under `nodes`.
  Status writeNodes(hid_t nodes);
  /// The node of population `index`, by the writer of its kind.
  Status population(hid_t nodes, size_t index);
  /// An Input node (group `g`, metadata `m`).
  Status writeInput(hid_t g, hid_t m, const Population &p) const;
  /// A Scale node for linear graded units; NIR has no ReLU.
  Status writeGraded(hid_t g, hid_t m, const Population &p) const;
  /// The factor by which `weight` (post x `cols`, NIR's units) is the
  /// composition of `q`'s geometry; none when it has none or is not.
  std::optional<double> chainScale(const Projection &q,
                                   const std::vector<double> &weight,
                                   size_t cols, Shape &out) const;
  /// `q` as its chain of linear nodes, the weights times `scale`.
  Status writeChain(hid_t nodes, size_t index, double scale);
  /// Which projections go out as chains, and the populations' shapes.
  void planChains();
  const Shape &shapeOf(const Population &p) const {
    return shapes_[size_t(&p - net_.populations.data())];
  }
  /// A Flatten node named after `from`, fed by it, for `shape`; its name.
  StatusOr<std::string> writeFlatten(hid_t nodes, const std::string &from,
                                     const Shape &shape);
  /// An IF node.
  Status writeIf(hid_t g, hid_t m, const Population &p) const;
  /// An I, LI or CubaLI node for a leaky integrator.
  Status writeLi(hid_t g, hid_t m, const Population &p) const;
  /// An IF, LIF or CubaLIF node for a (fixed-point) LIF population.
  Status writeLif(hid_t g, hid_t m, const Population &p) const;
  /// The NIR node type and parameters of the dynamics `f` of `p` in group
  /// `g`: IF, LIF or CubaLIF when `spiking`, else I, LI or CubaLI.
  Status writeEquations(hid_t g, const Population &p, const FloatNeuron &f,
                        bool spiking) const;
  /// The Affine or Linear node of projection `index` (and its Delay node).
  Status projection(hid_t nodes, size_t index);
  /// The Delay node after the projection node `from`, and its edges.
  Status writeDelay(hid_t nodes, const std::string &from, const std::string &to,
                    int delay, const Shape &shape);
  /// How the output is decoded, under the Output node's metadata `m`.
  Status writeOutputMetadata(hid_t m, size_t size) const;
  /// dt, the timesteps, the name and the producer under the graph's `m`.
  Status writeGraphMetadata(hid_t m) const;
  /// Whether population `p`'s bias travels on its first incoming Affine.
  bool biasOnAffine(size_t p) const;
  /// Whether population `p` is a constant source: a linear unit with a
  /// bias, no input and immediate projections (what engram's import makes
  /// of an Affine bias into a CubaLIF). NIR has no node for it; its
  /// current is the bias of an Affine into each target.
  bool constantSource(size_t p) const;
  /// The constant synaptic current every population receives from
  /// constant sources, in NIR's weight units (empty: none).
  void gatherCurrents();
  /// The node key of every population: its name, made a safe HDF5 link
  /// name ('/' is a path separator, "." and ".." are not names) and unique.
  void assignKeys();
  std::string unique(const std::string &name) {
    std::string result = name;
    for (int k = 2; !names_.insert(result).second; ++k)
      result = name + "_" + std::to_string(k);
    return result;
  }

  const Network &net_;
  const std::string &producer_;
  const double dt_ = kDefaultDt;
  std::set<std::string> names_;
  std::vector<std::string> keys_;
  std::vector<std::pair<std::string, std::string>> edges_;
  std::vector<bool> biasPlaced_;
  std::vector<std::vector<double>> current_;
  /// Each population's shape in the file: (n), or the (c, h, w) of the
  /// chains of linear nodes around it.
  std::vector<Shape> shapes_;
  /// Per projection: the factor of its chain when it is written as one,
  /// and the shape the chain outputs.
  std::vector<std::optional<double>> chains_;
  std::vector<Shape> chainShapes_;
  NirExport result_;
};

void Exporter::assignKeys() {
  std::vector<std::string> safe;
  for (const Population &p : net_.populations) {
    std::string key = p.name;
    std::replace(key.begin(), key.end(), '/', '_');
    if (key == "." || key == "..")
      key = "_" + key;
    safe.push_back(key);
    // Names that are already safe keep their key; the others get theirs
    // after every safe name is taken.
    if (key == p.name)
      names_.insert(key);
  }
  for (size_t i = 0; i < safe.size(); ++i)
    keys_.push_back(safe[i] == net_.populations[i].name ? safe[i]
                                                        : unique(safe[i]));
}

bool Exporter::constantSource(size_t p) const {
  const Population &pop = net_.populations[p];
  if (pop.kind != PopulationKind::Graded ||
      pop.activation != Activation::Linear || pop.delta || pop.bias.empty() ||
      net_.output.population == p)
    return false;
  return std::none_of(net_.projections.begin(), net_.projections.end(),
                      [&](const Projection &q) {
                        return q.post == p ||
                               (q.pre == p && (q.latency != 0 || q.delay != 0 ||
                                               q.rule));
                      });
}

void Exporter::gatherCurrents() {
  current_.assign(net_.populations.size(), {});
  for (const Projection &q : net_.projections) {
    if (!constantSource(q.pre))
      continue;
    const Population &pre = net_.populations[q.pre];
    const Population &post = net_.populations[q.post];
    std::vector<double> w = floatWeights(q, pre, floatNeuron(post), post.size);
    std::vector<double> &c = current_[q.post];
    c.resize(post.size, 0);
    for (size_t i = 0; i < post.size; ++i)
      for (size_t j = 0; j < pre.size; ++j)
        c[i] += w[i * pre.size + j] * pre.bias[j];
  }
}

bool Exporter::biasOnAffine(size_t p) const {
  const Population &pop = net_.populations[p];
  if (pop.kind == PopulationKind::Input)
    return false;
  if (!current_[p].empty())
    return true;
  FloatNeuron f = floatNeuron(pop);
  return !isLeaky(pop, f) && std::any_of(f.bias.begin(), f.bias.end(),
                                         [](double b) { return b != 0; });
}

Status Exporter::checkInputs() const {
  size_t inputs = 0;
  for (const Population &p : net_.populations) {
    if (p.kind != PopulationKind::Input)
      continue;
    ++inputs;
    if (p.inputOffset != 0 || p.size != net_.inputWidth)
      return Status::error("population '" + p.name + "' reads features " +
                           std::to_string(p.inputOffset) + ".." +
                           std::to_string(p.inputOffset + p.size) + " of " +
                           std::to_string(net_.inputWidth) +
                           "; NIR's Input node is the whole input");
  }
  if (inputs != 1)
    return Status::error("the network has " + std::to_string(inputs) +
                         " input populations; NIR graphs have one Input");
  return Status::success();
}

Status Exporter::writeNodes(hid_t nodes) {
  gatherCurrents();
  planChains();
  for (size_t p = 0; p < net_.populations.size(); ++p)
    if (!constantSource(p))
      if (Status s = population(nodes, p); !s)
        return s;
  for (size_t q = 0; q < net_.projections.size(); ++q)
    if (!constantSource(net_.projections[q].pre))
      if (Status s = projection(nodes, q); !s)
        return s;
  for (size_t p = 0; p < net_.populations.size(); ++p)
    if (!constantSource(p) && biasOnAffine(p) && !biasPlaced_[p])
      return Status::error("population '" + net_.populations[p].name +
                           "' has a bias but no incoming projection to "
                           "carry it (NIR puts biases on Affine nodes)");
  return Status::success();
}

Status Exporter::population(hid_t nodes, size_t index) {
  const Population &p = net_.populations[index];
  StatusOr<Handle> node = createGroup(nodes, keys_[index]);
  if (!node)
    return node.status();
  StatusOr<Handle> meta = createGroup(node->get(), "metadata");
  if (!meta)
    return meta.status();
  const hid_t g = node->get(), m = meta->get();
  if (keys_[index] != p.name)
    if (Status s = writeString(m, "engram_name", p.name); !s)
      return s;
  switch (p.kind) {
  case PopulationKind::Input:
    return writeInput(g, m, p);
  case PopulationKind::Graded:
    return writeGraded(g, m, p);
  case PopulationKind::If:
    return writeIf(g, m, p);
  case PopulationKind::Li:
    return writeLi(g, m, p);
  case PopulationKind::Lif:
  case PopulationKind::LifFixed:
    break;
  }
  return writeLif(g, m, p);
}

Status Exporter::writeLi(hid_t g, hid_t m, const Population &p) const {
  FloatNeuron f = floatNeuron(p);
  Status s = all({writeString(m, "engram_kind", "li"),
                  writeDoubles(m, "engram_du", {p.du}, {1}),
                  writeDoubles(m, "engram_dv", {p.dv}, {1}),
                  writeDoubles(m, "engram_bias", f.bias, shapeOf(p))});
  return s ? writeEquations(g, p, f, /*spiking=*/false) : s;
}

Status Exporter::writeInput(hid_t g, hid_t m, const Population &p) const {
  const std::vector<int64_t> shape = shapeOf(p);
  return all({writeString(g, "type", "Input"),
              writeInts(g, "shape", shape, {int64_t(shape.size())}),
              writeString(m, "engram_kind", "input"),
              writeString(m, "engram_encoding",
                          p.encoding == Encoding::Rate    ? "rate"
                          : p.encoding == Encoding::Spike ? "spike"
                                                          : "graded"),
              writeDoubles(m, "engram_gain", p.gain, shape)});
}

Status Exporter::writeGraded(hid_t g, hid_t m, const Population &p) const {
  if (p.activation == Activation::Relu)
    return Status::error(label(p) + " is a graded ReLU unit, which NIR has "
                                    "no node for (export a rate-coded "
                                    "network: --snn-encoding=rate)");
  const std::vector<int64_t> shape = shapeOf(p);
  Status s = all({writeString(g, "type", "Scale"),
                  writeDoubles(g, "scale", filled(p.size, 1), shape),
                  writeString(m, "engram_kind", "graded")});
  if (s && p.delta)
    s = writeDoubles(m, "engram_delta", {*p.delta}, {1});
  if (s && !p.bias.empty())
    s = writeDoubles(m, "engram_bias", p.bias, shape);
  return s;
}

Status Exporter::writeIf(hid_t g, hid_t m, const Population &p) const {
  const std::vector<int64_t> shape = shapeOf(p);
  Status s = all(
      {writeString(g, "type", "IF"),
       writeDoubles(g, "r", filled(p.size, 1 / dt_), shape),
       writeDoubles(g, "v_threshold", filled(p.size, p.vth), shape),
       writeDoubles(g, "v_reset", filled(p.size, 0), shape),
       writeString(m, "engram_kind", "if"),
       writeString(m, "engram_reset", p.resetSubtract ? "subtract" : "zero"),
       writeDoubles(m, "engram_vth", {p.vth}, {1})});
  if (s && !p.bias.empty())
    s = writeDoubles(m, "engram_bias", p.bias, shape);
  return s;
}

Status Exporter::writeLif(hid_t g, hid_t m, const Population &p) const {
  FloatNeuron f = floatNeuron(p);
  if (Status s = writeEquations(g, p, f, /*spiking=*/true); !s)
    return s;
  if (p.kind == PopulationKind::Lif)
    return writeLifMetadata(m, p, f);
  return writeLifFixedMetadata(m, p);
}

Status Exporter::writeEquations(hid_t g, const Population &p,
                                const FloatNeuron &f, bool spiking) const {
  const std::vector<int64_t> shape = shapeOf(p);
  auto values = [&](const char *key, const std::vector<double> &v) {
    return writeDoubles(g, key, v, shape);
  };
  auto constant = [&](const char *key, double v) {
    return values(key, filled(p.size, v));
  };
  // IF and I: no leak, dv = 0; LIF and LI: du = 1; else CubaLIF, CubaLI.
  const char *type = f.dv == 0   ? (spiking ? "IF" : "I")
                     : f.du == 1 ? (spiking ? "LIF" : "LI")
                                 : (spiking ? "CubaLIF" : "CubaLI");
  if (f.dv == 0 && f.du != 1)
    return Status::error(label(p) + " keeps its synaptic current (du < 1) "
                                    "without leak (dv = 0), which NIR has "
                                    "no node for (" +
                         (spiking ? "CubaLIF" : "CubaLI") + " needs a leak)");
  Status s = writeString(g, "type", type);
  if (s && f.dv == 0)
    s = constant("r", 1 / dt_);
  if (s && f.dv > 0)
    s = all({constant("r", 1 / f.dv), values("v_leak", leakOf(f))});
  if (s && f.dv > 0 && f.du == 1)
    s = constant("tau", dt_ / f.dv);
  if (s && f.dv > 0 && f.du < 1)
    s = all({constant("tau_syn", dt_ / f.du), constant("tau_mem", dt_ / f.dv),
             constant("w_in", 1 / f.du)});
  if (s && spiking)
    s = all({constant("v_threshold", f.vth), values("v_reset", f.vReset)});
  return s;
}

Status Exporter::projection(hid_t nodes, size_t index) {
  const Projection &q = net_.projections[index];
  const Population &pre = net_.populations[q.pre];
  const Population &post = net_.populations[q.post];
  const std::string &preKey = keys_[q.pre], &postKey = keys_[q.post];
  FloatNeuron f = floatNeuron(post);
  const size_t rows = post.size, cols = pre.size;
  const std::vector<int64_t> matrix = {int64_t(rows), int64_t(cols)};
  std::vector<double> weight = floatWeights(q, pre, f, rows);
  const bool bias = biasOnAffine(q.post) && !biasPlaced_[q.post];
  if (chains_[index])
    return writeChain(nodes, index, *chains_[index]);
  const std::string name = unique(preKey + "_to_" + postKey);
  StatusOr<Handle> node = createGroup(nodes, name);
  if (!node)
    return node.status();
  const hid_t g = node->get();
  Status s = writeString(g, "type", bias ? "Affine" : "Linear");
  if (s)
    s = writeDoubles(g, "weight", weight, matrix);
  StatusOr<Handle> meta = createGroup(g, "metadata");
  if (!meta)
    return meta.status();
  if (s && bias) {
    // v's bias where NIR's node has no v_leak, plus any constant current.
    const std::vector<double> &current = current_[q.post];
    std::vector<double> total(rows, 0);
    for (size_t i = 0; i < rows; ++i)
      total[i] = (isLeaky(post, f) ? 0 : f.bias[i]) +
                 (current.empty() ? 0 : current[i]);
    s = writeDoubles(g, "bias", total, {int64_t(rows)});
    if (s && !current.empty())
      s = writeDoubles(meta->get(), "engram_current", current,
                       {int64_t(rows)});
    biasPlaced_[q.post] = true;
  }
  if (s)
    s = writeWeightMetadata(meta->get(), q, matrix);
  if (!s)
    return s;
  if (q.rule)
    result_.dropped.push_back(
        "projection '" + pre.name + " -> " + post.name +
        "': its learning rule '" + q.rule->text +
        "' (NIR has no plasticity; its initial weights are exported)");
  std::string from = preKey;
  if (shapes_[q.pre].size() > 1) {
    StatusOr<std::string> flat = writeFlatten(nodes, preKey, shapes_[q.pre]);
    if (!flat)
      return flat.status();
    from = *flat;
  }
  edges_.emplace_back(from, name);
  if (q.delay == 0) {
    edges_.emplace_back(name, postKey);
    return Status::success();
  }
  return writeDelay(nodes, name, postKey, q.delay, shapes_[q.post]);
}

namespace {

/// A geometry node as NirMaps reads it.
NodeParams paramsOf(const GeometryNode &node, const std::string &name) {
  NodeParams params;
  params.name = name;
  params.type = node.type;
  params.texts = node.texts;
  for (const auto &[key, array] : node.arrays)
    params.arrays[key] = {array.values, array.shape};
  return params;
}

/// Whether NIR reads parameter `key` as numbers (weights, biases) rather
/// than integers (strides, shapes, dimensions).
bool isReal(const std::string &key) { return key == "weight" || key == "bias"; }

} // namespace

std::optional<double> Exporter::chainScale(const Projection &q,
                                           const std::vector<double> &weight,
                                           size_t cols, Shape &out) const {
  if (q.geometry.size() < 2 || q.geometry[0].type != "Input" ||
      !q.geometry[0].arrays.count("shape"))
    return std::nullopt;
  Shape shape;
  for (double extent : q.geometry[0].arrays.at("shape").values) {
    if (!(extent >= 1 && extent <= double(kMaxPopulationSize)) ||
        extent != std::floor(extent))
      return std::nullopt;
    shape.push_back(int64_t(extent));
  }
  if (elements(shape) != cols)
    return std::nullopt;
  // Integer parameters must be whole numbers for NIR (and for the casts
  // the export makes).
  for (size_t k = 1; k < q.geometry.size(); ++k)
    for (const auto &[key, array] : q.geometry[k].arrays)
      for (double v : array.values)
        if (!std::isfinite(v) ||
            (!isReal(key) && (v != std::floor(v) || std::abs(v) > 1e9)))
          return std::nullopt;
  SparseMap map = SparseMap::identity(shape);
  for (size_t k = 1; k < q.geometry.size(); ++k) {
    StatusOr<SparseMap> next =
        compose(paramsOf(q.geometry[k], q.geometry[k].type), map, false);
    if (!next)
      return std::nullopt;
    map = std::move(*next);
  }
  if (map.rows.size() * cols != weight.size())
    return std::nullopt;
  out = map.shape;
  // The chain's weights times one factor, and nothing else, up to the
  // rounding of mantissas of at least 16 bits.
  double largest = 0;
  for (double w : weight)
    largest = std::max(largest, std::abs(w));
  const double tolerance = std::ldexp(largest, -14);
  std::optional<double> scale;
  size_t terms = 0;
  for (size_t i = 0; i < map.rows.size(); ++i)
    for (const auto &[j, m] : map.rows[i]) {
      const double w = weight[i * cols + j];
      ++terms;
      if (!scale && std::abs(w) == largest)
        scale = w / m;
    }
  for (size_t i = 0; scale && i < map.rows.size(); ++i)
    for (const auto &[j, m] : map.rows[i])
      if (!(std::abs(weight[i * cols + j] - *scale * m) <= tolerance))
        return std::nullopt;
  size_t nonzero = size_t(std::count_if(weight.begin(), weight.end(),
                                        [](double w) { return w != 0; }));
  bool weighted = std::any_of(q.geometry.begin(), q.geometry.end(),
                              [](const GeometryNode &n) {
                                return n.arrays.count("weight") > 0;
                              });
  if (!scale || nonzero > terms || (!weighted && *scale != 1))
    return std::nullopt;
  return scale;
}

void Exporter::planChains() {
  const size_t count = net_.projections.size();
  chains_.assign(count, std::nullopt);
  chainShapes_.assign(count, {});
  std::vector<Shape> inputs(count);
  for (size_t q = 0; q < count; ++q) {
    const Projection &projection = net_.projections[q];
    if (projection.geometry.empty() || projection.rule ||
        biasOnAffine(projection.post))
      continue;
    const Population &pre = net_.populations[projection.pre];
    const Population &post = net_.populations[projection.post];
    std::vector<double> weight =
        floatWeights(projection, pre, floatNeuron(post), post.size);
    chains_[q] = chainScale(projection, weight, pre.size, chainShapes_[q]);
    if (chains_[q])
      for (double e : projection.geometry[0].arrays.at("shape").values)
        inputs[q].push_back(int64_t(e));
  }
  // NIR checks shapes along every edge and reshapes only by Flatten: a
  // population is (c, h, w) when it is an Input a chain reads so, or when
  // every projection into it is a chain giving that shape; a chain whose
  // input shape its pre population does not have goes out flat. Dropping
  // one may change its post's shape, so until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    shapes_.clear();
    for (const Population &p : net_.populations)
      shapes_.push_back({int64_t(p.size)});
    for (size_t q = 0; q < count; ++q) {
      const size_t pre = net_.projections[q].pre;
      if (chains_[q] && inputs[q].size() > 1 && shapes_[pre].size() == 1 &&
          net_.populations[pre].kind == PopulationKind::Input)
        shapes_[pre] = inputs[q];
    }
    for (size_t p = 0; p < net_.populations.size(); ++p) {
      std::optional<Shape> shape;
      bool agree = net_.populations[p].kind != PopulationKind::Input;
      for (size_t q = 0; q < count; ++q) {
        if (net_.projections[q].post != p)
          continue;
        agree = agree && chains_[q] && (!shape || *shape == chainShapes_[q]);
        shape = chainShapes_[q];
      }
      if (agree && shape && shape->size() > 1)
        shapes_[p] = *shape;
    }
    for (size_t q = 0; q < count; ++q)
      if (chains_[q] && shapes_[net_.projections[q].pre] != inputs[q]) {
        chains_[q] = std::nullopt;
        changed = true;
      }
  }
}

StatusOr<std::string> Exporter::writeFlatten(hid_t nodes,
                                              const std::string &from,
                                              const Shape &shape) {
  const std::string name = unique(from + "_flatten");
  StatusOr<Handle> node = createGroup(nodes, name);
  if (!node)
    return node.status();
  const hid_t g = node->get();
  Status s = all({writeString(g, "type", "Flatten"),
                  writeInts(g, "start_dim", {0}, {}),
                  writeInts(g, "end_dim", {-1}, {}),
                  writeInts(g, "input_type", shape, {int64_t(shape.size())})});
  if (!s)
    return s;
  edges_.emplace_back(from, name);
  return name;
}

Status Exporter::writeChain(hid_t nodes, size_t index, double scale) {
  const Projection &q = net_.projections[index];
  const std::string &preKey = keys_[q.pre], &postKey = keys_[q.post];
  const std::string base = unique(preKey + "_to_" + postKey);
  std::string last = preKey;
  bool scaled = false;
  for (size_t k = 1; k < q.geometry.size(); ++k) {
    const GeometryNode &geometry = q.geometry[k];
    const std::string name = k == 1 ? base : unique(base + "_" + std::to_string(k));
    StatusOr<Handle> node = createGroup(nodes, name);
    if (!node)
      return node.status();
    const hid_t g = node->get();
    Status s = writeString(g, "type", geometry.type);
    for (const auto &[key, text] : geometry.texts)
      if (s)
        s = writeString(g, key, text);
    for (const auto &[key, array] : geometry.arrays) {
      if (!s)
        break;
      std::vector<double> values = array.values;
      // The chain carries the weights' factor once; biases live in the
      // post population's parameters.
      if (key == "weight" && !scaled)
        for (double &v : values)
          v *= scale;
      if (key == "bias")
        std::fill(values.begin(), values.end(), 0.0);
      std::vector<int64_t> ints(values.begin(), values.end());
      s = isReal(key) ? writeDoubles(g, key, values, array.shape)
                      : writeInts(g, key, ints, array.shape);
    }
    scaled = scaled || geometry.arrays.count("weight");
    if (s && k == 1) {
      StatusOr<Handle> meta = createGroup(g, "metadata");
      if (!meta)
        return meta.status();
      const size_t rows = net_.populations[q.post].size;
      s = writeWeightMetadata(
          meta->get(), q,
          {int64_t(rows), int64_t(net_.populations[q.pre].size)});
    }
    if (!s)
      return s;
    edges_.emplace_back(last, name);
    last = name;
  }
  // A flat post after a chain ending in (c, h, w).
  if (chainShapes_[index].size() > 1 && shapes_[q.post].size() == 1) {
    StatusOr<std::string> flat = writeFlatten(nodes, last, chainShapes_[index]);
    if (!flat)
      return flat.status();
    last = *flat;
  }
  if (q.delay == 0) {
    edges_.emplace_back(last, postKey);
    return Status::success();
  }
  return writeDelay(nodes, last, postKey, q.delay, shapes_[q.post]);
}

Status Exporter::writeDelay(hid_t nodes, const std::string &from,
                            const std::string &to, int delay,
                            const Shape &shape) {
  const std::string name = unique(from + "_delay");
  StatusOr<Handle> node = createGroup(nodes, name);
  if (!node)
    return node.status();
  Status s = writeString(node->get(), "type", "Delay");
  if (s)
    s = writeDoubles(node->get(), "delay",
                     filled(elements(shape), double(delay) * dt_), shape);
  edges_.emplace_back(from, name);
  edges_.emplace_back(name, to);
  return s;
}

Status Exporter::writeOutputMetadata(hid_t m, size_t size) const {
  Status s = writeString(m, "engram_decode",
                         net_.output.decode == Decode::Rate ? "rate" : "last");
  if (s && !net_.output.scale.empty())
    s = writeDoubles(m, "engram_scale", net_.output.scale, {int64_t(size)});
  if (s && !net_.output.offset.empty())
    s = writeDoubles(m, "engram_offset", net_.output.offset, {int64_t(size)});
  return s;
}

Status Exporter::writeGraphMetadata(hid_t m) const {
  Status s = writeDoubles(m, "dt", {dt_}, {1});
  if (s)
    s = writeInts(m, "engram_timesteps", {net_.timesteps}, {1});
  // The time constants written are forward Euler's: dt/tau = dv.
  if (s)
    s = writeString(m, "engram_integration", "euler");
  if (s)
    s = writeString(m, "engram_name", net_.name);
  if (s)
    s = writeString(m, "engram_producer", producer_);
  return s;
}

StatusOr<NirExport> Exporter::run() {
  if (Status status = net_.validate(); !status)
    return status;
  assignKeys();
  if (Status s = checkInputs(); !s)
    return s;
  biasPlaced_.assign(net_.populations.size(), false);

  StatusOr<Handle> file = createMemoryFile();
  if (!file)
    return file.status();
  if (Status s = writeString(file->get(), "version", kNirVersion); !s)
    return s;
  StatusOr<Handle> graph = createGroup(file->get(), "node");
  if (!graph)
    return graph.status();
  StatusOr<Handle> nodes = createGroup(graph->get(), "nodes");
  if (!nodes)
    return nodes.status();
  if (Status s = writeNodes(nodes->get()); !s)
    return s;

  const Population &probed = net_.populations[net_.output.population];
  const std::string output = unique("output");
  StatusOr<Handle> out = createGroup(nodes->get(), output);
  if (!out)
    return out.status();
  Status s = writeString(out->get(), "type", "Output");
  const Shape &outShape = shapeOf(probed);
  if (s)
    s = writeInts(out->get(), "shape", outShape,
                  {int64_t(outShape.size())});
  StatusOr<Handle> outMeta = createGroup(out->get(), "metadata");
  if (!outMeta)
    return outMeta.status();
  if (s)
    s = writeOutputMetadata(outMeta->get(), probed.size);
  edges_.emplace_back(keys_[net_.output.population], output);

  if (s)
    s = writeString(graph->get(), "type", "NIRGraph");
  if (s)
    s = writeEdges(graph->get(), edges_);
  StatusOr<Handle> meta = createGroup(graph->get(), "metadata");
  if (!meta)
    return meta.status();
  if (s)
    s = writeGraphMetadata(meta->get());
  if (!s)
    return s;
  StatusOr<std::string> bytes = fileImage(file->get());
  if (!bytes)
    return bytes.status();
  result_.bytes = std::move(*bytes);
  return std::move(result_);
}

} // namespace

StatusOr<NirExport> exportNir(const Network &network,
                              const std::string &producer) {
  return Exporter(network, producer).run();
}

} // namespace engram::nir

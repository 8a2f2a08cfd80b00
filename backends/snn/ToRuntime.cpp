//===- ToRuntime.cpp - snn.network → the simulator's network --------------===//
//
// Populations are numbered in the order they appear; projections keep their
// order too, so that the simulator's messages ("projection 3 (z -> raw)")
// point at the IR. Sparse projections become dense ones with zeros, which
// the simulator skips when it counts synaptic operations.
//
//===----------------------------------------------------------------------===//

#include "backends/snn/ToRuntime.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::snn;
namespace rs = ::engram::runtime::snn;

namespace {

std::vector<double> doubles(ElementsAttr attr, size_t size, double fill) {
  if (!attr)
    return std::vector<double>(size, fill);
  std::vector<double> values;
  for (APFloat v : attr.getValues<APFloat>())
    values.push_back(v.convertToDouble());
  return values;
}

std::vector<double> optionalDoubles(std::optional<ElementsAttr> attr) {
  return attr ? doubles(*attr, 0, 0) : std::vector<double>();
}

/// A projection's geometry (verified: dictionaries of float tensors and
/// strings) in the runtime's form.
std::vector<rs::GeometryNode> geometryOf(std::optional<ArrayAttr> attr) {
  std::vector<rs::GeometryNode> nodes;
  if (!attr)
    return nodes;
  for (Attribute element : *attr) {
    rs::GeometryNode node;
    for (NamedAttribute entry : cast<DictionaryAttr>(element)) {
      const std::string key = entry.getName().str();
      if (auto text = dyn_cast<StringAttr>(entry.getValue())) {
        (key == "type" ? node.type : node.texts[key]) = text.str();
        continue;
      }
      auto tensor = cast<DenseElementsAttr>(entry.getValue());
      rs::GeometryNode::Array &array = node.arrays[key];
      array.values = doubles(tensor, 0, 0);
      array.shape.assign(tensor.getType().getShape().begin(),
                         tensor.getType().getShape().end());
    }
    nodes.push_back(std::move(node));
  }
  return nodes;
}

std::vector<int32_t> integers(ElementsAttr attr) {
  std::vector<int32_t> values;
  for (APInt v : attr.getValues<APInt>())
    values.push_back(static_cast<int32_t>(v.getSExtValue()));
  return values;
}

} // namespace

namespace {

/// One function per op kind: populations in the order they appear, then
/// the projections and the probe.
class Translator {
public:
  explicit Translator(NetworkOp network) : network(network) {}
  FailureOr<rs::Network> run();

private:
  LogicalResult population(Operation &op);
  void fill(InputOp op, rs::Population &p);
  void fill(GradedOp op, rs::Population &p);
  void fill(IfOp op, rs::Population &p);
  void fill(LifOp op, rs::Population &p);
  void fill(LiOp op, rs::Population &p);
  void fill(LifFixedOp op, rs::Population &p);
  LogicalResult projection(Operation &op);
  /// The endpoints of a projection into `q`, with its size checked.
  LogicalResult endpoints(Operation *op, Value pre, Value post,
                          rs::Projection &q);
  LogicalResult fill(DenseOp op, rs::Projection &q);
  LogicalResult fill(SparseOp op, rs::Projection &q);
  LogicalResult fill(PlasticOp op, rs::Projection &q);
  FailureOr<rs::LearningRule> rule(PlasticOp op);
  void probe(ProbeOp op);

  NetworkOp network;
  rs::Network result;
  llvm::DenseMap<Value, size_t> index;
};

FailureOr<rs::Network> Translator::run() {
  if (failed(verify(network)))
    return failure();
  result.name = network.getSymName().str();
  result.timesteps = static_cast<int>(network.getTimesteps());
  result.inputWidth = static_cast<size_t>(network.getInputWidth());
  for (Operation &op : network.getBody().front())
    if (failed(population(op)))
      return failure();
  for (Operation &op : network.getBody().front())
    if (failed(projection(op)))
      return failure();
  if (::engram::runtime::Status status = result.validate(); !status.ok())
    return network.emitOpError() << status.message();
  return std::move(result);
}

LogicalResult Translator::population(Operation &op) {
  auto name = op.getAttrOfType<StringAttr>("name");
  if (!name || op.getNumResults() != 1)
    return success();
  rs::Population p;
  p.name = name.str();
  p.size = static_cast<size_t>(
      cast<PopulationType>(op.getResult(0).getType()).getSize());
  if (::engram::runtime::Status s =
          rs::checkPopulationSize(p.size, "the population");
      !s)
    return op.emitOpError(s.message());
  bool known = llvm::TypeSwitch<Operation *, bool>(&op)
                   .Case<InputOp, GradedOp, IfOp, LifOp, LiOp, LifFixedOp>(
                       [&](auto typed) {
                         fill(typed, p);
                         return true;
                       })
                   .Default([](Operation *) { return false; });
  if (!known)
    return op.emitOpError("has no simulator form");
  index[op.getResult(0)] = result.populations.size();
  result.populations.push_back(std::move(p));
  return success();
}

void Translator::fill(InputOp input, rs::Population &p) {
  p.kind = rs::PopulationKind::Input;
  p.encoding = input.getEncoding() == Encoding::Rate    ? rs::Encoding::Rate
               : input.getEncoding() == Encoding::Spike ? rs::Encoding::Spike
                                                        : rs::Encoding::Graded;
  if (input.getDelta())
    p.delta = input.getDelta()->convertToDouble();
  p.inputOffset = static_cast<size_t>(input.getOffset());
  p.gain = doubles(input.getGain(), p.size, 1.0);
}

void Translator::fill(GradedOp graded, rs::Population &p) {
  p.kind = rs::PopulationKind::Graded;
  p.activation = graded.getActivation() == Activation::Relu
                     ? rs::Activation::Relu
                     : rs::Activation::Linear;
  p.bias = optionalDoubles(graded.getBias());
  if (graded.getDelta())
    p.delta = graded.getDelta()->convertToDouble();
}

void Translator::fill(IfOp neuron, rs::Population &p) {
  p.kind = rs::PopulationKind::If;
  p.vth = neuron.getVth().convertToDouble();
  p.resetSubtract = neuron.getReset() == Reset::Subtract;
  p.bias = optionalDoubles(neuron.getBias());
}

void Translator::fill(LifOp lif, rs::Population &p) {
  p.kind = rs::PopulationKind::Lif;
  p.du = lif.getDu().convertToDouble();
  p.dv = lif.getDv().convertToDouble();
  p.vth = lif.getVth().convertToDouble();
  p.bias = optionalDoubles(lif.getBias());
  p.vReset = optionalDoubles(lif.getVReset());
}

void Translator::fill(LiOp li, rs::Population &p) {
  p.kind = rs::PopulationKind::Li;
  p.du = li.getDu().convertToDouble();
  p.dv = li.getDv().convertToDouble();
  p.bias = optionalDoubles(li.getBias());
}

void Translator::fill(LifFixedOp fixed, rs::Population &p) {
  p.kind = rs::PopulationKind::LifFixed;
  p.fixed.du = static_cast<int>(fixed.getDu());
  p.fixed.dv = static_cast<int>(fixed.getDv());
  p.fixed.vth = static_cast<int32_t>(fixed.getVth());
  if (fixed.getBiasMant()) {
    p.fixed.biasMant = integers(*fixed.getBiasMant());
    p.fixed.biasExp = integers(*fixed.getBiasExp());
  }
}

LogicalResult Translator::projection(Operation &op) {
  if (auto p = dyn_cast<ProbeOp>(op)) {
    probe(p);
    return success();
  }
  rs::Projection q;
  std::optional<LogicalResult> done =
      llvm::TypeSwitch<Operation *, std::optional<LogicalResult>>(&op)
          .Case<DenseOp, SparseOp, PlasticOp>(
              [&](auto typed) -> std::optional<LogicalResult> {
                return fill(typed, q);
              })
          .Default([](Operation *) { return std::nullopt; });
  if (!done)
    return success(); // a population
  if (failed(*done))
    return failure();
  result.projections.push_back(std::move(q));
  return success();
}

LogicalResult Translator::endpoints(Operation *op, Value pre, Value post,
                                    rs::Projection &q) {
  q.pre = index.lookup(pre);
  q.post = index.lookup(post);
  if (::engram::runtime::Status s = rs::checkProjectionSize(
          result.populations[q.post].size, result.populations[q.pre].size,
          "the projection");
      !s)
    return op->emitOpError(s.message());
  return success();
}

LogicalResult Translator::fill(DenseOp dense, rs::Projection &q) {
  if (failed(endpoints(dense, dense.getPre(), dense.getPost(), q)))
    return failure();
  q.weights = integers(dense.getWeights());
  q.weightExp = static_cast<int>(dense.getExp());
  q.weightBits = static_cast<int>(dense.getBits());
  q.delay = static_cast<int>(dense.getDelay());
  q.latency = static_cast<int>(dense.getLatency());
  q.geometry = geometryOf(dense.getGeometry());
  return success();
}

LogicalResult Translator::fill(SparseOp sparse, rs::Projection &q) {
  if (failed(endpoints(sparse, sparse.getPre(), sparse.getPost(), q)))
    return failure();
  size_t pre = result.populations[q.pre].size;
  q.weights.assign(result.populations[q.post].size * pre, 0);
  std::vector<int32_t> pairs = integers(sparse.getIndices());
  std::vector<int32_t> weights = integers(sparse.getWeights());
  for (size_t k = 0; k < weights.size(); ++k)
    q.weights[pairs[2 * k] * pre + pairs[2 * k + 1]] = weights[k];
  q.weightExp = static_cast<int>(sparse.getExp());
  q.weightBits = static_cast<int>(sparse.getBits());
  q.delay = static_cast<int>(sparse.getDelay());
  q.latency = static_cast<int>(sparse.getLatency());
  q.geometry = geometryOf(sparse.getGeometry());
  return success();
}

LogicalResult Translator::fill(PlasticOp plastic, rs::Projection &q) {
  if (failed(endpoints(plastic, plastic.getPre(), plastic.getPost(), q)))
    return failure();
  q.weights = integers(plastic.getWeights());
  q.weightExp = static_cast<int>(plastic.getExp());
  q.weightBits = static_cast<int>(plastic.getBits());
  q.delay = static_cast<int>(plastic.getDelay());
  q.latency = static_cast<int>(plastic.getLatency());
  q.wMin = plastic.getWMin().convertToDouble();
  q.wMax = plastic.getWMax().convertToDouble();
  if (plastic.getThird())
    q.thirdFactor = index.lookup(plastic.getThird());
  if (auto shift = plastic.getY3Shift())
    q.y3Shift = static_cast<int>(*shift);
  FailureOr<rs::LearningRule> learning = rule(plastic);
  if (failed(learning))
    return failure();
  q.rule = std::move(*learning);
  return success();
}

FailureOr<rs::LearningRule> Translator::rule(PlasticOp plastic) {
  rs::LearningRule rule;
  rule.text = plastic.getRule().str();
  rule.terms.assign(plastic.getRule().getTerms().begin(),
                    plastic.getRule().getTerms().end());
  for (NamedAttribute entry : plastic.getTraces()) {
    auto pair = cast<ArrayAttr>(entry.getValue());
    rs::Trace trace{cast<FloatAttr>(pair[0]).getValueAsDouble(),
                    cast<FloatAttr>(pair[1]).getValueAsDouble()};
    StringRef key = entry.getName().getValue();
    (key == "x1"   ? rule.x1
     : key == "x2" ? rule.x2
     : key == "y1" ? rule.y1
     : key == "y2" ? rule.y2
                   : rule.y3) = trace;
  }
  return rule;
}

void Translator::probe(ProbeOp probe) {
  result.output.population = index.lookup(probe.getPopulation());
  result.output.decode =
      probe.getDecode() == Decode::Rate ? rs::Decode::Rate : rs::Decode::Last;
  result.output.scale = optionalDoubles(probe.getScale());
  result.output.offset = optionalDoubles(probe.getOffset());
}

} // namespace

FailureOr<rs::Network> mlir::snn::toRuntime(NetworkOp network) {
  return Translator(network).run();
}

//===----------------------------------------------------------------------===//
// Runtime network → snn.network
//===----------------------------------------------------------------------===//

namespace {

/// The inverse translation, one function per population and projection
/// kind.
class NetworkBuilder {
public:
  NetworkBuilder(OpBuilder &b, Location loc, const rs::Network &net)
      : b(b), loc(loc), net(net) {}
  FailureOr<NetworkOp> run();

private:
  Value population(const rs::Population &p);
  Value fixedPopulation(const rs::Population &p, PopulationType type);
  void projection(const rs::Projection &q);
  void plastic(const rs::Projection &q, int64_t rows, int64_t cols);
  /// An snn.sparse when at most a quarter of the weights are non-zero;
  /// false otherwise.
  bool sparse(const rs::Projection &q, int64_t rows, int64_t cols);
  ElementsAttr f64(const std::vector<double> &v);
  ElementsAttr i32(ArrayRef<int32_t> v, ArrayRef<int64_t> shape);
  /// `q`'s geometry as the snn dialect holds it; null when it has none.
  ArrayAttr geometry(const rs::Projection &q);
  FloatAttr delta(const rs::Population &p) {
    return p.delta ? b.getF64FloatAttr(*p.delta) : FloatAttr();
  }

  OpBuilder &b;
  Location loc;
  const rs::Network &net;
  std::vector<Value> values;
};

ElementsAttr NetworkBuilder::f64(const std::vector<double> &v) {
  if (v.empty())
    return {};
  auto type = RankedTensorType::get({int64_t(v.size())}, b.getF64Type());
  return DenseElementsAttr::get(type, ArrayRef<double>(v));
}

ArrayAttr NetworkBuilder::geometry(const rs::Projection &q) {
  if (q.geometry.empty())
    return {};
  SmallVector<Attribute> nodes;
  for (const rs::GeometryNode &node : q.geometry) {
    SmallVector<NamedAttribute> entries = {
        b.getNamedAttr("type", b.getStringAttr(node.type))};
    for (const auto &[key, text] : node.texts)
      entries.push_back(b.getNamedAttr(key, b.getStringAttr(text)));
    for (const auto &[key, array] : node.arrays) {
      auto type = RankedTensorType::get(array.shape, b.getF64Type());
      entries.push_back(b.getNamedAttr(
          key, DenseElementsAttr::get(type, ArrayRef<double>(array.values))));
    }
    nodes.push_back(b.getDictionaryAttr(entries));
  }
  return b.getArrayAttr(nodes);
}

ElementsAttr NetworkBuilder::i32(ArrayRef<int32_t> v, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, b.getI32Type());
  return DenseElementsAttr::get(type, v);
}

FailureOr<NetworkOp> NetworkBuilder::run() {
  if (::engram::runtime::Status status = net.validate(); !status.ok())
    return emitError(loc) << status.message();
  std::string name = net.name.empty() ? "network" : net.name;
  auto network = NetworkOp::create(b, loc, name, Profile::Generic,
                                   net.timesteps, int64_t(net.inputWidth));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&network.getBody().front());
  for (const rs::Population &p : net.populations)
    values.push_back(population(p));
  for (const rs::Projection &q : net.projections)
    projection(q);
  ProbeOp::create(b, loc, values[net.output.population],
                  net.output.decode == rs::Decode::Rate ? Decode::Rate
                                                        : Decode::Last,
                  f64(net.output.scale), f64(net.output.offset));
  if (failed(verify(network)))
    return failure();
  return network;
}

Value NetworkBuilder::population(const rs::Population &p) {
  auto type = PopulationType::get(b.getContext(), int64_t(p.size));
  switch (p.kind) {
  case rs::PopulationKind::Input:
    return InputOp::create(b, loc, type, p.name,
                           p.encoding == rs::Encoding::Rate    ? Encoding::Rate
                           : p.encoding == rs::Encoding::Spike ? Encoding::Spike
                                                               : Encoding::Graded,
                           int64_t(p.inputOffset), f64(p.gain), delta(p));
  case rs::PopulationKind::Graded:
    return GradedOp::create(b, loc, type, p.name,
                            p.activation == rs::Activation::Relu
                                ? Activation::Relu
                                : Activation::Linear,
                            f64(p.bias), delta(p));
  case rs::PopulationKind::If:
    return IfOp::create(b, loc, type, p.name,
                        p.resetSubtract ? Reset::Subtract : Reset::Zero,
                        llvm::APFloat(p.vth), f64(p.bias));
  case rs::PopulationKind::Lif:
    return LifOp::create(b, loc, type, p.name, llvm::APFloat(p.du),
                         llvm::APFloat(p.dv), llvm::APFloat(p.vth),
                         f64(p.bias), f64(p.vReset));
  case rs::PopulationKind::Li:
    return LiOp::create(b, loc, type, p.name, llvm::APFloat(p.du),
                        llvm::APFloat(p.dv), f64(p.bias));
  case rs::PopulationKind::LifFixed:
    return fixedPopulation(p, type);
  }
  llvm_unreachable("unknown population kind");
}

Value NetworkBuilder::fixedPopulation(const rs::Population &p, PopulationType type) {
  ElementsAttr mant, exps;
  if (!p.fixed.biasMant.empty()) {
    mant = i32(p.fixed.biasMant, {int64_t(p.size)});
    exps = i32(p.fixed.biasExp, {int64_t(p.size)});
  }
  return LifFixedOp::create(b, loc, type, p.name, p.fixed.du, p.fixed.dv,
                            p.fixed.vth, mant, exps);
}

void NetworkBuilder::projection(const rs::Projection &q) {
  const int64_t rows = int64_t(net.populations[q.post].size);
  const int64_t cols = int64_t(net.populations[q.pre].size);
  if (q.rule)
    return plastic(q, rows, cols);
  if (sparse(q, rows, cols))
    return;
  DenseOp::create(b, loc, values[q.pre], values[q.post],
                  i32(q.weights, {rows, cols}), q.weightExp, q.weightBits,
                  q.delay, q.latency, geometry(q));
}

void NetworkBuilder::plastic(const rs::Projection &q, int64_t rows, int64_t cols) {
  SmallVector<NamedAttribute> traces;
  auto trace = [&](const char *key, const rs::Trace &t) {
    if (t.impulse != 0 || t.decay != 0)
      traces.push_back(b.getNamedAttr(
          key, b.getArrayAttr({b.getF64FloatAttr(t.impulse),
                               b.getF64FloatAttr(t.decay)})));
  };
  trace("x1", q.rule->x1);
  trace("x2", q.rule->x2);
  trace("y1", q.rule->y1);
  trace("y2", q.rule->y2);
  trace("y3", q.rule->y3);
  PlasticOp::create(
      b, loc, values[q.pre], values[q.post],
      q.thirdFactor ? values[*q.thirdFactor] : Value(),
      i32(q.weights, {rows, cols}), b.getI64IntegerAttr(q.weightExp),
      b.getI64IntegerAttr(q.weightBits), b.getI64IntegerAttr(q.delay),
      RuleAttr::get(b.getContext(), q.rule->terms), b.getDictionaryAttr(traces),
      b.getF64FloatAttr(q.wMin), b.getF64FloatAttr(q.wMax),
      q.y3Shift ? b.getI64IntegerAttr(*q.y3Shift) : IntegerAttr(),
      b.getI64IntegerAttr(q.latency));
}

bool NetworkBuilder::sparse(const rs::Projection &q, int64_t rows, int64_t cols) {
  SmallVector<int32_t> pairs, nonzero;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      if (int32_t w = q.weights[i * cols + j]) {
        pairs.append({int32_t(i), int32_t(j)});
        nonzero.push_back(w);
      }
  if (nonzero.empty() || nonzero.size() * 4 > q.weights.size())
    return false;
  SparseOp::create(b, loc, values[q.pre], values[q.post],
                   i32(pairs, {int64_t(nonzero.size()), 2}),
                   i32(nonzero, {int64_t(nonzero.size())}), q.weightExp,
                   q.weightBits, q.delay, q.latency, geometry(q));
  return true;
}

} // namespace

FailureOr<NetworkOp> mlir::snn::fromRuntime(OpBuilder &b, Location loc,
                                            const rs::Network &net) {
  return NetworkBuilder(b, loc, net).run();
}

FailureOr<rs::Network> mlir::snn::toRuntime(ModuleOp module) {
  NetworkOp found;
  module.walk([&](NetworkOp op) {
    found = op;
    return WalkResult::interrupt();
  });
  if (!found)
    return module.emitError() << "the module has no snn.network to export";
  return toRuntime(found);
}

OwningOpRef<ModuleOp> mlir::snn::wrapNetwork(MLIRContext &context,
                                             const rs::Network &network,
                                             StringRef path) {
  Location loc = FileLineColLoc::get(&context, path, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b(&context);
  b.setInsertionPointToStart(module->getBody());
  if (failed(fromRuntime(b, loc, network)))
    return nullptr;
  return module;
}

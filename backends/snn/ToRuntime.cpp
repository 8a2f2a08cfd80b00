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

std::vector<int32_t> integers(ElementsAttr attr) {
  std::vector<int32_t> values;
  for (APInt v : attr.getValues<APInt>())
    values.push_back(static_cast<int32_t>(v.getSExtValue()));
  return values;
}

} // namespace

FailureOr<rs::Network> mlir::snn::toRuntime(NetworkOp network) {
  if (failed(verify(network)))
    return failure();
  rs::Network result;
  result.name = network.getSymName().str();
  result.timesteps = static_cast<int>(network.getTimesteps());
  result.inputWidth = static_cast<size_t>(network.getInputWidth());
  llvm::DenseMap<Value, size_t> index;

  for (Operation &op : network.getBody().front()) {
    auto name = op.getAttrOfType<StringAttr>("name");
    if (!name || op.getNumResults() != 1)
      continue;
    rs::Population p;
    p.name = name.str();
    p.size = static_cast<size_t>(
        cast<PopulationType>(op.getResult(0).getType()).getSize());
    if (::engram::runtime::Status s = rs::checkPopulationSize(p.size, "the population"); !s)
      return op.emitOpError(s.message());
    if (auto input = dyn_cast<InputOp>(op)) {
      p.kind = rs::PopulationKind::Input;
      p.encoding = input.getEncoding() == Encoding::Rate ? rs::Encoding::Rate
                   : input.getEncoding() == Encoding::Spike
                       ? rs::Encoding::Spike
                       : rs::Encoding::Graded;
      if (input.getDelta())
        p.delta = input.getDelta()->convertToDouble();
      p.inputOffset = static_cast<size_t>(input.getOffset());
      p.gain = doubles(input.getGain(), p.size, 1.0);
    } else if (auto graded = dyn_cast<GradedOp>(op)) {
      p.kind = rs::PopulationKind::Graded;
      p.activation = graded.getActivation() == Activation::Relu
                         ? rs::Activation::Relu
                         : rs::Activation::Linear;
      p.bias = optionalDoubles(graded.getBias());
      if (graded.getDelta())
        p.delta = graded.getDelta()->convertToDouble();
    } else if (auto neuron = dyn_cast<IfOp>(op)) {
      p.kind = rs::PopulationKind::If;
      p.vth = neuron.getVth().convertToDouble();
      p.resetSubtract = neuron.getReset() == Reset::Subtract;
      p.bias = optionalDoubles(neuron.getBias());
    } else if (auto lif = dyn_cast<LifOp>(op)) {
      p.kind = rs::PopulationKind::Lif;
      p.du = lif.getDu().convertToDouble();
      p.dv = lif.getDv().convertToDouble();
      p.vth = lif.getVth().convertToDouble();
      p.bias = optionalDoubles(lif.getBias());
    } else if (auto fixed = dyn_cast<LifFixedOp>(op)) {
      p.kind = rs::PopulationKind::LifFixed;
      p.fixed.du = static_cast<int>(fixed.getDu());
      p.fixed.dv = static_cast<int>(fixed.getDv());
      p.fixed.vth = static_cast<int32_t>(fixed.getVth());
      if (fixed.getBiasMant()) {
        p.fixed.biasMant = integers(*fixed.getBiasMant());
        p.fixed.biasExp = integers(*fixed.getBiasExp());
      }
    } else {
      return op.emitOpError("has no simulator form");
    }
    index[op.getResult(0)] = result.populations.size();
    result.populations.push_back(std::move(p));
  }

  for (Operation &op : network.getBody().front()) {
    rs::Projection q;
    auto endpoints = [&](Value pre, Value post) {
      q.pre = index.lookup(pre);
      q.post = index.lookup(post);
      return rs::checkProjectionSize(result.populations[q.post].size,
                                     result.populations[q.pre].size,
                                     "the projection");
    };
    if (auto dense = dyn_cast<DenseOp>(op)) {
      if (::engram::runtime::Status s = endpoints(dense.getPre(), dense.getPost()); !s)
        return op.emitOpError(s.message());
      q.weights = integers(dense.getWeights());
      q.weightExp = static_cast<int>(dense.getExp());
      q.weightBits = static_cast<int>(dense.getBits());
      q.delay = static_cast<int>(dense.getDelay());
    } else if (auto sparse = dyn_cast<SparseOp>(op)) {
      if (::engram::runtime::Status s = endpoints(sparse.getPre(), sparse.getPost()); !s)
        return op.emitOpError(s.message());
      size_t pre = result.populations[q.pre].size;
      q.weights.assign(result.populations[q.post].size * pre, 0);
      std::vector<int32_t> pairs = integers(sparse.getIndices());
      std::vector<int32_t> weights = integers(sparse.getWeights());
      for (size_t k = 0; k < weights.size(); ++k)
        q.weights[pairs[2 * k] * pre + pairs[2 * k + 1]] = weights[k];
      q.weightExp = static_cast<int>(sparse.getExp());
      q.weightBits = static_cast<int>(sparse.getBits());
      q.delay = static_cast<int>(sparse.getDelay());
    } else if (auto plastic = dyn_cast<PlasticOp>(op)) {
      if (::engram::runtime::Status s = endpoints(plastic.getPre(), plastic.getPost()); !s)
        return op.emitOpError(s.message());
      q.weights = integers(plastic.getWeights());
      q.weightExp = static_cast<int>(plastic.getExp());
      q.weightBits = static_cast<int>(plastic.getBits());
      q.delay = static_cast<int>(plastic.getDelay());
      q.wMin = plastic.getWMin().convertToDouble();
      q.wMax = plastic.getWMax().convertToDouble();
      if (plastic.getThird())
        q.thirdFactor = index.lookup(plastic.getThird());
      auto terms = rs::parseRule(plastic.getRule().str());
      if (!terms.ok())
        return plastic.emitOpError() << terms.status().message();
      rs::LearningRule rule;
      rule.text = plastic.getRule().str();
      rule.terms = std::move(*terms);
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
      q.rule = std::move(rule);
    } else if (auto probe = dyn_cast<ProbeOp>(op)) {
      result.output.population = index.lookup(probe.getPopulation());
      result.output.decode = probe.getDecode() == Decode::Rate
                                 ? rs::Decode::Rate
                                 : rs::Decode::Last;
      result.output.scale = optionalDoubles(probe.getScale());
      result.output.offset = optionalDoubles(probe.getOffset());
      continue;
    } else {
      continue;
    }
    result.projections.push_back(std::move(q));
  }
  if (::engram::runtime::Status status = result.validate(); !status.ok())
    return network.emitOpError() << status.message();
  return result;
}

//===----------------------------------------------------------------------===//
// Runtime network → snn.network
//===----------------------------------------------------------------------===//

FailureOr<NetworkOp> mlir::snn::fromRuntime(OpBuilder &b, Location loc,
                                            const rs::Network &net) {
  if (::engram::runtime::Status status = net.validate(); !status.ok())
    return emitError(loc) << status.message();
  std::string name = net.name.empty() ? "network" : net.name;
  auto network = NetworkOp::create(b, loc, name, Profile::Generic,
                                   net.timesteps, int64_t(net.inputWidth));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&network.getBody().front());
  auto f64 = [&](const std::vector<double> &v) -> ElementsAttr {
    if (v.empty())
      return {};
    auto type = RankedTensorType::get({int64_t(v.size())}, b.getF64Type());
    return DenseElementsAttr::get(type, ArrayRef<double>(v));
  };
  auto i32 = [&](ArrayRef<int32_t> v, ArrayRef<int64_t> shape) -> ElementsAttr {
    auto type = RankedTensorType::get(shape, b.getI32Type());
    return DenseElementsAttr::get(type, v);
  };
  auto delta = [&](const rs::Population &p) -> FloatAttr {
    return p.delta ? b.getF64FloatAttr(*p.delta) : FloatAttr();
  };

  std::vector<Value> values;
  for (const rs::Population &p : net.populations) {
    auto type = PopulationType::get(b.getContext(), int64_t(p.size));
    Value value;
    switch (p.kind) {
    case rs::PopulationKind::Input:
      value = InputOp::create(b, loc, type, p.name,
                              p.encoding == rs::Encoding::Rate ? Encoding::Rate
                              : p.encoding == rs::Encoding::Spike
                                  ? Encoding::Spike
                                  : Encoding::Graded,
                              int64_t(p.inputOffset), f64(p.gain), delta(p));
      break;
    case rs::PopulationKind::Graded:
      value = GradedOp::create(b, loc, type, p.name,
                               p.activation == rs::Activation::Relu
                                   ? Activation::Relu
                                   : Activation::Linear,
                               f64(p.bias), delta(p));
      break;
    case rs::PopulationKind::If:
      value = IfOp::create(b, loc, type, p.name,
                           p.resetSubtract ? Reset::Subtract : Reset::Zero,
                           llvm::APFloat(p.vth), f64(p.bias));
      break;
    case rs::PopulationKind::Lif:
      value =
          LifOp::create(b, loc, type, p.name, llvm::APFloat(p.du),
                        llvm::APFloat(p.dv), llvm::APFloat(p.vth), f64(p.bias));
      break;
    case rs::PopulationKind::LifFixed: {
      ElementsAttr mant, exps;
      if (!p.fixed.biasMant.empty()) {
        mant = i32(p.fixed.biasMant, {int64_t(p.size)});
        exps = i32(p.fixed.biasExp, {int64_t(p.size)});
      }
      value = LifFixedOp::create(b, loc, type, p.name, p.fixed.du, p.fixed.dv,
                                 p.fixed.vth, mant, exps);
      break;
    }
    }
    values.push_back(value);
  }

  for (const rs::Projection &q : net.projections) {
    Value pre = values[q.pre], post = values[q.post];
    const int64_t rows = int64_t(net.populations[q.post].size);
    const int64_t cols = int64_t(net.populations[q.pre].size);
    if (q.rule) {
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
          b, loc, pre, post, q.thirdFactor ? values[*q.thirdFactor] : Value(),
          i32(q.weights, {rows, cols}), b.getI64IntegerAttr(q.weightExp),
          b.getI64IntegerAttr(q.weightBits), b.getI64IntegerAttr(q.delay),
          b.getStringAttr(q.rule->text), b.getDictionaryAttr(traces),
          b.getF64FloatAttr(q.wMin), b.getF64FloatAttr(q.wMax));
      continue;
    }
    SmallVector<int32_t> pairs, nonzero;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        if (int32_t w = q.weights[i * cols + j]) {
          pairs.append({int32_t(i), int32_t(j)});
          nonzero.push_back(w);
        }
    if (!nonzero.empty() && nonzero.size() * 4 <= q.weights.size()) {
      SparseOp::create(b, loc, pre, post,
                       i32(pairs, {int64_t(nonzero.size()), 2}),
                       i32(nonzero, {int64_t(nonzero.size())}), q.weightExp,
                       q.weightBits, q.delay);
      continue;
    }
    DenseOp::create(b, loc, pre, post, i32(q.weights, {rows, cols}),
                    q.weightExp, q.weightBits, q.delay);
  }
  ProbeOp::create(b, loc, values[net.output.population],
                  net.output.decode == rs::Decode::Rate ? Decode::Rate
                                                        : Decode::Last,
                  f64(net.output.scale), f64(net.output.offset));
  if (failed(verify(network)))
    return failure();
  return network;
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

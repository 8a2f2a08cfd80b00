//===- ToRuntime.cpp - snn.network → the simulator's network --------------===//
//
// Populations are numbered in the order they appear; projections keep their
// order too, so that the simulator's messages ("projection 3 (z -> raw)")
// point at the IR. Sparse projections become dense ones with zeros, which
// the simulator skips when it counts synaptic operations.
//
//===----------------------------------------------------------------------===//

#include "backends/snn/ToRuntime.h"

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
    };
    if (auto dense = dyn_cast<DenseOp>(op)) {
      endpoints(dense.getPre(), dense.getPost());
      q.weights = integers(dense.getWeights());
      q.weightExp = static_cast<int>(dense.getExp());
      q.weightBits = static_cast<int>(dense.getBits());
      q.delay = static_cast<int>(dense.getDelay());
    } else if (auto sparse = dyn_cast<SparseOp>(op)) {
      endpoints(sparse.getPre(), sparse.getPost());
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
      endpoints(plastic.getPre(), plastic.getPost());
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

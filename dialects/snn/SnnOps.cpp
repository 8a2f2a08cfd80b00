//===- SnnOps.cpp - snn dialect verifiers ---------------------------------===//
//
// Op verifiers check what holds on any hardware (sizes, ranges that define
// the semantics, traces that a learning rule uses); NetworkOp::verify adds
// the ranges of the network's profile. The learning-rule grammar (which
// #snn.rule parses with) and the Loihi LIF ranges are spiking/'s, shared
// with the simulator, so the compiler and the simulator accept exactly the
// same networks.
//
//===----------------------------------------------------------------------===//

#include "dialects/snn/SnnOps.h"

#include "spiking/LoihiRanges.h"
#include "spiking/Rule.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <set>

using namespace mlir;
using namespace mlir::snn;

#define GET_OP_CLASSES
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/snn/SnnOps.cpp.inc"
#pragma GCC diagnostic pop

static int64_t sizeOf(Value population) {
  return cast<PopulationType>(population.getType()).getSize();
}

/// Checks that `attr` (if present) is a float vector of `size` elements.
static LogicalResult checkVector(Operation *op, ElementsAttr attr,
                                 StringRef what, int64_t size) {
  if (!attr)
    return success();
  auto type = dyn_cast<ShapedType>(attr.getType());
  if (!type || !isa<FloatType>(type.getElementType()) || type.getRank() != 1 ||
      type.getNumElements() != size)
    return op->emitOpError() << "'" << what << "' must be a vector of " << size
                             << " floats, one per neuron";
  return success();
}

/// The integers of `attr`, or failure (with a diagnostic) when it does not
/// hold integers of the given shape.
static FailureOr<SmallVector<int64_t>> integers(Operation *op,
                                                ElementsAttr attr,
                                                StringRef what,
                                                ArrayRef<int64_t> shape) {
  auto type = dyn_cast<ShapedType>(attr.getType());
  if (!type || !isa<IntegerType>(type.getElementType()) ||
      type.getShape() != shape) {
    std::string expected;
    llvm::raw_string_ostream os(expected);
    llvm::interleave(shape, os, "x");
    return op->emitOpError() << "'" << what << "' must be a " << expected
                             << " tensor of integers";
  }
  SmallVector<int64_t> values;
  for (APInt value : attr.getValues<APInt>())
    values.push_back(value.getSExtValue());
  return values;
}

static LogicalResult checkName(Operation *op, StringRef name) {
  if (name.empty())
    return op->emitOpError("needs a non-empty name");
  return success();
}

#define SNN_ASM_NAME(Op)                                                       \
  void Op::getAsmResultNames(OpAsmSetValueNameFn setName) {                    \
    setName(getResult(), getName());                                           \
  }
SNN_ASM_NAME(InputOp)
SNN_ASM_NAME(GradedOp)
SNN_ASM_NAME(IfOp)
SNN_ASM_NAME(LifOp)
SNN_ASM_NAME(LiOp)
SNN_ASM_NAME(LifFixedOp)
#undef SNN_ASM_NAME

//===----------------------------------------------------------------------===//
// Populations
//===----------------------------------------------------------------------===//

LogicalResult InputOp::verify() {
  if (failed(checkName(*this, getName())))
    return failure();
  if (getOffset() < 0)
    return emitOpError() << "offset must be at least 0, not " << getOffset();
  if (getDelta() && getEncoding() != Encoding::Graded)
    return emitOpError("only graded sources are sigma-delta coded ('delta')");
  if (getDelta() && !(getDelta()->convertToDouble() >= 0))
    return emitOpError("the sigma-delta threshold 'delta' must be >= 0");
  return checkVector(*this, getGain(), "gain", sizeOf(getResult()));
}

LogicalResult GradedOp::verify() {
  if (failed(checkName(*this, getName())))
    return failure();
  if (getDelta() && !(getDelta()->convertToDouble() >= 0))
    return emitOpError("the sigma-delta threshold 'delta' must be >= 0");
  return checkVector(*this, getBiasAttr(), "bias", sizeOf(getResult()));
}

LogicalResult IfOp::verify() {
  if (failed(checkName(*this, getName())))
    return failure();
  if (!(getVth().convertToDouble() > 0))
    return emitOpError() << "vth must be positive";
  return checkVector(*this, getBiasAttr(), "bias", sizeOf(getResult()));
}

/// The decays of a float LIF or leaky integrator, each in [0, 1].
static LogicalResult checkDecays(Operation *op, APFloat du, APFloat dv) {
  for (auto [what, value] : {std::pair<StringRef, double>{
                                 "du", du.convertToDouble()},
                             {"dv", dv.convertToDouble()}})
    if (!(value >= 0 && value <= 1))
      return op->emitOpError()
             << what << " must be in [0, 1], not " << value;
  return success();
}

LogicalResult LifOp::verify() {
  if (failed(checkName(*this, getName())) ||
      failed(checkDecays(*this, getDu(), getDv())))
    return failure();
  const double vth = getVth().convertToDouble();
  if (!(vth > 0))
    return emitOpError() << "vth must be positive";
  if (failed(checkVector(*this, getBiasAttr(), "bias", sizeOf(getResult()))) ||
      failed(checkVector(*this, getVResetAttr(), "v_reset",
                         sizeOf(getResult()))))
    return failure();
  if (auto reset = getVResetAttr())
    for (llvm::APFloat value : reset.getValues<llvm::APFloat>())
      if (!value.isFinite() || !(value.convertToDouble() < vth))
        return emitOpError() << "v_reset must be below vth (" << vth
                             << "), not " << value.convertToDouble();
  return success();
}

LogicalResult LiOp::verify() {
  if (failed(checkName(*this, getName())) ||
      failed(checkDecays(*this, getDu(), getDv())))
    return failure();
  return checkVector(*this, getBiasAttr(), "bias", sizeOf(getResult()));
}

/// The runtime's form of a fixed-point LIF population (the ranges are the
/// runtime's too).
static FailureOr<engram::spiking::loihi::LifParams> lifParams(LifFixedOp op) {
  engram::spiking::loihi::LifParams params;
  int64_t size = sizeOf(op.getResult());
  params.du = static_cast<int>(op.getDu());
  params.dv = static_cast<int>(op.getDv());
  params.vth = static_cast<int32_t>(op.getVth());
  if (op.getDu() != uint64_t(params.du) || op.getDv() != uint64_t(params.dv) ||
      op.getVth() != uint64_t(params.vth))
    return op.emitOpError("du, dv and vth must fit in 32 bits");
  if (bool(op.getBiasMantAttr()) != bool(op.getBiasExpAttr()))
    return op.emitOpError("needs both bias_mant and bias_exp, or neither");
  if (op.getBiasMantAttr()) {
    auto mant = integers(op, *op.getBiasMant(), "bias_mant", {size});
    auto exp = integers(op, *op.getBiasExp(), "bias_exp", {size});
    if (failed(mant) || failed(exp))
      return failure();
    for (int64_t i = 0; i < size; ++i) {
      params.biasMant.push_back(static_cast<int32_t>((*mant)[i]));
      params.biasExp.push_back(static_cast<int32_t>((*exp)[i]));
    }
  }
  return params;
}

LogicalResult LifFixedOp::verify() {
  if (failed(checkName(*this, getName())))
    return failure();
  auto params = lifParams(*this);
  if (failed(params))
    return failure();
  engram::runtime::Status status = params->validate(sizeOf(getResult()));
  if (!status.ok())
    return emitOpError() << status.message();
  return success();
}

//===----------------------------------------------------------------------===//
// Projections
//===----------------------------------------------------------------------===//

/// Common checks of a projection: integer weights within `bits` magnitude
/// bits (sign apart, as Lava counts them), a sane exponent and delay.
static LogicalResult checkSynapses(Operation *op, ElementsAttr weights,
                                   ArrayRef<int64_t> shape, int64_t exp,
                                   int64_t bits, int64_t delay) {
  if (bits < 1 || bits > 24)
    return op->emitOpError() << "bits must be in 1..24, not " << bits;
  if (exp < -24 || exp > 24)
    return op->emitOpError() << "exp must be in -24..24, not " << exp;
  if (delay < 0)
    return op->emitOpError() << "delay must be at least 0, not " << delay;
  auto values = integers(op, weights, "weights", shape);
  if (failed(values))
    return failure();
  int64_t limit = int64_t(1) << bits;
  for (int64_t w : *values)
    if (w < -limit || w > limit - 1)
      return op->emitOpError()
             << "weight " << w << " does not fit in " << bits << " bits (range "
             << -limit << ".." << limit - 1 << ")";
  return success();
}

static LogicalResult checkNotIntoSource(Operation *op, Value post) {
  if (post.getDefiningOp<InputOp>())
    return op->emitOpError("cannot project into a source (snn.input)");
  return success();
}

/// A latency of 0 or 1; with neither latency nor delay the events arrive
/// within their timestep, so `pre` must update before `post`: be defined
/// earlier in the network.
static LogicalResult checkLatency(Operation *op, Value pre, Value post,
                                  int64_t latency, int64_t delay) {
  if (latency != 0 && latency != 1)
    return op->emitOpError() << "latency must be 0 or 1, not " << latency;
  if (latency + delay != 0)
    return success();
  Operation *from = pre.getDefiningOp(), *to = post.getDefiningOp();
  if (from && to && from != to && from->getBlock() == to->getBlock() &&
      from->isBeforeInBlock(to))
    return success();
  return op->emitOpError("delivers within its timestep (latency 0, no "
                         "delay), so its pre population must be defined "
                         "before its post population (populations update "
                         "in that order); give it a latency or a delay of 1");
}

/// A geometry: dictionaries, each with a `type` string, the first an
/// "Input"; their other entries float tensors or strings.
static LogicalResult checkGeometry(Operation *op, ArrayAttr geometry) {
  if (!geometry)
    return success();
  for (auto [index, element] : llvm::enumerate(geometry)) {
    auto node = dyn_cast<DictionaryAttr>(element);
    auto type = node ? node.getAs<StringAttr>("type") : StringAttr();
    if (!type)
      return op->emitOpError() << "geometry entry " << index
                               << " is not a dictionary with a 'type' string";
    if ((index == 0) != (type.getValue() == "Input"))
      return op->emitOpError("geometry starts with one \"Input\" entry");
    for (NamedAttribute entry : node) {
      auto tensor = dyn_cast<DenseElementsAttr>(entry.getValue());
      if (!isa<StringAttr>(entry.getValue()) &&
          !(tensor && isa<FloatType>(tensor.getElementType())))
        return op->emitOpError()
               << "geometry entry " << index << ": '" << entry.getName().str()
               << "' is neither a float tensor nor a string";
    }
  }
  return success();
}

LogicalResult DenseOp::verify() {
  if (failed(checkNotIntoSource(*this, getPost())) ||
      failed(checkLatency(*this, getPre(), getPost(), getLatency(),
                          getDelay())) ||
      failed(checkGeometry(*this, getGeometryAttr())))
    return failure();
  return checkSynapses(*this, getWeights(),
                       {sizeOf(getPost()), sizeOf(getPre())}, getExp(),
                       getBits(), getDelay());
}

LogicalResult SparseOp::verify() {
  if (failed(checkNotIntoSource(*this, getPost())) ||
      failed(checkLatency(*this, getPre(), getPost(), getLatency(),
                          getDelay())) ||
      failed(checkGeometry(*this, getGeometryAttr())))
    return failure();
  auto type = cast<ShapedType>(getWeights().getType());
  if (type.getRank() != 1)
    return emitOpError("'weights' must be a vector of integers");
  int64_t count = type.getNumElements();
  if (failed(checkSynapses(*this, getWeights(), {count}, getExp(), getBits(),
                           getDelay())))
    return failure();
  auto indices = integers(*this, getIndices(), "indices", {count, 2});
  if (failed(indices))
    return failure();
  std::set<std::pair<int64_t, int64_t>> seen;
  for (int64_t k = 0; k < count; ++k) {
    int64_t post = (*indices)[2 * k], pre = (*indices)[2 * k + 1];
    if (post < 0 || post >= sizeOf(getPost()) || pre < 0 ||
        pre >= sizeOf(getPre()))
      return emitOpError() << "synapse " << k << " (" << post << ", " << pre
                           << ") is outside the " << sizeOf(getPost()) << "x"
                           << sizeOf(getPre()) << " populations";
    if (!seen.insert({post, pre}).second)
      return emitOpError() << "synapse (" << post << ", " << pre
                           << ") is listed twice";
  }
  return success();
}

/// The trace parameters of a plastic projection, keyed x1 x2 y1 y2 y3.
static FailureOr<std::map<std::string, engram::spiking::Trace>>
traceParams(PlasticOp op) {
  std::map<std::string, engram::spiking::Trace> traces;
  for (NamedAttribute entry : op.getTraces()) {
    StringRef name = entry.getName().getValue();
    if (!llvm::is_contained({"x1", "x2", "y1", "y2", "y3"}, name))
      return op.emitOpError()
             << "unknown trace '" << name << "' (x1, x2, y1, y2 or y3)";
    auto pair = dyn_cast<ArrayAttr>(entry.getValue());
    if (!pair || pair.size() != 2 ||
        !llvm::all_of(pair, [](Attribute a) { return isa<FloatAttr>(a); }))
      return op.emitOpError()
             << "trace '" << name << "' must be [impulse, decay], two floats";
    double impulse = cast<FloatAttr>(pair[0]).getValueAsDouble();
    double decay = cast<FloatAttr>(pair[1]).getValueAsDouble();
    if (!(decay >= 0 && decay <= 1) || !std::isfinite(impulse))
      return op.emitOpError()
             << "trace '" << name
             << "' needs a finite impulse and a decay in [0, 1]";
    traces[name.str()] = {impulse, decay};
  }
  return traces;
}

/// Whether `population` sends graded payloads (a graded unit or source).
static bool sendsGraded(Value population) {
  if (population.getDefiningOp<GradedOp>())
    return true;
  auto input = population.getDefiningOp<InputOp>();
  return input && input.getEncoding() == Encoding::Graded;
}

/// A plastic projection that learns in Loihi's integers (`y3_shift`).
static LogicalResult verifyLoihiLearning(PlasticOp op) {
  int64_t shift = *op.getY3Shift();
  if (shift < 0 || shift > 23)
    return op.emitOpError() << "y3_shift must be in 0..23 (payloads have 24 "
                               "bits), not "
                            << shift;
  if (!op.getTraces().empty())
    return op.emitOpError("with y3_shift the traces are Loihi's (x1 from the "
                          "payload, y3 from the third factor): 'traces' must "
                          "be empty");
  if (!op.getThird())
    return op.emitOpError("y3_shift needs a 'third' population, whose "
                          "payloads y3 carries");
  if (!sendsGraded(op.getPre()) || !sendsGraded(op.getThird()))
    return op.emitOpError("with y3_shift the pre and third populations send "
                          "graded payloads, which x1 and y3 take");
  if (sizeOf(op.getThird()) != sizeOf(op.getPost()))
    return op.emitOpError() << "the third-factor population has "
                            << sizeOf(op.getThird())
                            << " neurons; it drives the "
                            << sizeOf(op.getPost())
                            << " post neurons one to one";
  namespace ll = engram::spiking::loihi_learning;
  auto terms = op.getRule().getTerms();
  if (auto status = ll::check(terms.data(), terms.size()); !status)
    return op.emitOpError() << "learning in Loihi's integers (y3_shift): "
                            << status.message();
  if (op.getWMin().convertToDouble() != -ll::kWeightLimit - 1 ||
      op.getWMax().convertToDouble() != ll::kWeightLimit)
    return op.emitOpError("with y3_shift the weights are bounded by Lava's "
                          "range only: w_min = -256, w_max = 255");
  return success();
}

LogicalResult PlasticOp::verify() {
  if (failed(checkNotIntoSource(*this, getPost())) ||
      failed(checkLatency(*this, getPre(), getPost(), getLatency(),
                          getDelay())) ||
      failed(checkSynapses(*this, getWeights(),
                           {sizeOf(getPost()), sizeOf(getPre())}, getExp(),
                           getBits(), getDelay())))
    return failure();
  if (getY3Shift())
    return verifyLoihiLearning(*this);
  auto traces = traceParams(*this);
  if (failed(traces))
    return failure();
  using engram::spiking::RuleFactor;
  for (size_t f = 0; f < engram::spiking::kRuleFactorCount; ++f) {
    RuleFactor factor = RuleFactor(f);
    const char *name = engram::spiking::factorName(factor);
    if (!getRule().uses(factor))
      continue;
    if (factor != RuleFactor::W && !traces->count(name))
      return emitOpError() << "the rule uses " << name
                           << " but 'traces' does not define it";
    if (factor == RuleFactor::Y3 && !getThird())
      return emitOpError("the rule uses y3, which needs a 'third' population");
  }
  if (getThird() && sizeOf(getThird()) != sizeOf(getPost()))
    return emitOpError() << "the third-factor population has "
                         << sizeOf(getThird()) << " neurons; it drives the "
                         << sizeOf(getPost()) << " post neurons one to one";
  if (!(getWMin().convertToDouble() <= getWMax().convertToDouble()))
    return emitOpError("w_min must not exceed w_max");
  return success();
}

LogicalResult ProbeOp::verify() {
  int64_t size = sizeOf(getPopulation());
  if (failed(checkVector(*this, getScaleAttr(), "scale", size)))
    return failure();
  return checkVector(*this, getOffsetAttr(), "offset", size);
}

//===----------------------------------------------------------------------===//
// Network
//===----------------------------------------------------------------------===//

void NetworkOp::build(OpBuilder &builder, OperationState &state, StringRef name,
                      Profile profile, int64_t timesteps, int64_t inputWidth) {
  state.addAttribute(getSymNameAttrName(state.name),
                     builder.getStringAttr(name));
  state.addAttribute(getProfileAttrName(state.name),
                     ProfileAttr::get(builder.getContext(), profile));
  state.addAttribute(getTimestepsAttrName(state.name),
                     builder.getI64IntegerAttr(timesteps));
  state.addAttribute(getInputWidthAttrName(state.name),
                     builder.getI64IntegerAttr(inputWidth));
  state.addRegion()->emplaceBlock();
}

RegionKind NetworkOp::getRegionKind(unsigned) { return RegionKind::Graph; }

static LogicalResult checkLoihi2(Operation *op) {
  auto projection = [&](int64_t exp, int64_t bits, int64_t delay,
                        int64_t latency) -> LogicalResult {
    if (latency != 1)
      return op->emitOpError("loihi2: synapses deliver one timestep later "
                             "(latency 1), not within the timestep");
    if (bits > 8)
      return op->emitOpError()
             << "loihi2: weights have at most 8 bits, not " << bits;
    if (exp < -8 || exp > 7)
      return op->emitOpError()
             << "loihi2: the weight exponent is in -8..7, not " << exp;
    if (delay > 62)
      return op->emitOpError()
             << "loihi2: delays are at most 62 timesteps, not " << delay;
    return success();
  };
  if (isa<LifOp, IfOp, LiOp>(op))
    return op->emitOpError() << "loihi2 runs fixed-point neurons: population '"
                             << op->getAttrOfType<StringAttr>("name").getValue()
                             << "' must be snn.lif_fixed or snn.graded";
  if (auto dense = dyn_cast<DenseOp>(op))
    return projection(dense.getExp(), dense.getBits(), dense.getDelay(),
                      dense.getLatency());
  if (auto sparse = dyn_cast<SparseOp>(op))
    return projection(sparse.getExp(), sparse.getBits(), sparse.getDelay(),
                      sparse.getLatency());
  if (auto plastic = dyn_cast<PlasticOp>(op)) {
    if (failed(projection(plastic.getExp(), plastic.getBits(),
                          plastic.getDelay(), plastic.getLatency())))
      return failure();
    for (const auto &term : plastic.getRule().getTerms())
      if (!term.mantissaExponent || term.mantissaExponent->first < -8 ||
          term.mantissaExponent->first > 7 ||
          term.mantissaExponent->second < -7 ||
          term.mantissaExponent->second > 8)
        return op->emitOpError()
               << "loihi2: learning-rule constants are m*2^e with m in -8..7 "
                  "and e in -7..8, as Lava's rule parser takes them; rewrite "
                  "the constants of '"
               << plastic.getRule().str() << "'";
  }
  return success();
}

static LogicalResult checkSpinnaker(Operation *op) {
  if (isa<LifFixedOp, GradedOp, LiOp>(op))
    return op->emitOpError()
           << "spinnaker: population '"
           << op->getAttrOfType<StringAttr>("name").getValue()
           << "' must be snn.lif or snn.if (no fixed-point or graded neurons)";
  if (auto input = dyn_cast<InputOp>(op))
    if (input.getEncoding() == Encoding::Graded)
      return op->emitOpError() << "spinnaker: source '" << input.getName()
                               << "' must send spikes (rate or spike), not "
                                  "graded events";
  if (auto plastic = dyn_cast<PlasticOp>(op))
    if (plastic.getThird())
      return op->emitOpError("spinnaker: learning rules have no third factor");
  return success();
}

LogicalResult NetworkOp::verifyRegions() {
  if (getTimesteps() < 1)
    return emitOpError() << "timesteps must be at least 1, not "
                         << getTimesteps();
  if (getInputWidth() < 1)
    return emitOpError() << "input_width must be at least 1, not "
                         << getInputWidth();
  llvm::StringSet<> names;
  int probes = 0;
  for (Operation &op : getBody().front()) {
    if (auto name = op.getAttrOfType<StringAttr>("name"))
      if (!names.insert(name.getValue()).second)
        return op.emitOpError()
               << "population name '" << name.getValue() << "' is used twice";
    if (auto input = dyn_cast<InputOp>(op))
      if (input.getOffset() + sizeOf(input.getResult()) > getInputWidth())
        return op.emitOpError()
               << "source '" << input.getName() << "' reads features "
               << input.getOffset() << ".."
               << input.getOffset() + sizeOf(input.getResult()) - 1
               << " of an input of width " << getInputWidth();
    if (isa<ProbeOp>(op))
      ++probes;
    if (getProfile() == Profile::Loihi2 && failed(checkLoihi2(&op)))
      return failure();
    if (getProfile() == Profile::Spinnaker && failed(checkSpinnaker(&op)))
      return failure();
  }
  if (probes != 1)
    return emitOpError() << "needs exactly one snn.probe (the output), not "
                         << probes;
  return success();
}

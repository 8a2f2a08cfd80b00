//===- CellModel.cpp - the cell as the spiking network computes it --------===//
//
// The float64 cell of engram-calibrate-snn (CellModel.h).
//
//===----------------------------------------------------------------------===//

#include "passes/EngramToSnn/CellModel.h"

#include <algorithm>
#include <cmath>

using namespace mlir::engram;
using namespace mlir::engram::snnconv;
namespace rt = ::engram::runtime;

namespace {

Matrix transposed(const rt::WeightTensor &tensor) {
  Matrix m(tensor.shape[1], tensor.shape[0]);
  for (int64_t i = 0; i < tensor.shape[0]; ++i)
    for (int64_t j = 0; j < tensor.shape[1]; ++j)
      m.at(j, i) = tensor.data[i * tensor.shape[1] + j];
  return m;
}

std::vector<double> vectorOf(const rt::WeightTensor *tensor, int64_t size) {
  if (!tensor)
    return std::vector<double>(size, 0.0);
  return std::vector<double>(tensor->data.begin(), tensor->data.end());
}

} // namespace

Cell snnconv::cellOf(const CellPlan &model) {
  Cell c;
  const rt::ModelConfig &config = model.config;
  c.topK = model.topK;
  c.inputDim = config.inputDim;
  c.hidden = config.cell.hiddenDim;
  c.slots = config.cell.memorySize;
  c.eta = config.cell.hebbianLr;
  c.scale = config.cell.scaleFactor;
  c.temperature =
      config.cell.temperature / (1.0 + 10.0 * config.cell.sparsityStrength);
  c.layerNorm = config.cell.useLayerNorm;
  c.encoder = transposed(*model.find("cell.encoder.kernel"));
  c.integrator = transposed(*model.find("cell.integrator.kernel"));
  c.output = transposed(*model.find("cell.output.kernel"));
  c.encoderBias = vectorOf(model.find("cell.encoder.bias"), c.hidden);
  c.integratorBias = vectorOf(model.find("cell.integrator.bias"), 3 * c.hidden);
  c.outputBias = vectorOf(model.find("cell.output.bias"), c.hidden);
  if (c.layerNorm) {
    c.gamma1 = vectorOf(model.find("cell.norm1.gamma"), c.hidden);
    c.beta1 = vectorOf(model.find("cell.norm1.beta"), c.hidden);
    c.gamma2 = vectorOf(model.find("cell.norm2.gamma"), c.hidden);
    c.beta2 = vectorOf(model.find("cell.norm2.beta"), c.hidden);
  }
  std::vector<float> memory = model.bank.dense();
  c.memory = Matrix(c.slots, c.hidden);
  c.memory.data.assign(memory.begin(), memory.end());
  c.traceInit = Matrix(c.slots, c.hidden);
  if (const rt::WeightTensor *init = model.find("cell.trace_init"))
    c.traceInit.data.assign(init->data.begin(), init->data.end());
  for (int64_t i = 0; i < c.slots; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < c.hidden; ++j)
      sum += c.memory.at(i, j) * c.memory.at(i, j);
    c.rowNorm.push_back(std::sqrt(std::max(sum, 1e-12)));
  }
  if (config.hasReadout()) {
    c.classes = config.head.units;
    c.readout = transposed(*model.find("readout.kernel"));
    c.readoutBias = vectorOf(model.find("readout.bias"), c.classes);
  }
  return c;
}

std::vector<double> snnconv::affine(const Matrix &w,
                                    const std::vector<double> &x,
                                    const std::vector<double> &bias) {
  std::vector<double> y(bias);
  for (int64_t i = 0; i < w.rows; ++i)
    for (int64_t j = 0; j < w.cols; ++j)
      y[i] += w.at(i, j) * x[j];
  return y;
}

void snnconv::relu(std::vector<double> &v) {
  for (double &x : v)
    x = std::max(x, 0.0);
}

double snnconv::mean(const std::vector<double> &v) {
  double sum = 0;
  for (double x : v)
    sum += x;
  return sum / double(v.size());
}

double snnconv::stddev(const std::vector<double> &v) {
  double mu = mean(v), sum = 0;
  for (double x : v)
    sum += (x - mu) * (x - mu);
  return std::sqrt(sum / double(v.size()) + kLayerNormEpsilon);
}

double snnconv::norm(const std::vector<double> &v) {
  double sum = 0;
  for (double x : v)
    sum += x * x;
  return std::sqrt(std::max(sum, 1e-12));
}

std::vector<double> snnconv::layerNorm(const std::vector<double> &v,
                                       double sigma,
                                       const std::vector<double> &gamma,
                                       const std::vector<double> &beta) {
  double mu = mean(v);
  std::vector<double> y(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    y[i] = (v[i] - mu) / sigma * gamma[i] + beta[i];
  return y;
}

double snnconv::percentile(std::vector<double> values, double p) {
  if (values.empty())
    return 0;
  size_t index = std::min(
      values.size() - 1, size_t(std::llround(p / 100.0 * (values.size() - 1))));
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

void Forward::run(const double *x, int64_t steps,
                  llvm::function_ref<void(const StepValues &)> observe) const {
  std::vector<double> h(c.hidden, 0.0);
  Matrix trace = c.traceInit;
  for (int64_t t = 0; t < steps; ++t) {
    StepValues s;
    std::vector<double> xt(x + t * c.inputDim, x + (t + 1) * c.inputDim);
    s.zeroRow =
        std::all_of(xt.begin(), xt.end(), [](double v) { return v == 0; });
    encode(xt, s);
    // E = M + s·T, the memory the recall reads.
    Matrix effective = c.memory;
    for (size_t k = 0; k < effective.data.size(); ++k)
      effective.data[k] += c.scale * trace.data[k];
    readMemory(effective, s);
    integrate(h, s);
    for (int64_t i = 0; i < c.slots; ++i)
      for (int64_t j = 0; j < c.hidden; ++j) {
        double &v = trace.at(i, j);
        v = std::clamp((1 - c.eta) * v + c.eta * s.slot[i] * s.z[j],
                       -kTraceClip, kTraceClip);
      }
    h = s.h;
    observe(s);
  }
}

void Forward::encode(const std::vector<double> &xt, StepValues &s) const {
  s.enc = affine(c.encoder, xt, c.encoderBias);
  relu(s.enc);
  const bool zero = approx && approx->zeroInput && s.zeroRow;
  s.z = s.enc;
  if (c.layerNorm)
    s.z = layerNorm(s.enc,
                    !approx ? stddev(s.enc)
                    : zero  ? approx->zeroSigma1
                            : approx->sigma1,
                    c.gamma1, c.beta1);
}

void Forward::readMemory(const Matrix &effective, StepValues &s) const {
  const bool zero = approx && approx->zeroInput && s.zeroRow;
  // raw_i = Σ_j E_ij z_j.
  s.raw = affine(effective, s.z, std::vector<double>(c.slots, 0.0));
  double zNorm = !approx ? norm(s.z)
                 : zero  ? approx->zeroQueryNorm
                         : approx->queryNorm;
  s.logits.resize(c.slots);
  for (int64_t i = 0; i < c.slots; ++i) {
    double rowNorm = c.rowNorm[i];
    if (!approx) {
      std::vector<double> row(effective.data.begin() + i * c.hidden,
                              effective.data.begin() + (i + 1) * c.hidden);
      rowNorm = norm(row);
    }
    s.logits[i] = s.raw[i] / (rowNorm * zNorm * c.temperature);
  }
  if (approx && approx->zeroInput) {
    s.zero = {zero ? 1.0 : 0.0};
    for (int64_t i = 0; i < c.slots; ++i) {
      double gate =
          zero ? (1.0 / approx->zeroQueryNorm - 1.0 / approx->queryNorm) /
                     (c.rowNorm[i] * c.temperature) * s.raw[i]
               : 0.0;
      s.zeroGatePos.push_back(std::max(gate, 0.0));
      s.zeroGateNeg.push_back(std::max(-gate, 0.0));
    }
  }
  s.slot = recallWeights(s.logits);
  s.m.assign(c.hidden, 0.0);
  for (int64_t i = 0; i < c.slots; ++i)
    for (int64_t j = 0; j < c.hidden; ++j)
      s.m[j] += s.slot[i] * effective.at(i, j);
}

void Forward::integrate(const std::vector<double> &h, StepValues &s) const {
  std::vector<double> joined(s.z);
  joined.insert(joined.end(), s.m.begin(), s.m.end());
  joined.insert(joined.end(), h.begin(), h.end());
  s.g = affine(c.integrator, joined, c.integratorBias);
  relu(s.g);
  s.hh = affine(c.output, s.g, c.outputBias);
  relu(s.hh);
  s.h = s.hh;
  if (c.layerNorm)
    s.h = layerNorm(s.hh, approx ? approx->sigma2 : stddev(s.hh), c.gamma2,
                    c.beta2);
  if (approx && approx->hiddenRange)
    for (double &v : s.h)
      v = std::clamp(v, approx->hiddenRange->first,
                     approx->hiddenRange->second);
  if (c.classes)
    s.out = affine(c.readout, s.h, c.readoutBias);
}

std::vector<double> Forward::recallWeights(const std::vector<double> &l) const {
  int64_t n = c.slots;
  std::vector<double> a(n);
  if (!approx) {
    // The softmax over the kept slots: all, or the top_k best (ties: the
    // lower slot), the others exactly 0 (docs/quantization.md).
    std::vector<bool> kept(n, true);
    if (c.topK != 0 && c.topK < n)
      for (int64_t i = 0; i < n; ++i) {
        int64_t rank = 0;
        for (int64_t j = 0; j < n; ++j)
          rank += l[j] > l[i] || (l[j] == l[i] && j < i);
        kept[i] = rank < c.topK;
      }
    double top = *std::max_element(l.begin(), l.end()), sum = 0;
    for (int64_t i = 0; i < n; ++i)
      sum += a[i] = kept[i] ? std::exp(l[i] - top) : 0.0;
    for (double &v : a)
      v /= sum;
  } else if (recall == Recall::Linear) {
    double mu = mean(l);
    for (int64_t i = 0; i < n; ++i)
      a[i] = (1.0 + l[i] - mu) / double(n);
  } else {
    for (int64_t i = 0; i < n; ++i)
      a[i] = std::max(l[i] - approx->kwtaThreshold, 0.0) / approx->kwtaSum;
  }
  return a;
}

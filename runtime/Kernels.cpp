//===- Kernels.cpp - the equations of one engram step, on Eigen -----------===//
//
// Row-major Eigen maps over the tensors' buffers; every reduction (norms,
// softmax, layer norm statistics) is done in the kernel's own precision T.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace engram::runtime {
namespace {

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T> using RowVector = Eigen::Matrix<T, 1, Eigen::Dynamic>;
template <typename T> using ConstMap = Eigen::Map<const Matrix<T>>;
template <typename T> using MutMap = Eigen::Map<Matrix<T>>;

/// The tensor as a rows × last-dimension matrix.
template <typename T> ConstMap<T> asMatrix(const Tensor<T> &t) {
  return ConstMap<T>(t.ptr(), t.rows(), t.shape.back());
}
template <typename T> MutMap<T> asMatrix(Tensor<T> &t) {
  return MutMap<T>(t.ptr(), t.rows(), t.shape.back());
}
template <typename T> Eigen::Map<const RowVector<T>> asRow(const Tensor<T> &t) {
  return Eigen::Map<const RowVector<T>>(t.ptr(), t.size());
}

/// `shape` with its last dimension replaced.
std::vector<int64_t> withLast(std::vector<int64_t> shape, int64_t last) {
  shape.back() = last;
  return shape;
}

/// y = x·K + b over the last dimension.
template <typename T>
Tensor<T> dense(const Tensor<T> &x, const Tensor<T> &kernel,
                const Tensor<T> &bias) {
  Tensor<T> y(withLast(x.shape, kernel.dim(1)));
  asMatrix(y).noalias() = asMatrix(x) * asMatrix(kernel);
  asMatrix(y).rowwise() += asRow(bias);
  return y;
}

template <typename T> void reluInPlace(Tensor<T> &t) {
  for (T &v : t.data)
    v = std::max(v, T(0));
}

/// Softmax of each row, in place, shifted by the row maximum.
template <typename Derived> void softmaxRows(Eigen::MatrixBase<Derived> &m) {
  using T = typename Derived::Scalar;
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    T top = m.row(r).maxCoeff();
    m.row(r) = (m.row(r).array() - top).exp().matrix();
    m.row(r) /= m.row(r).sum();
  }
}

/// 1 / sqrt(max(Σ v², 1e-12)) for each row.
template <typename Derived>
Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1>
inverseNorms(const Eigen::MatrixBase<Derived> &m) {
  using T = typename Derived::Scalar;
  return m.rowwise().squaredNorm().unaryExpr(
      [](T s) { return T(1) / std::sqrt(std::max(s, T(kNormFloor))); });
}

} // namespace

template <typename T>
Tensor<T> encode(const Tensor<T> &x, const Tensor<T> &kernel,
                 const Tensor<T> &bias) {
  Tensor<T> z = dense(x, kernel, bias);
  reluInPlace(z);
  return z;
}

template <typename T>
Tensor<T> layerNorm(const Tensor<T> &v, const Tensor<T> &gamma,
                    const Tensor<T> &beta, double epsilon) {
  Tensor<T> out(v.shape);
  auto in = asMatrix(v);
  auto res = asMatrix(out);
  const T width = static_cast<T>(v.shape.back());
  for (Eigen::Index r = 0; r < in.rows(); ++r) {
    T mean = in.row(r).sum() / width;
    RowVector<T> centered = in.row(r).array() - mean;
    T variance = centered.squaredNorm() / width;
    T scale = T(1) / std::sqrt(variance + T(epsilon));
    res.row(r) = (centered * scale).cwiseProduct(asRow(gamma)) + asRow(beta);
  }
  return out;
}

/// Softmax over the `k` largest entries of `row` (ties: lower index first);
/// the others become 0.
template <typename Row> void topKSoftmax(Row &row, int64_t k) {
  using T = typename Row::Scalar;
  const int64_t n = row.size();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), int64_t(0));
  // Descending, ties and NaN (ranked last) by index: a strict total order.
  auto key = [&](int64_t i) {
    T v = row(i);
    return std::isnan(v) ? -std::numeric_limits<T>::infinity() : v;
  };
  std::sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    return key(x) > key(y) || (key(x) == key(y) && x < y);
  });
  T top = row(order[0]), sum = 0;
  std::vector<T> weights(n, T(0));
  for (int64_t i = 0; i < k; ++i) {
    weights[order[i]] = std::exp(row(order[i]) - top);
    sum += weights[order[i]];
  }
  for (int64_t i = 0; i < n; ++i)
    row(i) = weights[i] / sum;
}

template <typename T>
RecallResult<T> recall(const Tensor<T> &z, const Tensor<T> &memory,
                       const Tensor<T> &trace, double scaleFactor,
                       double effectiveTemperature, int64_t topK) {
  const int64_t batch = z.dim(0), slots = memory.dim(0),
                width = memory.dim(1);
  RecallResult<T> result{Tensor<T>({batch, slots}),
                         Tensor<T>({batch, width})};
  auto zs = asMatrix(z);
  auto weights = asMatrix(result.weights);
  auto recalled = asMatrix(result.recalled);
  const T scale = T(scaleFactor), invTemp = T(1.0 / effectiveTemperature);
  Eigen::Matrix<T, Eigen::Dynamic, 1> zInv = inverseNorms(zs);
  const bool shared = trace.rank() == 2;
  Matrix<T> effective;
  Eigen::Matrix<T, Eigen::Dynamic, 1> eInv;
  for (int64_t b = 0; b < batch; ++b) {
    if (b == 0 || !shared) {
      ConstMap<T> t(trace.ptr() + (shared ? 0 : b * slots * width), slots,
                    width);
      effective = asMatrix(memory) + scale * t;
      eInv = inverseNorms(effective);
    }
    // sim_i = (E_i · z) / (|E_i| |z|), logits = sim / τ'.
    weights.row(b) = ((effective * zs.row(b).transpose()).cwiseProduct(eInv) *
                      (zInv(b) * invTemp))
                         .transpose();
    auto row = weights.row(b);
    if (topK > 0 && topK < slots)
      topKSoftmax(row, topK);
    else
      softmaxRows(row);
    recalled.row(b).noalias() = weights.row(b) * effective;
  }
  return result;
}

template <typename T>
Tensor<T> integrate(const Tensor<T> &z, const Tensor<T> &m, const Tensor<T> &h,
                    const Tensor<T> &integratorKernel,
                    const Tensor<T> &integratorBias,
                    const Tensor<T> &outputKernel,
                    const Tensor<T> &outputBias) {
  const int64_t width = h.dim(-1);
  Tensor<T> joined({h.dim(0), 3 * width});
  auto cat = asMatrix(joined);
  cat.leftCols(width) = asMatrix(z);
  cat.middleCols(width, width) = asMatrix(m);
  cat.rightCols(width) = asMatrix(h);
  Tensor<T> g = dense(joined, integratorKernel, integratorBias);
  reluInPlace(g);
  Tensor<T> next = dense(g, outputKernel, outputBias);
  reluInPlace(next);
  return next;
}

template <typename T>
Tensor<T> hebbianUpdate(const Tensor<T> &trace, const Tensor<T> &a,
                        const Tensor<T> &z, double learningRate, double clip) {
  Tensor<T> next(trace.shape);
  const int64_t batch = a.dim(0), slots = a.dim(1), width = z.dim(1);
  const T rate = T(learningRate), keep = T(1) - rate, bound = T(clip);
  auto weights = asMatrix(a);
  auto encoded = asMatrix(z);
  auto update = [&](const T *in, T *out, const Matrix<T> &outer) {
    ConstMap<T> t(in, slots, width);
    MutMap<T> o(out, slots, width);
    o = (keep * t + rate * outer).cwiseMax(-bound).cwiseMin(bound);
  };
  if (trace.rank() == 2) {
    // batch_mean: one trace, the mean of the outer products.
    Matrix<T> outer = weights.transpose() * encoded / T(batch);
    update(trace.ptr(), next.ptr(), outer);
    return next;
  }
  for (int64_t b = 0; b < batch; ++b) {
    Matrix<T> outer = weights.row(b).transpose() * encoded.row(b);
    update(trace.ptr() + b * slots * width, next.ptr() + b * slots * width,
           outer);
  }
  return next;
}

template <typename T>
Tensor<T> hebbianUpdateFixed(const Tensor<T> &q, const Tensor<T> &a,
                             const Tensor<T> &z, double learningRate,
                             double step, int64_t maxMagnitude) {
  Tensor<T> next(q.shape);
  const int64_t batch = a.dim(0), slots = a.dim(1), width = z.dim(1);
  const int64_t decay = std::llround((1.0 - learningRate) * 32768.0);
  const T gain = T(learningRate / step);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t n = 0; n < slots; ++n) {
      const T scaled = gain * a.data[b * slots + n];
      for (int64_t h = 0; h < width; ++h) {
        int64_t i = (b * slots + n) * width + h;
        int64_t old = static_cast<int64_t>(q.data[i]);
        int64_t decayed = (old * decay + 16384) >> 15;
        T increment = std::round(scaled * z.data[b * width + h]);
        increment = std::clamp(increment, T(-(1 << 30)), T(1 << 30));
        int64_t sum = decayed + static_cast<int64_t>(increment);
        next.data[i] = T(std::clamp(sum, -maxMagnitude, maxMagnitude));
      }
    }
  return next;
}

template <typename T>
Tensor<T> dequantizeTrace(const Tensor<T> &q, double step) {
  Tensor<T> values(q.shape);
  for (int64_t i = 0; i < q.size(); ++i)
    values.data[i] = q.data[i] * T(step);
  return values;
}

template <typename T>
Tensor<T> quantizeTrace(const Tensor<T> &values, double step,
                        int64_t maxMagnitude) {
  Tensor<T> q(values.shape);
  for (int64_t i = 0; i < values.size(); ++i)
    q.data[i] = std::clamp(std::round(values.data[i] / T(step)),
                           T(-maxMagnitude), T(maxMagnitude));
  return q;
}

double roundToBf16(double v) {
  if (v == 0 || !std::isfinite(v))
    return v;
  // bfloat16 keeps 8 significant bits; below 2^-126 its quantum stays 2^-133.
  int exponent = std::max(std::ilogb(v), -126);
  double quantum = std::ldexp(1.0, exponent - 7);
  double rounded = std::nearbyint(v / quantum) * quantum; // ties to even
  constexpr double kMax = 0x1.fep127;                     // largest bfloat16
  return std::abs(rounded) > kMax ? std::copysign(HUGE_VAL, v) : rounded;
}

template <typename T> Tensor<T> roundTraceToBf16(const Tensor<T> &values) {
  Tensor<T> rounded(values.shape);
  for (int64_t i = 0; i < values.size(); ++i)
    rounded.data[i] = T(roundToBf16(double(values.data[i])));
  return rounded;
}

template <typename T>
Tensor<T> initialTrace(const Tensor<T> *init, int64_t batch, int64_t slots,
                       int64_t width) {
  Tensor<T> trace(batch < 0 ? std::vector<int64_t>{slots, width}
                            : std::vector<int64_t>{batch, slots, width});
  if (init)
    for (int64_t i = 0; i < trace.size(); i += init->size())
      std::copy(init->data.begin(), init->data.end(), trace.data.begin() + i);
  return trace;
}

template <typename T> Tensor<T> stepSlice(const Tensor<T> &x, int64_t t) {
  const int64_t batch = x.dim(0), steps = x.dim(1), width = x.dim(2);
  Tensor<T> slice({batch, width});
  for (int64_t b = 0; b < batch; ++b)
    std::copy_n(x.ptr() + (b * steps + t) * width, width,
                slice.ptr() + b * width);
  return slice;
}

template <typename T>
void storeStep(Tensor<T> &states, int64_t t, const Tensor<T> &h) {
  const int64_t batch = states.dim(0), steps = states.dim(1),
                width = states.dim(2);
  for (int64_t b = 0; b < batch; ++b)
    std::copy_n(h.ptr() + b * width, width,
                states.ptr() + (b * steps + t) * width);
}

template <typename T>
Tensor<T> pool(Pooling kind, const Tensor<T> &states, const Tensor<T> *kernel,
               const Tensor<T> *bias) {
  if (kind == Pooling::Sequence)
    return states;
  const int64_t batch = states.dim(0), steps = states.dim(1),
                width = states.dim(2);
  if (kind == Pooling::Last)
    return stepSlice(states, steps - 1);
  Tensor<T> context({batch, width});
  auto k = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(kernel->ptr(),
                                                                  width);
  for (int64_t b = 0; b < batch; ++b) {
    ConstMap<T> h(states.ptr() + b * steps * width, steps, width);
    // e_t = tanh(h_t·k + b), α = softmax_t(e), context = Σ α_t h_t.
    RowVector<T> alpha =
        ((h * k).array() + bias->data[0]).tanh().matrix().transpose();
    softmaxRows(alpha);
    asMatrix(context).row(b).noalias() = alpha * h;
  }
  return context;
}

template <typename T>
Tensor<T> readout(const Tensor<T> &v, const Tensor<T> &kernel,
                  const Tensor<T> &bias, Activation activation) {
  if (v.rank() == 3) {
    // One step at a time: a matrix product's rounding may depend on how
    // many rows it has, and a stream fed in chunks must give the outputs
    // of one long run.
    const int64_t batch = v.dim(0), steps = v.dim(1);
    Tensor<T> y({batch, steps, kernel.dim(1)});
    for (int64_t t = 0; t < steps; ++t)
      storeStep(y, t, readout(stepSlice(v, t), kernel, bias, activation));
    return y;
  }
  Tensor<T> y = dense(v, kernel, bias);
  if (activation == Activation::Softmax) {
    auto m = asMatrix(y);
    softmaxRows(m);
  }
  return y;
}

#define ENGRAM_INSTANTIATE(T)                                                  \
  template Tensor<T> encode(const Tensor<T> &, const Tensor<T> &,              \
                            const Tensor<T> &);                                \
  template Tensor<T> layerNorm(const Tensor<T> &, const Tensor<T> &,           \
                               const Tensor<T> &, double);                     \
  template RecallResult<T> recall(const Tensor<T> &, const Tensor<T> &,        \
                                  const Tensor<T> &, double, double, int64_t); \
  template Tensor<T> hebbianUpdateFixed(const Tensor<T> &, const Tensor<T> &,  \
                                        const Tensor<T> &, double, double,     \
                                        int64_t);                              \
  template Tensor<T> dequantizeTrace(const Tensor<T> &, double);               \
  template Tensor<T> quantizeTrace(const Tensor<T> &, double, int64_t);        \
  template Tensor<T> roundTraceToBf16(const Tensor<T> &);                      \
  template Tensor<T> integrate(const Tensor<T> &, const Tensor<T> &,           \
                               const Tensor<T> &, const Tensor<T> &,           \
                               const Tensor<T> &, const Tensor<T> &,           \
                               const Tensor<T> &);                             \
  template Tensor<T> hebbianUpdate(const Tensor<T> &, const Tensor<T> &,       \
                                   const Tensor<T> &, double, double);         \
  template Tensor<T> initialTrace(const Tensor<T> *, int64_t, int64_t,         \
                                  int64_t);                                    \
  template Tensor<T> stepSlice(const Tensor<T> &, int64_t);                    \
  template void storeStep(Tensor<T> &, int64_t, const Tensor<T> &);            \
  template Tensor<T> pool(Pooling, const Tensor<T> &, const Tensor<T> *,       \
                          const Tensor<T> *);                                  \
  template Tensor<T> readout(const Tensor<T> &, const Tensor<T> &,             \
                             const Tensor<T> &, Activation);

ENGRAM_INSTANTIATE(float)
ENGRAM_INSTANTIATE(double)

} // namespace engram::runtime

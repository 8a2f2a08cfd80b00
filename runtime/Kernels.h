//===- Kernels.h - the equations of one engram step, on Eigen ---*- C++ -*-===//
//
// One function per op of the engram dialect, each implementing one block of
// ENGRAM_SEMANTICS.md over a batch, in float or double. The reference
// interpreter of a package and the interpreter of engram IR both call these,
// so the two paths share one definition of the arithmetic. Callers check
// shapes; the kernels assume them.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_KERNELS_H
#define ENGRAM_RUNTIME_KERNELS_H

#include "runtime/Model.h"
#include "runtime/Tensor.h"

namespace engram::runtime {

/// z = relu(x·K + b) over the last dimension (`…×D → …×H`).
template <typename T>
Tensor<T> encode(const Tensor<T> &x, const Tensor<T> &kernel,
                 const Tensor<T> &bias);

/// LN(v) = (v − mean) / sqrt(var + ε)·γ + β over the last dimension.
template <typename T>
Tensor<T> layerNorm(const Tensor<T> &v, const Tensor<T> &gamma,
                    const Tensor<T> &beta, double epsilon);

template <typename T> struct RecallResult {
  Tensor<T> weights;  ///< a, B×N
  Tensor<T> recalled; ///< m, B×H
};

/// E = M + s·T, a = softmax(cos(E, z) / τ'), m = aᵀ·E. `trace` is B×N×H
/// (per sequence) or N×H (shared); `effectiveTemperature` is τ'. With
/// `topK` > 0 only the topK largest logits of a row (ties: lower slot first)
/// enter the softmax; the other weights are 0.
template <typename T>
RecallResult<T> recall(const Tensor<T> &z, const Tensor<T> &memory,
                       const Tensor<T> &trace, double scaleFactor,
                       double effectiveTemperature, int64_t topK = 0);

/// h' = relu(relu([z, m, h]·K_int + b_int)·K_out + b_out).
template <typename T>
Tensor<T> integrate(const Tensor<T> &z, const Tensor<T> &m, const Tensor<T> &h,
                    const Tensor<T> &integratorKernel,
                    const Tensor<T> &integratorBias,
                    const Tensor<T> &outputKernel,
                    const Tensor<T> &outputBias);

/// T' = clip((1 − η)·T + η·(a ⊗ z), −c, c); a shared trace (N×H) takes the
/// batch mean of the outer products.
template <typename T>
Tensor<T> hebbianUpdate(const Tensor<T> &trace, const Tensor<T> &a,
                        const Tensor<T> &z, double learningRate, double clip);

/// The fixed-point Hebbian update of docs/quantization.md on the integers
/// `q` of a per-sequence trace (B×N×H) with step `step` = bound / Q:
///   q' = clamp(((q·D + 2^14) >> 15) + round(η/δ·a·z), −Q, Q),
///   D = round((1 − η)·2^15), round = half away from zero.
template <typename T>
Tensor<T> hebbianUpdateFixed(const Tensor<T> &q, const Tensor<T> &a,
                             const Tensor<T> &z, double learningRate,
                             double step, int64_t maxMagnitude);

/// q·step: the values of a fixed-point trace.
template <typename T>
Tensor<T> dequantizeTrace(const Tensor<T> &q, double step);

/// clamp(round(v / step), −Q, Q): a value as fixed-point integers.
template <typename T>
Tensor<T> quantizeTrace(const Tensor<T> &values, double step,
                        int64_t maxMagnitude);

/// `v` rounded to the nearest bfloat16 (8 significant bits, float32's
/// exponent range, subnormals kept), ties to even; overflow gives ±inf and
/// NaN stays NaN. One rounding from `v` itself, whatever its precision.
double roundToBf16(double v);

/// Every entry of `values` rounded by roundToBf16: the stored values of a
/// bfloat16 trace (`#engram.bf16`).
template <typename T> Tensor<T> roundTraceToBf16(const Tensor<T> &values);

/// T₀: `init` (N×H, or zeros when null) for a shared trace (`batch` < 0) or
/// copied to each of `batch` sequences.
template <typename T>
Tensor<T> initialTrace(const Tensor<T> *init, int64_t batch, int64_t slots,
                       int64_t width);

/// x[:, t, :] of a B×S×F tensor.
template <typename T> Tensor<T> stepSlice(const Tensor<T> &x, int64_t t);

/// states[:, t, :] = h.
template <typename T>
void storeStep(Tensor<T> &states, int64_t t, const Tensor<T> &h);

/// Pools B×S×H states: last, attention (needs kernel H×1 and bias 1) or
/// sequence (a copy).
template <typename T>
Tensor<T> pool(Pooling kind, const Tensor<T> &states, const Tensor<T> *kernel,
               const Tensor<T> *bias);

/// y = act(v·K + b) over the last dimension.
template <typename T>
Tensor<T> readout(const Tensor<T> &v, const Tensor<T> &kernel,
                  const Tensor<T> &bias, Activation activation);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_KERNELS_H

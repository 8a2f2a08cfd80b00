/*===- engram_cuda_abi.h - parameters of engram CUDA kernels --------------===*
 *
 * The one structure the host passes (by value) to every kernel that
 * `engramc --target=cuda` generates. Shared by the device code
 * (backends/cuda/kernels) and the runtime loader (runtime/CudaArtifact), so
 * it is plain C with fixed-width fields and no CUDA headers. Pointers are
 * device addresses. Sizes that the kernel is specialised for (D, H, N, C,
 * the head and the tile) are template constants on the device side and are
 * repeated here so a kernel can check that it was launched for its model.
 *
 *===----------------------------------------------------------------------===*/

#ifndef ENGRAM_CUDA_ABI_H
#define ENGRAM_CUDA_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ENGRAM_CUDA_ABI_VERSION 1
/* The kernels' hidden width is a multiple of this; a model of another width
   runs padded with zero lanes (runtime/HiddenPadding.h). */
#define ENGRAM_CUDA_HIDDEN_MULTIPLE 32

typedef struct EngramCudaParams {
  /* Problem size of this launch. */
  int32_t batch, steps;
  /* D, H (the kernels' width, padded), N, C (0: no readout) */
  int32_t inputDim, hidden, slots, units;

  /* Input, B x S x D floats, row-major. */
  const float *input;

  /* Weights in the package's layout (y = x.K + b). Optional ones are null. */
  const float *encKernel, *encBias;   /* D x H, H */
  const float *norm1Gamma, *norm1Beta; /* H, H (null without layer norm) */
  const float *intKernel, *intBias;   /* 3H x 3H, 3H */
  const float *outKernel, *outBias;   /* 3H x H, H */
  const float *norm2Gamma, *norm2Beta; /* H, H (null without layer norm) */
  const float *memory;                /* N x H */
  const float *traceInit;             /* N x H, null means zeros */
  const float *poolKernel;            /* H (attention pooling), or null */
  const float *readoutKernel, *readoutBias; /* H x C, C, or null */

  /* Hyper-parameters, already derived: invTemperature = 1/tau' with
   * tau' = tau / (1 + 10 lambda). */
  float hebbianLr, scaleFactor, invTemperature, traceClip, normEpsilon;
  float poolBias;

  /* Outputs: B x C | B x H (pooled) or B x S x C | B x S x H (sequence). */
  float *output;
  /* Final states: B x H, and B x N x H (per-sequence) or N x H (batch_mean). */
  float *finalHidden;
  float *finalTrace;

  /* Device scratch the host allocates with the size the launch plan names
   * (for example per-block partial sums of the batch_mean update). */
  float *scratch;
} EngramCudaParams;

#ifdef __cplusplus
}
#endif

#endif /* ENGRAM_CUDA_ABI_H */

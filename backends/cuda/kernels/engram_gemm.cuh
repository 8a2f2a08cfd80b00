//===- engram_gemm.cuh - tile GEMMs and per-sequence warp work -*- CUDA -*-===//
//
// Register-tiled GEMMs over a tile of sequences (weights from L2, from
// shared memory, or streamed through a cp.async ring) and the per-sequence
// warp work built on them: layer norm and the head. Part of the kernel of
// engram_cell.cuh.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_CUDA_ENGRAM_GEMM_CUH
#define ENGRAM_CUDA_ENGRAM_GEMM_CUH

#include "engram_config.cuh"

namespace engram::cuda {

//===----------------------------------------------------------------------===//
// Register-tiled GEMM over a tile of sequences
//===----------------------------------------------------------------------===//

template <bool OnChip>
__device__ __forceinline__ float loadWeight(const float *w, int i) {
  if constexpr (OnChip)
    return w[i];
  else
    return __ldg(w + i);
}

/// Reads `Tile` activations of row k (a [K][Tile] buffer) into registers.
template <int Tile>
__device__ __forceinline__ void loadActivations(const float *row,
                                                float (&v)[Tile]) {
  if constexpr (Tile % 4 == 0) {
#pragma unroll
    for (int r = 0; r < Tile; r += 4) {
      float4 q = ld4(row + r);
      v[r] = q.x, v[r + 1] = q.y, v[r + 2] = q.z, v[r + 3] = q.w;
    }
  } else {
#pragma unroll
    for (int r = 0; r < Tile; ++r)
      v[r] = row[r];
  }
}

/// Stores acc[Tile] (one column) to dst[Tile].
template <int Tile>
__device__ __forceinline__ void storeColumn(float *dst,
                                            const float (&v)[Tile]) {
  if constexpr (Tile % 4 == 0) {
#pragma unroll
    for (int r = 0; r < Tile; r += 4)
      st4(dst + r, make_float4(v[r], v[r + 1], v[r + 2], v[r + 3]));
  } else {
#pragma unroll
    for (int r = 0; r < Tile; ++r)
      dst[r] = v[r];
  }
}

/// The end of a tile GEMM: the K-split parts add up through `scratch`
/// (part 0 keeps the sum), then dst[c][r] = relu(acc + bias[c]).
template <class Plan, int Tile, int NCol>
__device__ __forceinline__ void finishGemm(float (&acc)[Plan::kCpt][Tile],
                                           const float *__restrict__ bias,
                                           float *dst, float *scratch, int col,
                                           int part, int barId, int barCount) {
  constexpr int Ct = Plan::kCt, Cpt = Plan::kCpt;
  if constexpr (Plan::kKSplit > 1) {
    if (part > 0)
#pragma unroll
      for (int q = 0; q < Cpt; ++q)
        storeColumn<Tile>(scratch + ((part - 1) * NCol + col + Ct * q) * Tile,
                          acc[q]);
    namedBarrier(barId, barCount);
    if (part > 0)
      return;
#pragma unroll
    for (int p = 1; p < Plan::kKSplit; ++p)
#pragma unroll
      for (int q = 0; q < Cpt; ++q) {
        float v[Tile];
        loadActivations<Tile>(scratch + ((p - 1) * NCol + col + Ct * q) * Tile,
                              v);
#pragma unroll
        for (int r = 0; r < Tile; ++r)
          acc[q][r] += v[r];
      }
  }
#pragma unroll
  for (int q = 0; q < Cpt; ++q) {
    const float b = __ldg(bias + col + Ct * q);
#pragma unroll
    for (int r = 0; r < Tile; ++r)
      acc[q][r] = fmaxf(acc[q][r] + b, 0.f);
    storeColumn<Tile>(dst + (col + Ct * q) * Tile, acc[q]);
  }
}

/// dst[c][r] = relu(sum_k src(k)[r] * w[k][c] + bias[c]) for the tile, on
/// the threads of one role (`tid` local to it, barrier `barId`). src(k) is
/// seg[k / Seg] + (k % Seg) * Tile. Each thread keeps acc[kCpt][Tile] in
/// registers and prefetches the next kUnroll weight rows while it computes.
template <class Plan, int Tile, int NCol, int Seg, bool OnChip>
__device__ void gemmTile(const float *w, const float *__restrict__ bias,
                         const float *seg0, const float *seg1,
                         const float *seg2, float *dst, float *scratch, int tid,
                         int barId, int barCount) {
  constexpr int Ct = Plan::kCt, Cpt = Plan::kCpt, U = Plan::kUnroll;
  constexpr int KPer = Plan::kKPer;
  const int col = tid % Ct, part = tid / Ct;
  const int kBegin = part * KPer;
  const int kEnd = Plan::kEven ? kBegin + KPer : min(Plan::kK, kBegin + KPer);
  float acc[Cpt][Tile];
#pragma unroll
  for (int q = 0; q < Cpt; ++q)
#pragma unroll
    for (int r = 0; r < Tile; ++r)
      acc[q][r] = 0.f;
  float wCur[U][Cpt], wNext[U][Cpt];
#pragma unroll
  for (int u = 0; u < U; ++u)
#pragma unroll
    for (int q = 0; q < Cpt; ++q) {
      wCur[u][q] = kBegin + u < kEnd ? loadWeight<OnChip>(
                                           w, (kBegin + u) * NCol + col + Ct * q)
                                     : 0.f;
      wNext[u][q] = 0.f;
    }
  for (int k0 = kBegin; k0 < kEnd; k0 += U) {
    if (k0 + U < kEnd) {
#pragma unroll
      for (int u = 0; u < U; ++u)
#pragma unroll
        for (int q = 0; q < Cpt; ++q)
          wNext[u][q] =
              loadWeight<OnChip>(w, (k0 + U + u) * NCol + col + Ct * q);
    }
    const int segIndex = k0 / Seg;
    const float *base = segIndex == 0 ? seg0 : segIndex == 1 ? seg1 : seg2;
    const float *a = base + (k0 - segIndex * Seg) * Tile;
#pragma unroll
    for (int u = 0; u < U; ++u) {
      float v[Tile];
      loadActivations<Tile>(a + u * Tile, v);
#pragma unroll
      for (int q = 0; q < Cpt; ++q)
#pragma unroll
        for (int r = 0; r < Tile; ++r)
          acc[q][r] = fmaf(wCur[u][q], v[r], acc[q][r]);
    }
#pragma unroll
    for (int u = 0; u < U; ++u)
#pragma unroll
      for (int q = 0; q < Cpt; ++q)
        wCur[u][q] = wNext[u][q];
  }
  finishGemm<Plan, Tile, NCol>(acc, bias, dst, scratch, col, part, barId,
                               barCount);
}

/// Streams W (K x NCol, row-major, contiguous) through a cp.async ring of
/// Stages chunks of KC rows in shared memory, shared by the role's threads,
/// and computes the same product as gemmTile: within each chunk the kKSplit
/// parts take KC / kKSplit rows each. One barrier per chunk; the L2 latency
/// of chunk c + Stages - 1 hides behind the FMAs of chunk c.
template <class Plan, int Tile, int NCol, int K, int Seg, int KC, int Stages>
__device__ void
gemmStaged(const float *__restrict__ w, const float *__restrict__ bias,
           const float *seg0, const float *seg1, const float *seg2, float *dst,
           float *scratch, float *stage, int tid, int barId, int barCount) {
  constexpr int Ct = Plan::kCt, Cpt = Plan::kCpt;
  constexpr int kPart = KC / Plan::kKSplit, kChunks = K / KC;
  constexpr int kChunk = KC * NCol;
  static_assert(K % KC == 0 && Seg % KC == 0 && KC % Plan::kKSplit == 0 &&
                    kChunk % 4 == 0,
                "bad weight staging");
  const int col = tid % Ct, part = tid / Ct;
  auto issue = [&](int c) {
    if (c < kChunks) {
      const float *src = w + c * kChunk;
      float *slot = stage + (c % Stages) * kChunk;
      for (int i = 4 * tid; i < kChunk; i += 4 * barCount)
        cpAsync16(slot + i, src + i, 16);
    }
    cpAsyncCommit();
  };
#pragma unroll
  for (int c = 0; c < Stages - 1; ++c)
    issue(c);
  float acc[Cpt][Tile];
#pragma unroll
  for (int q = 0; q < Cpt; ++q)
#pragma unroll
    for (int r = 0; r < Tile; ++r)
      acc[q][r] = 0.f;
  for (int c = 0; c < kChunks; ++c) {
    cpAsyncWait<Stages - 2>();
    // Chunk c is visible to all; everyone is done with chunk c - 1, whose
    // slot the next issue refills.
    namedBarrier(barId, barCount);
    issue(c + Stages - 1);
    const int segIndex = (c * KC) / Seg;
    const float *base = segIndex == 0 ? seg0 : segIndex == 1 ? seg1 : seg2;
    const float *a = base + (c * KC - segIndex * Seg + part * kPart) * Tile;
    const float *ws = stage + (c % Stages) * kChunk + part * kPart * NCol + col;
#pragma unroll
    for (int u = 0; u < kPart; ++u) {
      float v[Tile];
      loadActivations<Tile>(a + u * Tile, v);
#pragma unroll
      for (int q = 0; q < Cpt; ++q) {
        const float wq = ws[u * NCol + Ct * q];
#pragma unroll
        for (int r = 0; r < Tile; ++r)
          acc[q][r] = fmaf(wq, v[r], acc[q][r]);
      }
    }
  }
  finishGemm<Plan, Tile, NCol>(acc, bias, dst, scratch, col, part, barId,
                               barCount);
}

//===----------------------------------------------------------------------===//
// Per-sequence warp work: layer norm, head
//===----------------------------------------------------------------------===//

/// Layer-normalises column s of v ([H][Tile]) in place when `norm` (one
/// warp) and returns 1 / sqrt(max(|v_s|^2, 1e-12)) of the result.
template <int H, int Tile, int Valid = H>
__device__ float
normaliseColumn(float *v, int s, bool norm, const float *__restrict__ gamma,
                const float *__restrict__ beta, float eps, int lane) {
  constexpr int kPer = H / 32;
  float x[kPer];
  float sum = 0.f;
#pragma unroll
  for (int i = 0; i < kPer; ++i) {
    x[i] = v[(lane + 32 * i) * Tile + s];
    sum += x[i];
  }
  if (norm) {
    // Padding lanes (j >= Valid) hold zeros and stay out of the mean and
    // the variance; gamma and beta are zero there, so they stay zero.
    const float mean = groupSum<32>(sum) / float(Valid);
    float sq = 0.f;
#pragma unroll
    for (int i = 0; i < kPer; ++i) {
      if (Valid == H || lane + 32 * i < Valid)
        x[i] -= mean;
      sq = fmaf(x[i], x[i], sq);
    }
    const float inv = 1.f / sqrtf(groupSum<32>(sq) / float(Valid) + eps);
#pragma unroll
    for (int i = 0; i < kPer; ++i) {
      const int j = lane + 32 * i;
      x[i] = x[i] * inv * __ldg(gamma + j) + __ldg(beta + j);
      v[j * Tile + s] = x[i];
    }
  }
  float sq = 0.f;
#pragma unroll
  for (int i = 0; i < kPer; ++i)
    sq = fmaf(x[i], x[i], sq);
  return 1.f / sqrtf(fmaxf(groupSum<32>(sq), kNormFloor));
}

/// Writes the head of one pooled vector (column s of v, times vScale) to
/// out: the readout (softmax or linear) when the model has one, else the
/// vector itself. One warp.
template <class Cfg>
__device__ void writeHead(const EngramCudaParams &p, const float *v, int s,
                          float vScale, float *out, int lane) {
  constexpr int H = Cfg::kH, C = Cfg::kC, Tile = Cfg::kTile;
  if constexpr (Cfg::kReadout == kReadoutNone) {
    for (int j = lane; j < H; j += 32)
      out[j] = v[j * Tile + s] * vScale;
  } else {
    constexpr int kPer = (C + 31) / 32;
    float y[kPer];
#pragma unroll
    for (int q = 0; q < kPer; ++q) {
      const int c = lane + 32 * q;
      y[q] = c < C ? __ldg(p.readoutBias + c) : 0.f;
    }
    for (int j = 0; j < H; ++j) {
      const float vj = v[j * Tile + s] * vScale;
#pragma unroll
      for (int q = 0; q < kPer; ++q) {
        const int c = lane + 32 * q;
        if (c < C)
          y[q] = fmaf(vj, __ldg(p.readoutKernel + j * C + c), y[q]);
      }
    }
    if constexpr (Cfg::kReadout == kReadoutSoftmax) {
      float top = -INFINITY;
#pragma unroll
      for (int q = 0; q < kPer; ++q)
        if (lane + 32 * q < C)
          top = fmaxf(top, y[q]);
      top = groupMax<32>(top);
      float sum = 0.f;
#pragma unroll
      for (int q = 0; q < kPer; ++q)
        if (lane + 32 * q < C) {
          y[q] = expf(y[q] - top);
          sum += y[q];
        }
      const float inv = 1.f / groupSum<32>(sum);
#pragma unroll
      for (int q = 0; q < kPer; ++q)
        y[q] *= inv;
    }
#pragma unroll
    for (int q = 0; q < kPer; ++q)
      if (lane + 32 * q < C)
        out[lane + 32 * q] = y[q];
  }
}

/// Width of one head output (C with a readout, else H).
template <class Cfg> __host__ __device__ constexpr int headWidth() {
  return Cfg::kReadout == kReadoutNone ? Cfg::kH : Cfg::kC;
}

} // namespace engram::cuda

#endif // ENGRAM_CUDA_ENGRAM_GEMM_CUH

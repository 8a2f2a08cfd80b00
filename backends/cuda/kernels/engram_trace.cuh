//===- engram_trace.cuh - one pass over the trace per step -----*- CUDA -*-===//
//
// The R warps' pass over the memory rows: E = M + sT, the online softmax
// recall (a, m) and the deferred Hebbian update, with the trace on chip or
// streamed through global memory. Part of the kernel of engram_cell.cuh.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_CUDA_ENGRAM_TRACE_CUH
#define ENGRAM_CUDA_ENGRAM_TRACE_CUH

#include "engram_gemm.cuh"

namespace engram::cuda {

//===----------------------------------------------------------------------===//
// Trace pass (R warps)
//===----------------------------------------------------------------------===//

/// What a pass over a sequence's trace does.
enum TraceMode : int {
  kRecallOnly = 0,      ///< step 0 and batch_mean: recall from T as stored
  kUpdateAndRecall = 1, ///< apply the deferred update of step t-1, recall t
  kUpdateOnly = 2,      ///< after the last step: the final update
};

/// Loads a memory-bank float4 from shared (MemoryOnChip) or global memory.
template <class Cfg> __device__ __forceinline__ float4 memory4(const float *m) {
  if constexpr (Cfg::kMemoryOnChip)
    return ld4(m);
  else
    return __ldg(reinterpret_cast<const float4 *>(m));
}

/// Trace rows of kPair sequences read from shared memory (kPlaceTrace);
/// memory-bank rows from shared memory or L2.
template <class Cfg> struct ChipRows {
  using R = typename Cfg::Rows;
  static constexpr int P = Cfg::kPair;
  const float *base[P]; ///< N x H trace of each sequence of the unit
  const float *memory;  ///< N x H memory bank
  int grp, sub;
  __device__ void fetch(int rg, int count, float4 (&tv)[P][R::kVec],
                        float4 (&mv)[R::kVec]) {
    const int i = rg * R::kRows + grp;
    const bool ok = i < Cfg::kN;
#pragma unroll
    for (int v = 0; v < R::kVec; ++v) {
      const int c = 4 * (sub + R::kLanes * v);
      mv[v] = ok ? memory4<Cfg>(memory + i * Cfg::kH + c) : zero4();
#pragma unroll
      for (int q = 0; q < P; ++q)
        tv[q][v] = (ok && q < count) ? ld4(base[q] + i * Cfg::kH + c) : zero4();
    }
  }
};

/// Trace rows streamed from global memory through a per-warp ring of
/// kPrefetch entries filled by cp.async (each lane copies, and later reads,
/// only its own float4s, so no barrier is needed). An entry holds one row
/// group of each sequence of a unit and, when kMemoryInRing, the matching
/// memory-bank rows (one L2 read serves the kPair sequences). The flat entry
/// index runs over all units of the warp, so prefetch crosses sequences.
template <class Cfg> struct StreamRows {
  using R = typename Cfg::Rows;
  static constexpr int kPf = Cfg::kPrefetch, P = Cfg::kPair;
  static constexpr int kGroupFloats = R::kRows * Cfg::kH;
  float *ring;         ///< this warp's kPf x kRingEntry floats
  const float *src;    ///< trace of tile sequence 0 (or the shared init)
  long long seqStride; ///< floats between sequences (0 for traceInit)
  int srcBytes;        ///< 16, or 0 to zero-fill (no traceInit)
  const float *memory; ///< memory bank (global, or shared when on chip)
  int firstSeq, nSeq;  ///< warp's first tile sequence and its count
  int total;           ///< entries over all units
  int next = 0;        ///< entry to consume
  int grp, sub;

  __device__ void issue(int f) {
    if (f < total) {
      const int u = f / R::kGroups, rg = f - u * R::kGroups;
      const int i = rg * R::kRows + grp;
      if (i < Cfg::kN) {
        float *entry = ring + (f % kPf) * Cfg::kRingEntry + grp * Cfg::kH;
#pragma unroll
        for (int q = 0; q < P; ++q) {
          const int j = u * P + q;
          if (j < nSeq) {
            const float *row =
                src + (firstSeq + Cfg::kRWarps * j) * seqStride + i * Cfg::kH;
#pragma unroll
            for (int v = 0; v < R::kVec; ++v) {
              const int c = 4 * (sub + R::kLanes * v);
              cpAsync16(entry + q * kGroupFloats + c, row + c, srcBytes);
            }
          }
        }
        if constexpr (Cfg::kMemoryInRing) {
#pragma unroll
          for (int v = 0; v < R::kVec; ++v) {
            const int c = 4 * (sub + R::kLanes * v);
            cpAsync16(entry + P * kGroupFloats + c, memory + i * Cfg::kH + c,
                      16);
          }
        }
      }
    }
    cpAsyncCommit();
  }
  __device__ void start() {
    for (int f = 0; f < kPf - 1; ++f)
      issue(f);
  }
  __device__ void fetch(int rg, int count, float4 (&tv)[P][R::kVec],
                        float4 (&mv)[R::kVec]) {
    cpAsyncWait<kPf - 2>();
    const float *entry = ring + (next % kPf) * Cfg::kRingEntry + grp * Cfg::kH;
    const int i = rg * R::kRows + grp;
#pragma unroll
    for (int v = 0; v < R::kVec; ++v) {
      const int c = 4 * (sub + R::kLanes * v);
#pragma unroll
      for (int q = 0; q < P; ++q)
        tv[q][v] = q < count ? ld4(entry + q * kGroupFloats + c) : zero4();
      if constexpr (Cfg::kMemoryInRing)
        mv[v] = ld4(entry + P * kGroupFloats + c);
      else
        mv[v] = i < Cfg::kN ? memory4<Cfg>(memory + i * Cfg::kH + c) : zero4();
    }
    issue(next + kPf - 1);
    ++next;
  }
  __device__ void finish() { cpAsyncWait<0>(); }
};

/// Running softmax state of one lane group: max, sum and the a-weighted sum
/// of E rows (kVec float4 of the lane's columns).
template <int Vec> struct OnlineRecall {
  float top = -INFINITY, sum = 0.f;
  float4 acc[Vec];
  __device__ OnlineRecall() {
#pragma unroll
    for (int v = 0; v < Vec; ++v)
      acc[v] = zero4();
  }
  __device__ void add(float logit, const float4 (&e)[Vec]) {
    const float nextTop = fmaxf(top, logit);
    const float decay = __expf(top - nextTop), w = __expf(logit - nextTop);
    sum = fmaf(sum, decay, w);
#pragma unroll
    for (int v = 0; v < Vec; ++v)
      acc[v] = axpy4(w, e[v], scale4(decay, acc[v]));
    top = nextTop;
  }
  /// Merges with the lane `offset` away (butterfly; empty groups are safe).
  __device__ void merge(int offset) {
    const float oTop = __shfl_xor_sync(0xffffffffu, top, offset);
    const float oSum = __shfl_xor_sync(0xffffffffu, sum, offset);
    const float nextTop = fmaxf(top, oTop);
    const float da = top == -INFINITY ? 0.f : __expf(top - nextTop);
    const float db = oTop == -INFINITY ? 0.f : __expf(oTop - nextTop);
    sum = sum * da + oSum * db;
#pragma unroll
    for (int v = 0; v < Vec; ++v) {
      float4 o;
      o.x = __shfl_xor_sync(0xffffffffu, acc[v].x, offset);
      o.y = __shfl_xor_sync(0xffffffffu, acc[v].y, offset);
      o.z = __shfl_xor_sync(0xffffffffu, acc[v].z, offset);
      o.w = __shfl_xor_sync(0xffffffffu, acc[v].w, offset);
      acc[v] = axpy4(db, o, scale4(da, acc[v]));
    }
    top = nextTop;
  }
};

/// Finishes a recall: merges the lane groups, writes m_t (column s of the m
/// half of sm.zm(step)) and turns the stored logits into a_t.
template <class Cfg>
__device__ void finishRecall(OnlineRecall<Cfg::Rows::kVec> &state,
                             const Smem<Cfg> &sm, int s, int step, float *aCur,
                             int lane) {
  using R = typename Cfg::Rows;
#pragma unroll
  for (int o = R::kLanes; o < 32; o *= 2)
    state.merge(o);
  const float inv = 1.f / state.sum;
  const int grp = lane / R::kLanes, sub = lane % R::kLanes;
  float *m = sm.m(step);
  if (grp == 0)
#pragma unroll
    for (int v = 0; v < R::kVec; ++v) {
      const int c = 4 * (sub + R::kLanes * v);
      const float4 mv = scale4(inv, state.acc[v]);
      m[c * Cfg::kTile + s] = mv.x;
      m[(c + 1) * Cfg::kTile + s] = mv.y;
      m[(c + 2) * Cfg::kTile + s] = mv.z;
      m[(c + 3) * Cfg::kTile + s] = mv.w;
    }
  __syncwarp();
  for (int i = lane; i < Cfg::kN; i += 32)
    aCur[i] = __expf(aCur[i] - state.top) * inv;
  __syncwarp();
}

/// One warp's pass over the traces of a unit (`count` <= kPair tile
/// sequences s[0..count)) at step `step`: optionally the deferred Hebbian
/// update of step-1 (written to dst[q]), then the recall of step (a_t into
/// sm.a(step), m_t into sm.m(step)). Entries q >= count are padding.
template <class Cfg, class Rows>
__device__ void traceUnit(const EngramCudaParams &p, const Smem<Cfg> &sm,
                          const int (&s)[Cfg::kPair], int count, int step,
                          TraceMode mode, Rows &rows,
                          float *const (&dst)[Cfg::kPair], int lane) {
  using R = typename Cfg::Rows;
  constexpr int H = Cfg::kH, N = Cfg::kN, Tile = Cfg::kTile, V = R::kVec,
                P = Cfg::kPair;
  const int grp = lane / R::kLanes, sub = lane % R::kLanes;
  const bool update = mode != kRecallOnly, recall = mode != kUpdateOnly;
  const float keep = 1.f - p.hebbianLr, bound = p.traceClip;
  float4 zc[P][V], zp[P][V];
#pragma unroll
  for (int q = 0; q < P; ++q) {
    const float sc = recall ? sm.zInv(step)[s[q]] * p.invTemperature : 0.f;
#pragma unroll
    for (int v = 0; v < V; ++v) {
      const int c = 4 * (sub + R::kLanes * v);
      zc[q][v] =
          recall ? scale4(sc, column4<Tile>(sm.zm(step), c, s[q])) : zero4();
      zp[q][v] =
          update ? scale4(p.hebbianLr, column4<Tile>(sm.zm(step - 1), c, s[q]))
                 : zero4();
    }
  }
  OnlineRecall<V> state[P];
  for (int rg = 0; rg < R::kGroups; ++rg) {
    const int i = rg * R::kRows + grp;
    const bool ok = (N % R::kRows == 0) || i < N;
    float4 tv[P][V], mv[V];
    rows.fetch(rg, count, tv, mv);
    if (update) {
#pragma unroll
      for (int q = 0; q < P; ++q) {
        if (q >= count)
          continue;
        const float ap = ok ? sm.a(step - 1)[s[q] * N + i] : 0.f;
#pragma unroll
        for (int v = 0; v < V; ++v) {
          tv[q][v] = hebbian4(keep, tv[q][v], scale4(ap, zp[q][v]), bound);
          if (ok)
            st4(dst[q] + i * H + 4 * (sub + R::kLanes * v), tv[q][v]);
        }
      }
    }
    if (recall) {
      float4 e[P][V];
      float ss[P], dz[P];
#pragma unroll
      for (int q = 0; q < P; ++q) {
        ss[q] = 0.f, dz[q] = 0.f;
#pragma unroll
        for (int v = 0; v < V; ++v) {
          e[q][v] = axpy4(p.scaleFactor, tv[q][v], mv[v]);
          ss[q] = dot4(e[q][v], e[q][v], ss[q]);
          dz[q] = dot4(e[q][v], zc[q][v], dz[q]);
        }
      }
#pragma unroll
      for (int q = 0; q < P; ++q) {
        ss[q] = groupSum<R::kLanes>(ss[q]);
        dz[q] = groupSum<R::kLanes>(dz[q]);
      }
#pragma unroll
      for (int q = 0; q < P; ++q) {
        if (!ok || q >= count)
          continue;
        const float logit = dz[q] * rsqrtf(fmaxf(ss[q], kNormFloor));
        state[q].add(logit, e[q]);
        if (sub == 0)
          sm.a(step)[s[q] * N + i] = logit;
      }
    }
  }
  if (recall)
#pragma unroll
    for (int q = 0; q < P; ++q)
      if (q < count)
        finishRecall<Cfg>(state[q], sm, s[q], step, sm.a(step) + s[q] * N,
                          lane);
}

/// The tile sequences of unit u of R warp rw (padding repeats the last).
template <class Cfg>
__device__ int unitSequences(int rw, int nSeq, int u, int (&s)[Cfg::kPair]) {
  const int count = min(Cfg::kPair, nSeq - u * Cfg::kPair);
#pragma unroll
  for (int q = 0; q < Cfg::kPair; ++q)
    s[q] = rw + Cfg::kRWarps * (u * Cfg::kPair + min(q, count - 1));
  return count;
}

} // namespace engram::cuda

#endif // ENGRAM_CUDA_ENGRAM_TRACE_CUH

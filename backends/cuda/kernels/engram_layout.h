//===- engram_layout.h - a kernel's shared memory, as plain arithmetic
//-----===//
//
// The sizes the persistent kernel derives from a model and a schedule (how
// each GEMM splits its threads, how trace rows map to lanes, where every
// buffer sits in shared memory) as constexpr functions of plain integers.
// The kernels' KernelConfig (engram_config.cuh) takes its constants from
// here, and so does the compiler's launch plan (CudaCodegen.cpp), which
// keeps for each batch class the first schedule whose block fits and refuses
// a model when none does: nvcc is never handed a configuration that cannot
// compile, and the two cannot disagree. No CUDA in this header.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_CUDA_ENGRAM_LAYOUT_H
#define ENGRAM_CUDA_ENGRAM_LAYOUT_H

#ifdef __CUDACC__
#define ENGRAM_HOST_DEVICE __host__ __device__
#else
#define ENGRAM_HOST_DEVICE
#endif

namespace engram::cuda::layout {

/// The opt-in shared memory limit of one block on sm_90.
constexpr int kMaxSmemBytes = 227 * 1024;

ENGRAM_HOST_DEVICE constexpr int gcdInt(int a, int b) {
  return b == 0 ? a : gcdInt(b, a % b);
}
ENGRAM_HOST_DEVICE constexpr int maxInt(int a, int b) { return a > b ? a : b; }
ENGRAM_HOST_DEVICE constexpr int roundUp4(int n) { return (n + 3) / 4 * 4; }
/// The largest power of two that divides n and is at most cap.
ENGRAM_HOST_DEVICE constexpr int pow2Divisor(int n, int cap) {
  int p = 1;
  while (p * 2 <= cap && n % (p * 2) == 0)
    p *= 2;
  return p;
}

/// Placement bits of a schedule (engram_config.cuh documents each).
enum : int {
  kPlaceTrace = 1,
  kPlaceMemory = 2,
  kPlaceEncoder = 4,
  kPlaceWeights = 8,
  kPlaceStaged = 16,
};

/// What the model computes (ModelShape's parameters). h: the kernels' width.
struct Shape {
  int d, h, n, c;
  bool layerNorm;
  int pool; // 1: attention pooling (the context buffer)
  bool batchMean;
};

/// How a block runs it (Schedule's parameters).
struct Sched {
  int tile, gThreads, rThreads, placement;
  int prefetch = 8, minBlocks = 1, pair = 1, stageRows = 16, stages = 3,
      splitBelow = 32;
};

/// Thread layout of dst[NCol][Tile] = src[K][Tile]^T . W[K][NCol] on
/// NThreads threads (engram_config.cuh's GemmPlan).
struct Gemm {
  int ct, cpt, kSplit, kPer, unroll, scratchFloats;
  bool even;
};

ENGRAM_HOST_DEVICE constexpr Gemm gemm(int K, int NCol, int Tile, int NThreads,
                                       int Seg, int SplitBelow) {
  int ct = gcdInt(NCol, NThreads);
  while (ct >= 64 && (NCol / ct) * Tile < SplitBelow &&
         K % (NThreads / (ct / 2)) == 0)
    ct /= 2;
  Gemm g{ct, NCol / ct, NThreads / ct, 0, 1, 0, false};
  g.kPer = (K + g.kSplit - 1) / g.kSplit;
  g.even = K % g.kSplit == 0;
  if (g.even)
    for (int u = 8; u > 1 && g.unroll == 1; u /= 2)
      if (g.kPer % u == 0 && Seg % u == 0 && u * g.cpt <= 16)
        g.unroll = u;
  g.scratchFloats = (g.kSplit - 1) * NCol * Tile;
  return g;
}

/// Lanes of a pass over trace rows of H floats (engram_config.cuh's
/// RowPlan).
struct Rows {
  int vec4, lanes, vec, rows, groups;
};

ENGRAM_HOST_DEVICE constexpr Rows rows(int H, int N) {
  Rows r{H / 4, pow2Divisor(H / 4, 32), 0, 0, 0};
  r.vec = r.vec4 / r.lanes;
  r.rows = 32 / r.lanes;
  r.groups = (N + r.rows - 1) / r.rows;
  return r;
}

/// Offsets, in floats, of every shared-memory buffer, and the total; and
/// the floats of one entry of a streamed trace's ring (its pair of trace row
/// groups, plus the memory-bank row group when the bank rides in the ring).
struct Smem {
  long long zm, h, g, x, a, zInv, gScratch, rScratch, ctx, trace, memory, stage,
      enc, weights, total, ringEntry;
};

ENGRAM_HOST_DEVICE constexpr Smem smem(Shape m, Sched s) {
  const bool traceOnChip = s.placement & kPlaceTrace,
             memoryOnChip = s.placement & kPlaceMemory;
  const long long H = m.h, T = s.tile;
  const Gemm enc = gemm(m.d, m.h, s.tile, s.rThreads, m.d, s.splitBelow),
             in = gemm(3 * m.h, 3 * m.h, s.tile, s.gThreads, m.h, s.splitBelow),
             out =
                 gemm(3 * m.h, m.h, s.tile, s.gThreads, 3 * m.h, s.splitBelow);
  Smem o{};
  o.ringEntry = (s.pair + (!traceOnChip && !memoryOnChip ? 1 : 0)) *
                rows(m.h, m.n).rows * H;
  o.zm = 0;
  o.h = o.zm + 4 * H * T;
  o.g = o.h + H * T;
  o.x = o.g + 3 * H * T;
  o.a = o.x + roundUp4(m.d * s.tile);
  o.zInv = o.a + 2 * roundUp4(s.tile * m.n);
  o.gScratch = o.zInv + 2 * roundUp4(s.tile);
  o.rScratch =
      o.gScratch + roundUp4(maxInt(in.scratchFloats, out.scratchFloats));
  o.ctx = o.rScratch + roundUp4(enc.scratchFloats);
  o.trace = o.ctx + (m.pool == 1 ? H * T + roundUp4(s.tile) : 0);
  o.memory = o.trace + (traceOnChip ? (m.batchMean ? 1 : T) * m.n * H
                                    : s.rThreads / 32 * s.prefetch * o.ringEntry);
  o.stage = o.memory + (memoryOnChip ? m.n * H : 0);
  o.enc = o.stage +
          (s.placement & kPlaceStaged ? s.stages * s.stageRows * 3 * H : 0);
  o.weights = o.enc + (s.placement & kPlaceEncoder ? m.d * H : 0);
  o.total = o.weights + (s.placement & kPlaceWeights ? 12 * H * H : 0);
  return o;
}

/// Whether one block of (m, s) fits in an SM's shared memory.
ENGRAM_HOST_DEVICE constexpr bool fits(Shape m, Sched s) {
  return 4 * smem(m, s).total <= kMaxSmemBytes;
}

} // namespace engram::cuda::layout

#endif // ENGRAM_CUDA_ENGRAM_LAYOUT_H

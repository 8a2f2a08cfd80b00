//===- engram_config.cuh - shapes, schedules and helpers -------*- CUDA -*-===//
//
// The compile-time description of a kernel (ModelShape: what the model
// computes; Schedule: how a block runs it; KernelConfig: the two together,
// with the shared-memory layout and launch rule), the shared-memory view,
// and small device helpers. Part of the kernel of engram_cell.cuh.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_CUDA_ENGRAM_CONFIG_CUH
#define ENGRAM_CUDA_ENGRAM_CONFIG_CUH

#include "engram_cuda_abi.h"
#include "engram_layout.h"

#include <cooperative_groups.h>
#include <type_traits>

namespace engram::cuda {

/// Head pooling (ENGRAM_SEMANTICS.md, "Heads").
enum : int { kPoolLast = 0, kPoolAttention = 1, kPoolSequence = 2 };
/// Readout after pooling.
enum : int { kReadoutNone = 0, kReadoutSoftmax = 1, kReadoutLinear = 2 };

using layout::gcdInt;
using layout::kMaxSmemBytes;
using layout::maxInt;
using layout::pow2Divisor;
using layout::roundUp4;
/// Floor of the squared l2 norm (the reference's kNormFloor).
constexpr float kNormFloor = 1e-12f;

//===----------------------------------------------------------------------===//
// Configuration
//===----------------------------------------------------------------------===//

/// What the model computes: sizes and head, all compile-time. H is the
/// kernel's hidden width, a multiple of 32; a model of width HValid < H runs
/// padded with zero lanes (runtime/HiddenPadding.h), which stay zero, and
/// only the layer norms count HValid lanes instead of H.
template <int D, int H, int N, int C, bool LayerNorm, int Pool, int Readout,
          bool BatchMean, int HValid = H>
struct ModelShape {
  static constexpr int kD = D, kH = H, kN = N, kC = C, kHValid = HValid;
  static constexpr bool kLayerNorm = LayerNorm, kBatchMean = BatchMean;
  static constexpr int kPool = Pool, kReadout = Readout;
  static_assert(D >= 1 && N >= 1, "empty model");
  static_assert(H % 32 == 0, "hidden width must be a multiple of 32");
  static_assert(HValid >= 1 && HValid <= H && H - HValid < 32,
                "the model's width pads to the next multiple of 32");
  static_assert(Pool >= kPoolLast && Pool <= kPoolSequence, "bad pooling");
  static_assert((Readout == kReadoutNone) == (C == 0),
                "units and readout go together");
};

/// Placement bits of a Schedule (the Placement argument):
/// - kPlaceTrace: per-sequence traces (or the batch_mean trace) stay in
///   shared memory for the whole sequence; otherwise they stream through
///   global memory (the final-trace buffer).
/// - kPlaceMemory: the memory bank M in shared memory (otherwise read
///   through L2, or carried by the trace ring when the trace streams).
/// - kPlaceEncoder: the encoder kernel in shared memory, staged once.
/// - kPlaceWeights: integrator and output kernels in shared memory, staged
///   once (small tiles only).
/// - kPlaceStaged: integrator and output kernels streamed each step through
///   a cp.async ring of Stages x StageRows weight rows shared by the G warps
///   (hides the L2 latency without registers); without it they are read
///   with __ldg into a register double buffer.
using layout::kPlaceEncoder;
using layout::kPlaceMemory;
using layout::kPlaceStaged;
using layout::kPlaceTrace;
using layout::kPlaceWeights;

/// How a block runs a model. Tile: sequences per block. GThreads / RThreads:
/// the two warp roles. Placement: kPlaceTrace | kPlaceMemory | ... .
/// Prefetch: depth (ring entries) of each R warp's trace ring when the trace
/// streams. MinBlocks: the __launch_bounds__ occupancy hint. Pair: sequences
/// an R warp walks together (2: one memory-bank row serves both and their
/// dependency chains overlap; pays off when each R warp owns >= 2
/// sequences). StageRows, Stages: the weight ring of kPlaceStaged.
/// SplitBelow: a GEMM splits K over more threads while a thread would own
/// fewer accumulators.
template <int Tile, int GThreads, int RThreads, int Placement, int Prefetch = 8,
          int MinBlocks = 1, int Pair = 1, int StageRows = 16, int Stages = 3,
          int SplitBelow = 32>
struct Schedule {
  static constexpr int kTile = Tile, kGThreads = GThreads, kRThreads = RThreads,
                       kPlacement = Placement, kPrefetch = Prefetch,
                       kMinBlocks = MinBlocks, kPair = Pair,
                       kStageRows = StageRows, kStages = Stages,
                       kSplitBelow = SplitBelow;
  static constexpr bool kTraceOnChip = (Placement & kPlaceTrace) != 0,
                        kMemoryOnChip = (Placement & kPlaceMemory) != 0,
                        kEncoderOnChip = (Placement & kPlaceEncoder) != 0,
                        kWeightsOnChip = (Placement & kPlaceWeights) != 0,
                        kStagedWeights = (Placement & kPlaceStaged) != 0;
  static_assert(Tile >= 1 && (Tile <= 2 || Tile % 4 == 0),
                "tile must be 1, 2 or a multiple of 4");
  static_assert(GThreads % 32 == 0 && RThreads % 32 == 0 && GThreads > 0 &&
                    RThreads > 0,
                "roles are whole warps");
  static_assert(Prefetch >= 2 && Stages >= 2, "rings need two entries");
  static_assert(Pair == 1 || Pair == 2, "an R warp walks 1 or 2 sequences");
  static_assert(!(kWeightsOnChip && kStagedWeights),
                "weights are either on chip or staged");
};

/// Thread layout of dst[NCol][Tile] = src[K][Tile]^T . W[K][NCol] on
/// NThreads threads: kCt column threads, each owning kCpt columns (strided by
/// kCt for coalesced weight rows) and all Tile rows; kKSplit groups of them
/// split K and reduce through shared memory. Seg: K is read from segments of
/// Seg rows (z | m | h for the integrator).
template <int K, int NCol, int Tile, int NThreads, int Seg, int SplitBelow>
struct GemmPlan {
  static constexpr layout::Gemm kPlan =
      layout::gemm(K, NCol, Tile, NThreads, Seg, SplitBelow);
  static constexpr int kK = K;
  static constexpr int kCt = kPlan.ct;
  static constexpr int kCpt = kPlan.cpt;
  static constexpr int kKSplit = kPlan.kSplit;
  /// Rows per part; when kKSplit does not divide K (a narrow input, say
  /// D = 13) the last parts get fewer rows, or none.
  static constexpr int kKPer = kPlan.kPer;
  static constexpr bool kEven = kPlan.even;
  static constexpr int kUnroll = kPlan.unroll;
  static constexpr int kScratchFloats = kPlan.scratchFloats;
  static_assert(kCt % 32 == 0, "column threads must be whole warps");
  static_assert(NThreads % kCt == 0, "bad GEMM split");
};

/// Lane geometry of a pass over trace rows of H floats: kLanes lanes share a
/// row (kVec float4 each), kRows rows (a row group) per warp iteration,
/// kGroups row groups per sequence.
template <int H, int N> struct RowPlan {
  static constexpr layout::Rows kPlan = layout::rows(H, N);
  static constexpr int kVec4 = kPlan.vec4;
  static constexpr int kLanes = kPlan.lanes;
  static constexpr int kVec = kPlan.vec;
  static constexpr int kRows = kPlan.rows;
  static constexpr int kGroups = kPlan.groups;
};

/// Everything a kernel instance needs: shape, schedule, plans and the
/// shared-memory layout (offsets in floats, every one a multiple of 4).
template <class Shape, class Sched> struct KernelConfig : Shape, Sched {
  using Sched::kGThreads;
  using Sched::kRThreads;
  using Sched::kTile;
  using Shape::kC;
  using Shape::kD;
  using Shape::kH;
  using Shape::kN;
  static constexpr int kThreads = kGThreads + kRThreads;
  static constexpr int kGWarps = kGThreads / 32, kRWarps = kRThreads / 32;
  static constexpr bool kCooperative = Shape::kBatchMean;
  using Sched::kPair;
  /// The streamed trace ring also carries the memory-bank rows.
  static constexpr bool kMemoryInRing =
      !Sched::kTraceOnChip && !Sched::kMemoryOnChip;

  using EncPlan = GemmPlan<kD, kH, kTile, kRThreads, kD, Sched::kSplitBelow>;
  using IntPlan =
      GemmPlan<3 * kH, 3 * kH, kTile, kGThreads, kH, Sched::kSplitBelow>;
  using OutPlan =
      GemmPlan<3 * kH, kH, kTile, kGThreads, 3 * kH, Sched::kSplitBelow>;
  using Rows = RowPlan<kH, kN>;

  static_assert(!Shape::kBatchMean || Sched::kTraceOnChip,
                "batch_mean keeps its one trace in shared memory");
  static_assert(!Sched::kStagedWeights ||
                    (kH % Sched::kStageRows == 0 &&
                     Sched::kStageRows % IntPlan::kKSplit == 0 &&
                     Sched::kStageRows % OutPlan::kKSplit == 0),
                "stage rows must tile the segments and the K split");

  /// The shared-memory layout (engram_layout.h, which the compiler's
  /// launch plan evaluates too), offsets in floats, each a multiple of 4.
  static constexpr layout::Smem kLayout = layout::smem(
      layout::Shape{kD, kH, kN, kC, Shape::kLayerNorm, Shape::kPool,
                    Shape::kBatchMean},
      layout::Sched{kTile, kGThreads, kRThreads, Sched::kPlacement,
                    Sched::kPrefetch, Sched::kMinBlocks, kPair,
                    Sched::kStageRows, Sched::kStages, Sched::kSplitBelow});
  static constexpr int kOffZm = int(kLayout.zm); // [2][z | m][H][Tile]
  static constexpr int kOffH = int(kLayout.h);
  static constexpr int kOffG = int(kLayout.g);
  static constexpr int kOffX = int(kLayout.x);
  static constexpr int kOffA = int(kLayout.a);
  static constexpr int kOffZInv = int(kLayout.zInv);
  static constexpr int kOffGScratch = int(kLayout.gScratch);
  static constexpr int kOffRScratch = int(kLayout.rScratch);
  static constexpr int kOffCtx = int(kLayout.ctx);
  static constexpr int kOffTrace = int(kLayout.trace);
  static constexpr int kOffMemory = int(kLayout.memory);
  static constexpr int kOffStage = int(kLayout.stage);
  static constexpr int kOffEnc = int(kLayout.enc);
  static constexpr int kOffWeights = int(kLayout.weights);
  static constexpr long long kSmemFloats = kLayout.total;
  /// One ring entry of the streamed trace: kPair trace row groups, plus the
  /// memory-bank row group when kMemoryInRing.
  static constexpr int kRingEntry = int(kLayout.ringEntry);

  /// Dynamic shared memory of one block, in bytes (when it fits).
  static constexpr int kSmemBytes = int(4 * kSmemFloats);
  /// Scratch floats per block: the double-buffered batch_mean partials.
  static constexpr int kScratchFloatsPerBlock =
      Shape::kBatchMean ? 2 * kN * kH : 0;
  __host__ __device__ static constexpr int gridFor(int batch) {
    return (batch + kTile - 1) / kTile;
  }
  /// Whether one block fits in an SM's shared memory (the compiler only
  /// generates schedules that do; forward checks it again).
  static constexpr bool kFits = 4 * kSmemFloats <= kMaxSmemBytes;
};

/// Everything in shared memory that can be (the usual small-model choice).
constexpr int kAllOnChip = kPlaceTrace | kPlaceMemory | kPlaceEncoder;

//===----------------------------------------------------------------------===//
// Small device helpers
//===----------------------------------------------------------------------===//

/// Sum over aligned groups of Width lanes (Width a power of two <= 32).
template <int Width> __device__ __forceinline__ float groupSum(float v) {
#pragma unroll
  for (int o = Width / 2; o > 0; o /= 2)
    v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <int Width> __device__ __forceinline__ float groupMax(float v) {
#pragma unroll
  for (int o = Width / 2; o > 0; o /= 2)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

/// bar.sync on a named barrier shared by `count` threads (whole warps).
__device__ __forceinline__ void namedBarrier(int id, int count) {
  asm volatile("bar.sync %0, %1;" ::"r"(id), "r"(count) : "memory");
}

/// 16-byte cp.async to shared memory, L2 only; srcBytes = 0 zero-fills.
__device__ __forceinline__ void cpAsync16(float *dst, const float *src,
                                          int srcBytes) {
  unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(d),
               "l"(src), "r"(srcBytes)
               : "memory");
}
__device__ __forceinline__ void cpAsyncCommit() {
  asm volatile("cp.async.commit_group;" ::: "memory");
}
template <int Pending> __device__ __forceinline__ void cpAsyncWait() {
  asm volatile("cp.async.wait_group %0;" ::"n"(Pending) : "memory");
}

__device__ __forceinline__ float4 zero4() {
  return make_float4(0.f, 0.f, 0.f, 0.f);
}
__device__ __forceinline__ float4 ld4(const float *p) {
  return *reinterpret_cast<const float4 *>(p);
}
__device__ __forceinline__ void st4(float *p, float4 v) {
  *reinterpret_cast<float4 *>(p) = v;
}
/// a*x + y, lane-wise.
__device__ __forceinline__ float4 axpy4(float a, float4 x, float4 y) {
  return make_float4(fmaf(a, x.x, y.x), fmaf(a, x.y, y.y), fmaf(a, x.z, y.z),
                     fmaf(a, x.w, y.w));
}
__device__ __forceinline__ float4 scale4(float a, float4 x) {
  return make_float4(a * x.x, a * x.y, a * x.z, a * x.w);
}
__device__ __forceinline__ float dot4(float4 a, float4 b, float acc) {
  return fmaf(a.x, b.x, fmaf(a.y, b.y, fmaf(a.z, b.z, fmaf(a.w, b.w, acc))));
}
__device__ __forceinline__ float clampf(float v, float bound) {
  return fminf(fmaxf(v, -bound), bound);
}
/// clip(keep*t + u, -bound, bound), lane-wise.
__device__ __forceinline__ float4 hebbian4(float keep, float4 t, float4 u,
                                           float bound) {
  return make_float4(
      clampf(fmaf(keep, t.x, u.x), bound), clampf(fmaf(keep, t.y, u.y), bound),
      clampf(fmaf(keep, t.z, u.z), bound), clampf(fmaf(keep, t.w, u.w), bound));
}
/// Column entries v[c..c+3][s] of a [rows][Tile] buffer.
template <int Tile>
__device__ __forceinline__ float4 column4(const float *v, int c, int s) {
  return make_float4(v[c * Tile + s], v[(c + 1) * Tile + s],
                     v[(c + 2) * Tile + s], v[(c + 3) * Tile + s]);
}

/// Copies n floats (n % 4 == 0, 16-byte aligned) with all `count` threads.
__device__ __forceinline__ void copyToShared(float *dst, const float *src,
                                             int n, int tid, int count) {
  for (int i = 4 * tid; i < n; i += 4 * count)
    st4(dst + i, __ldg(reinterpret_cast<const float4 *>(src + i)));
}

/// The shared memory of one block: every buffer is the base plus a
/// compile-time offset (no pointer table, so nothing lands in local memory).
template <class Cfg> struct Smem {
  static constexpr int kZmFloats = 2 * Cfg::kH * Cfg::kTile;
  static constexpr int kAFloats = roundUp4(Cfg::kTile * Cfg::kN);
  float *base;
  /// [z | m][H][Tile] of the step with this parity.
  __device__ float *zm(int step) const {
    return base + Cfg::kOffZm + (step & 1) * kZmFloats;
  }
  /// m half of zm(step).
  __device__ float *m(int step) const {
    return zm(step) + Cfg::kH * Cfg::kTile;
  }
  __device__ float *h() const { return base + Cfg::kOffH; }
  __device__ float *g() const { return base + Cfg::kOffG; }
  __device__ float *x() const { return base + Cfg::kOffX; }
  /// [Tile][N] logits, then softmax weights, of the step with this parity.
  __device__ float *a(int step) const {
    return base + Cfg::kOffA + (step & 1) * kAFloats;
  }
  __device__ float *zInv(int step) const {
    return base + Cfg::kOffZInv + (step & 1) * roundUp4(Cfg::kTile);
  }
  __device__ float *gScratch() const { return base + Cfg::kOffGScratch; }
  __device__ float *rScratch() const { return base + Cfg::kOffRScratch; }
  __device__ float *ctx() const { return base + Cfg::kOffCtx; }
  __device__ float *ctxSum() const {
    return base + Cfg::kOffCtx + Cfg::kH * Cfg::kTile;
  }
  __device__ float *trace() const { return base + Cfg::kOffTrace; }
  __device__ float *memory() const { return base + Cfg::kOffMemory; }
  __device__ float *stage() const { return base + Cfg::kOffStage; }
  __device__ float *wEnc() const { return base + Cfg::kOffEnc; }
  __device__ float *wInt() const { return base + Cfg::kOffWeights; }
  __device__ float *wOut() const { return wInt() + 9 * Cfg::kH * Cfg::kH; }
};

} // namespace engram::cuda

#endif // ENGRAM_CUDA_ENGRAM_CONFIG_CUH

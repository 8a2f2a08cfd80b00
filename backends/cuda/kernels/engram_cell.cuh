//===- engram_cell.cuh - persistent CUDA kernel of a cell -------*- C++ -*-===//
//
// The device code of `engramc --target=cuda` (with engram_config.cuh,
// engram_gemm.cuh and engram_trace.cuh): one persistent kernel runs all
// S steps of ENGRAM_SEMANTICS.md for a tile of sequences, plus the head
// (last / attention / sequence pooling, softmax or linear readout). A
// generated translation unit includes this header and instantiates
// `engram::cuda::forward<Config>` once per launch-plan entry:
//
//   using namespace engram::cuda;
//   using Cfg = KernelConfig<
//       ModelShape<28, 64, 32, 10, true, kPoolLast, kReadoutSoftmax, false>,
//       Schedule<8, 128, 128, kPlaceTrace, 8, 2>>;
//   extern "C" __global__ void
//   __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
//   engram_forward_t8(EngramCudaParams p) { forward<Cfg>(p); }
//
// ModelShape<D, H, N, C, LayerNorm, Pool, Readout, BatchMean> is the model;
// Schedule<Tile, GThreads, RThreads, Placement, Prefetch, MinBlocks, Pair,
// StageRows, Stages, SplitBelow> is how a block runs it (see Schedule).
//
// Launch rule: grid = Cfg::gridFor(B) = ceil(B / Tile) blocks (the last tile
// is masked), block = Cfg::kThreads, dynamic shared memory = Cfg::kSmemBytes
// (set CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES when above 48 KiB),
// scratch = Cfg::kScratchFloatsPerBlock floats per block (the launch plan's
// scratch_floats_per_block). The kernel traps when p's sizes, the grid or
// the block do not match Cfg. batch_mean configs (Cfg::kCooperative) need
// cuLaunchCooperativeKernel and a grid no larger than the co-resident block
// count. Pointers read as float4 (memory, traceInit, finalTrace, scratch,
// the kernels when staged) must be 16-byte aligned; runtime sections are.
//
// Design.
//
// * Persistent tile. Block b owns sequences [b*Tile, b*Tile+Tile) for all S
//   steps; h, z, m, g and the softmax weights stay in shared memory as
//   [feature][Tile] columns and only final states / outputs are written
//   (sequence pooling writes every step). The GEMMs [Tile x D].[D x H],
//   [Tile x 3H].[3H x 3H], [Tile x 3H].[3H x H] keep acc[columns][Tile] in
//   registers, so one weight load feeds Tile FMAs; every weight is read once
//   per block and step (GemmPlan: K is split over more threads, with a
//   shared-memory reduction, when the columns cannot occupy them). Weights
//   come through L2 with __ldg into a register double buffer, or
//   (kPlaceStaged) through a cp.async ring of weight rows, or
//   (kPlaceWeights, small tiles) from shared memory, staged once.
//
// * Two warp roles, overlapped. The recall chain (z, a, m, T) never reads h,
//   so R warps run the encoder, LN1, recall and Hebbian update of step k
//   while G warps run the integrator, output transform, LN2 and head of step
//   k-1 on the (z, m) the R warps left in the other half of a double buffer.
//   One __syncthreads per step hands over; each role syncs internally with
//   its own named barrier (G: 1, R: 2). Step time is max(R, G).
//
// * One pass over the trace per step. The softmax over the N slots is online
//   (running max, sum and a-weighted sum of E rows), so sim, a and
//   m = a^T E need one read of E = M + sT. The Hebbian update of step t-1
//   (which needs the final a_{t-1}) is deferred into the pass of step t:
//   each row is read once, updated, written once and used at once; a last
//   pass applies the final update. Row norms, E.z, LN statistics and
//   softmax merges are warp-shuffle butterflies. With Pair = 2 an R warp
//   walks two sequences at once (two dependency chains, one M row for both).
//
// * Where the trace lives. kPlaceTrace: [Tile][N][H] in shared memory for
//   the whole sequence (model A: 8 KiB per sequence). Otherwise (model B:
//   128 KiB per sequence) it streams through global memory in the
//   final-trace buffer: each R warp fills a ring of Prefetch entries (the
//   row group of each sequence of its pair, plus the M rows) with 16-byte
//   cp.async and writes updated rows with coalesced float4 stores. Keeping a
//   model-B trace on chip forces Tile = 1, and then each step re-reads
//   3.2 MB of weights from L2 for one sequence (~33 TB/s of L2 traffic at
//   the target rate); streaming costs 256 KiB of HBM traffic per
//   sequence-step and keeps Tile free for weight reuse.
//
// * batch_mean. One N x H trace in every block's shared memory (identical
//   copies). Each step every block writes sum_{s in tile} a_s (x) z_s to its
//   slot of `scratch`, cooperative_groups grid.sync(), then every block adds
//   all slots in block order (deterministic, identical in every block) and
//   applies the mean update; block 0 writes the final trace. Scratch is
//   double buffered by step parity, so one grid.sync per step suffices:
//   2 x gridDim x N x H floats.
//
// Cost model (per sequence and step, fp32; H100 SXM: 132 SMs, 67 TFLOP/s
// FMA peak, 3.35 TB/s HBM).
//   model A (D=28, H=64, N=32): encoder 3.6 kFLOP, integrator 73.7 kFLOP,
//     output 24.6 kFLOP, recall + update ~14 FLOP x N*H = 29 kFLOP: ~131
//     kFLOP/step, 3.7 MFLOP/sequence at S=28. Trace on chip, so HBM sees
//     only the input (112 B/step); weights 203 KB per block-step from L2
//     (25 KB per sequence-step at Tile=8). FP32 floor: 18M seq/s.
//   model B (D=28, H=256, N=128): encoder 14 kFLOP, integrator 1.18 MFLOP,
//     output 0.39 MFLOP, recall + update 0.46 MFLOP: ~2.05 MFLOP/step, 57
//     MFLOP/sequence. Trace streamed: 128 KiB read + 128 KiB written per
//     step (S writes + S-1 reads from HBM: 7.2 MB/sequence); weights 3.2 MB
//     per block-step from L2 (200 KB per sequence-step at Tile=16), M 64 KB
//     per sequence-step with Pair = 2. Floors: HBM 465k seq/s, FP32 1.17M.
//
// The launch plan (which Schedule serves which batch sizes) is chosen by
// the compiler: choosePlan in backends/cuda/CudaCodegen.cpp. What it
// measured on an H100, and why, is in docs/cuda-backend.md (model A at
// B=8192: 3.96M seq/s; model B: 266k seq/s, 57% of its HBM floor).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_CUDA_ENGRAM_CELL_CUH
#define ENGRAM_CUDA_ENGRAM_CELL_CUH

#include "engram_trace.cuh"

namespace engram::cuda {

//===----------------------------------------------------------------------===//
// The R role: encoder, LN1, recall, Hebbian update
//===----------------------------------------------------------------------===//

/// Per-thread prefetch of the next step's inputs (R threads).
template <class Cfg> struct InputPrefetch {
  static constexpr int kPer =
      (Cfg::kD * Cfg::kTile + Cfg::kRThreads - 1) / Cfg::kRThreads;
  float v[kPer];
  __device__ void load(const EngramCudaParams &p, int tile0, int valid,
                       int step, int rtid) {
#pragma unroll
    for (int q = 0; q < kPer; ++q) {
      const int e = rtid + Cfg::kRThreads * q, s = e / Cfg::kD,
                d = e - s * Cfg::kD;
      v[q] =
          (s < valid && step < p.steps)
              ? __ldg(p.input +
                      ((long long)(tile0 + s) * p.steps + step) * Cfg::kD + d)
              : 0.f;
    }
  }
  __device__ void store(float *x, int rtid) const {
#pragma unroll
    for (int q = 0; q < kPer; ++q) {
      const int e = rtid + Cfg::kRThreads * q, s = e / Cfg::kD,
                d = e - s * Cfg::kD;
      if (s < Cfg::kTile)
        x[d * Cfg::kTile + s] = v[q];
    }
  }
};

/// z_t of the tile (encoder, relu, LN1) into sm.zm(step), and 1/|z_t|.
template <class Cfg>
__device__ void encodeStep(const EngramCudaParams &p, const Smem<Cfg> &sm,
                           InputPrefetch<Cfg> &input, int tile0, int valid,
                           int step, int rtid) {
  constexpr int R = Cfg::kRThreads;
  input.store(sm.x(), rtid);
  input.load(p, tile0, valid, step + 1, rtid);
  namedBarrier(2, R);
  const float *w = Cfg::kEncoderOnChip ? sm.wEnc() : p.encKernel;
  float *z = sm.zm(step);
  gemmTile<typename Cfg::EncPlan, Cfg::kTile, Cfg::kH, Cfg::kD,
           Cfg::kEncoderOnChip>(w, p.encBias, sm.x(), sm.x(), sm.x(), z,
                                sm.rScratch(), rtid, 2, R);
  namedBarrier(2, R);
  const int lane = rtid & 31;
  for (int s = rtid / 32; s < Cfg::kTile; s += Cfg::kRWarps) {
    const float inv = normaliseColumn<Cfg::kH, Cfg::kTile, Cfg::kHValid>(
        z, s, Cfg::kLayerNorm, p.norm1Gamma, p.norm1Beta, p.normEpsilon, lane);
    if (lane == 0)
      sm.zInv(step)[s] = inv;
  }
  namedBarrier(2, R);
}

/// The trace pass of all valid tile sequences, per-sequence traces.
/// `step` == S is the final update-only pass. R warp rw owns the tile
/// sequences rw, rw + RWarps, ... and walks them kPair at a time.
template <class Cfg>
__device__ void tracePass(const EngramCudaParams &p, const Smem<Cfg> &sm,
                          int tile0, int valid, int step, int rtid) {
  constexpr long long kSeq = (long long)Cfg::kN * Cfg::kH;
  constexpr int P = Cfg::kPair;
  using R = typename Cfg::Rows;
  const int lane = rtid & 31, rw = rtid / 32;
  const TraceMode mode = step == 0         ? kRecallOnly
                         : step == p.steps ? kUpdateOnly
                                           : kUpdateAndRecall;
  const int nSeq =
      rw < valid ? (valid - rw + Cfg::kRWarps - 1) / Cfg::kRWarps : 0;
  const int nUnits = (nSeq + P - 1) / P;
  float *global = p.finalTrace + tile0 * kSeq;
  const float *memory = Cfg::kMemoryOnChip ? sm.memory() : p.memory;
  int s[P];
  float *dst[P];
  if constexpr (Cfg::kTraceOnChip) {
    ChipRows<Cfg> rows;
    rows.memory = memory;
    rows.grp = lane / R::kLanes;
    rows.sub = lane % R::kLanes;
    for (int u = 0; u < nUnits; ++u) {
      const int count = unitSequences<Cfg>(rw, nSeq, u, s);
#pragma unroll
      for (int q = 0; q < P; ++q) {
        float *chip = sm.trace() + s[q] * kSeq;
        rows.base[q] = chip;
        dst[q] = mode == kUpdateOnly ? global + s[q] * kSeq : chip;
      }
      traceUnit<Cfg>(p, sm, s, count, step, mode, rows, dst, lane);
    }
  } else {
    const bool fromInit = step <= 1;
    StreamRows<Cfg> rows;
    rows.ring = sm.trace() + rw * Cfg::kPrefetch * Cfg::kRingEntry;
    rows.src = fromInit ? (p.traceInit ? p.traceInit : p.finalTrace) : global;
    rows.seqStride = fromInit ? 0 : kSeq;
    rows.srcBytes = (fromInit && !p.traceInit) ? 0 : 16;
    rows.memory = memory;
    rows.firstSeq = rw;
    rows.nSeq = nSeq;
    rows.total = nUnits * R::kGroups;
    rows.grp = lane / R::kLanes;
    rows.sub = lane % R::kLanes;
    rows.start();
    for (int u = 0; u < nUnits; ++u) {
      const int count = unitSequences<Cfg>(rw, nSeq, u, s);
#pragma unroll
      for (int q = 0; q < P; ++q)
        dst[q] = global + s[q] * kSeq;
      traceUnit<Cfg>(p, sm, s, count, step, mode, rows, dst, lane);
    }
    rows.finish();
  }
}

/// batch_mean: this block's sum over its sequences of a_t (x) z_t, into its
/// scratch slot of the step's parity.
template <class Cfg>
__device__ void writePartialOuter(const EngramCudaParams &p,
                                  const Smem<Cfg> &sm, int valid, int step,
                                  int rtid) {
  constexpr int H = Cfg::kH, N = Cfg::kN, Tile = Cfg::kTile;
  const float *z = sm.zm(step), *a = sm.a(step);
  float *slot =
      p.scratch + ((long long)(step & 1) * gridDim.x + blockIdx.x) * N * H;
  for (int e = 4 * rtid; e < N * H; e += 4 * Cfg::kRThreads) {
    const int i = e / H, j = e - i * H;
    float4 acc = zero4();
    for (int s = 0; s < valid; ++s)
      acc = axpy4(a[s * N + i], column4<Tile>(z, j, s), acc);
    __stcg(reinterpret_cast<float4 *>(slot + e), acc);
  }
}

/// batch_mean, after grid.sync: T = clip((1-eta)T + eta * mean_b(a (x) z)),
/// the partials added in block order.
template <class Cfg>
__device__ void applyMeanUpdate(const EngramCudaParams &p, const Smem<Cfg> &sm,
                                int step, int rtid) {
  constexpr int NH = Cfg::kN * Cfg::kH;
  const float keep = 1.f - p.hebbianLr, rate = p.hebbianLr / float(p.batch);
  const float *parts = p.scratch + (long long)(step & 1) * gridDim.x * NH;
  for (int e = 4 * rtid; e < NH; e += 4 * Cfg::kRThreads) {
    float4 sum = zero4();
    for (unsigned b = 0; b < gridDim.x; ++b) {
      const float4 v = __ldcg(
          reinterpret_cast<const float4 *>(parts + b * (long long)NH + e));
      sum.x += v.x, sum.y += v.y, sum.z += v.z, sum.w += v.w;
    }
    st4(sm.trace() + e,
        hebbian4(keep, ld4(sm.trace() + e), scale4(rate, sum), p.traceClip));
  }
}

/// The R role of iteration `step` (0..S).
template <class Cfg>
__device__ void recallRole(const EngramCudaParams &p, const Smem<Cfg> &sm,
                           InputPrefetch<Cfg> &input, int tile0, int valid,
                           int step, int rtid) {
  if (step < p.steps)
    encodeStep<Cfg>(p, sm, input, tile0, valid, step, rtid);
  if constexpr (Cfg::kBatchMean) {
    if (step == p.steps)
      return;
    constexpr int P = Cfg::kPair;
    const int rw = rtid / 32;
    ChipRows<Cfg> rows;
    rows.memory = Cfg::kMemoryOnChip ? sm.memory() : p.memory;
    rows.grp = (rtid & 31) / Cfg::Rows::kLanes;
    rows.sub = (rtid & 31) % Cfg::Rows::kLanes;
    int s[P];
    float *const dst[P] = {};
#pragma unroll
    for (int q = 0; q < P; ++q)
      rows.base[q] = sm.trace();
    const int nSeq =
        rw < valid ? (valid - rw + Cfg::kRWarps - 1) / Cfg::kRWarps : 0;
    for (int u = 0; u < (nSeq + P - 1) / P; ++u) {
      const int count = unitSequences<Cfg>(rw, nSeq, u, s);
      traceUnit<Cfg>(p, sm, s, count, step, kRecallOnly, rows, dst, rtid & 31);
    }
    namedBarrier(2, Cfg::kRThreads);
    writePartialOuter<Cfg>(p, sm, valid, step, rtid);
  } else {
    tracePass<Cfg>(p, sm, tile0, valid, step, rtid);
    // Not needed for ordering (the __syncthreads that ends the iteration
    // hands m_t to the G role), but without it compute-sanitizer's racecheck
    // reports that hand-over as a RAW hazard whenever the m writes are the
    // R role's last shared accesses before that barrier.
    namedBarrier(2, Cfg::kRThreads);
  }
}

//===----------------------------------------------------------------------===//
// The G role: integrator, output transform, LN2, pooling, readout
//===----------------------------------------------------------------------===//

/// After h_t is in sm.h(): LN2, attention accumulation, sequence output.
template <class Cfg>
__device__ void stateEpilogue(const EngramCudaParams &p, const Smem<Cfg> &sm,
                              int tile0, int valid, int step, int gtid) {
  constexpr int H = Cfg::kH, Tile = Cfg::kTile;
  const int lane = gtid & 31;
  for (int s = gtid / 32; s < Tile; s += Cfg::kGWarps) {
    if constexpr (Cfg::kLayerNorm)
      normaliseColumn<H, Tile, Cfg::kHValid>(sm.h(), s, true, p.norm2Gamma,
                                             p.norm2Beta, p.normEpsilon, lane);
    __syncwarp();
    if (s >= valid)
      continue;
    if constexpr (Cfg::kPool == kPoolAttention) {
      float dot = 0.f;
      for (int j = lane; j < H; j += 32)
        dot = fmaf(sm.h()[j * Tile + s], __ldg(p.poolKernel + j), dot);
      // |e| <= 1, so exp(e) needs no running maximum.
      const float w = expf(tanhf(groupSum<32>(dot) + p.poolBias));
      for (int j = lane; j < H; j += 32)
        sm.ctx()[j * Tile + s] =
            fmaf(w, sm.h()[j * Tile + s], sm.ctx()[j * Tile + s]);
      if (lane == 0)
        sm.ctxSum()[s] += w;
    } else if constexpr (Cfg::kPool == kPoolSequence) {
      float *out = p.output +
                   ((long long)(tile0 + s) * p.steps + step) * headWidth<Cfg>();
      writeHead<Cfg>(p, sm.h(), s, 1.f, out, lane);
    }
  }
}

/// The G role for step t: h_t from (z_t, m_t, h_{t-1}).
template <class Cfg>
__device__ void stateRole(const EngramCudaParams &p, const Smem<Cfg> &sm,
                          int tile0, int valid, int step, int gtid) {
  constexpr int H = Cfg::kH, Tile = Cfg::kTile, G = Cfg::kGThreads;
  constexpr bool kChip = Cfg::kWeightsOnChip;
  constexpr int KC = Cfg::kStageRows, kStages = Cfg::kStages;
  const float *zm = sm.zm(step);
  if constexpr (Cfg::kStagedWeights)
    gemmStaged<typename Cfg::IntPlan, Tile, 3 * H, 3 * H, H, KC, kStages>(
        p.intKernel, p.intBias, zm, zm + H * Tile, sm.h(), sm.g(),
        sm.gScratch(), sm.stage(), gtid, 1, G);
  else
    gemmTile<typename Cfg::IntPlan, Tile, 3 * H, H, kChip>(
        kChip ? sm.wInt() : p.intKernel, p.intBias, zm, zm + H * Tile, sm.h(),
        sm.g(), sm.gScratch(), gtid, 1, G);
  namedBarrier(1, G);
  if constexpr (Cfg::kStagedWeights)
    gemmStaged<typename Cfg::OutPlan, Tile, H, 3 * H, 3 * H, KC, kStages>(
        p.outKernel, p.outBias, sm.g(), sm.g(), sm.g(), sm.h(), sm.gScratch(),
        sm.stage(), gtid, 1, G);
  else
    gemmTile<typename Cfg::OutPlan, Tile, H, 3 * H, kChip>(
        kChip ? sm.wOut() : p.outKernel, p.outBias, sm.g(), sm.g(), sm.g(),
        sm.h(), sm.gScratch(), gtid, 1, G);
  namedBarrier(1, G);
  stateEpilogue<Cfg>(p, sm, tile0, valid, step, gtid);
}

/// After the last step: pooled head and final hidden states.
template <class Cfg>
__device__ void finishState(const EngramCudaParams &p, const Smem<Cfg> &sm,
                            int tile0, int valid, int gtid) {
  constexpr int H = Cfg::kH, Tile = Cfg::kTile;
  const int lane = gtid & 31;
  for (int s = gtid / 32; s < valid; s += Cfg::kGWarps) {
    const long long b = tile0 + s;
    if constexpr (Cfg::kPool == kPoolLast)
      writeHead<Cfg>(p, sm.h(), s, 1.f, p.output + b * headWidth<Cfg>(), lane);
    else if constexpr (Cfg::kPool == kPoolAttention)
      writeHead<Cfg>(p, sm.ctx(), s, 1.f / sm.ctxSum()[s],
                     p.output + b * headWidth<Cfg>(), lane);
    for (int j = lane; j < H; j += 32)
      p.finalHidden[b * H + j] = sm.h()[j * Tile + s];
  }
}

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

/// Zeroes the recurrent state and stages what lives on chip.
template <class Cfg>
__device__ void initialiseBlock(const EngramCudaParams &p, const Smem<Cfg> &sm,
                                int valid) {
  constexpr int H = Cfg::kH, N = Cfg::kN;
  const int tid = threadIdx.x, nt = Cfg::kThreads;
  // zm, h (and the attention context right after the scratch) start at 0.
  for (int i = tid; i < Cfg::kOffG; i += nt)
    sm.base[i] = 0.f;
  for (int i = Cfg::kOffCtx + tid; i < Cfg::kOffTrace; i += nt)
    sm.base[i] = 0.f;
  if constexpr (Cfg::kTraceOnChip) {
    const int copies = Cfg::kBatchMean ? 1 : valid;
    for (int s = 0; s < copies; ++s) {
      float *t = sm.trace() + s * N * H;
      if (p.traceInit)
        copyToShared(t, p.traceInit, N * H, tid, nt);
      else
        for (int i = tid; i < N * H; i += nt)
          t[i] = 0.f;
    }
  }
  if constexpr (Cfg::kMemoryOnChip)
    copyToShared(sm.memory(), p.memory, N * H, tid, nt);
  if constexpr (Cfg::kEncoderOnChip)
    copyToShared(sm.wEnc(), p.encKernel, Cfg::kD * H, tid, nt);
  if constexpr (Cfg::kWeightsOnChip) {
    copyToShared(sm.wInt(), p.intKernel, 9 * H * H, tid, nt);
    copyToShared(sm.wOut(), p.outKernel, 3 * H * H, tid, nt);
  }
}

/// True when the launch matches the sizes the kernel was built for.
template <class Cfg> __device__ bool launchMatches(const EngramCudaParams &p) {
  return p.inputDim == Cfg::kD && p.hidden == Cfg::kH && p.slots == Cfg::kN &&
         p.units == Cfg::kC && p.steps >= 1 &&
         gridDim.x == unsigned(Cfg::gridFor(p.batch)) &&
         blockDim.x == unsigned(Cfg::kThreads);
}

/// The whole forward pass of the tile of block blockIdx.x; see the file
/// comment for the schedule. Iteration k runs the recall of step k (R) and
/// the state update of step k-1 (G); iteration S applies the last Hebbian
/// update (R) and the last state update (G).
template <class Cfg> __device__ void forward(const EngramCudaParams &p) {
  static_assert(Cfg::kFits, "tile does not fit in shared memory; lower Tile "
                            "or stream the trace");
  if (!launchMatches<Cfg>(p))
    __trap();
  extern __shared__ float4 engramSharedMemory[];
  const Smem<Cfg> sm{reinterpret_cast<float *>(engramSharedMemory)};
  const int tid = threadIdx.x;
  const bool isState = tid < Cfg::kGThreads;
  const int rtid = tid - Cfg::kGThreads;
  const int tile0 = blockIdx.x * Cfg::kTile;
  const int valid = min(Cfg::kTile, p.batch - tile0);

  initialiseBlock<Cfg>(p, sm, valid);
  InputPrefetch<Cfg> input;
  if (!isState)
    input.load(p, tile0, valid, 0, rtid);
  __syncthreads();

  for (int k = 0; k <= p.steps; ++k) {
    if (!isState)
      recallRole<Cfg>(p, sm, input, tile0, valid, k, rtid);
    else if (k > 0)
      stateRole<Cfg>(p, sm, tile0, valid, k - 1, tid);
    if constexpr (Cfg::kBatchMean) {
      if (k < p.steps) {
        cooperative_groups::this_grid().sync();
        if (!isState)
          applyMeanUpdate<Cfg>(p, sm, k, rtid);
      }
    }
    __syncthreads();
  }

  if (isState)
    finishState<Cfg>(p, sm, tile0, valid, tid);
  if constexpr (Cfg::kBatchMean)
    if (blockIdx.x == 0)
      for (int i = 4 * tid; i < Cfg::kN * Cfg::kH; i += 4 * Cfg::kThreads)
        st4(p.finalTrace + i, ld4(sm.trace() + i));
}

} // namespace engram::cuda

#endif // ENGRAM_CUDA_ENGRAM_CELL_CUH

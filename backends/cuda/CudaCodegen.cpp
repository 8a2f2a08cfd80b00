//===- CudaCodegen.cpp - engram IR to a CUDA artifact ----------------------===//
//
// Generates the translation unit that instantiates the persistent kernel of
// kernels/engram_cell.cuh for the model's sizes (one kernel per launch-plan
// entry), compiles it to PTX with nvcc and the PTX to a cubin with ptxas, and
// packs both with the weights into a `.cuda` bundle. The kernel header and
// the ABI header are embedded in engramc, so only the CUDA toolkit is needed
// at compile time; the runtime needs only the driver.
//
//===----------------------------------------------------------------------===//

#include "backends/cuda/CudaCodegen.h"
#include "passes/CellPlan.h"

#include "runtime/CudaBundle.h"
#include "runtime/HiddenPadding.h"
#include "runtime/engram_cuda_abi.h"

#include "backends/cuda/kernels/engram_layout.h"
#include "runtime/Version.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdlib>
#include <limits>

// The headers of kernels/ and the ABI header, embedded by CMakeLists.txt.
#define ENGRAM_EMBEDDED(name)                                                  \
  extern const unsigned char name##_text[];                                    \
  extern const std::size_t name##_text_size;
ENGRAM_EMBEDDED(engram_cell)
ENGRAM_EMBEDDED(engram_config)
ENGRAM_EMBEDDED(engram_gemm)
ENGRAM_EMBEDDED(engram_layout)
ENGRAM_EMBEDDED(engram_trace)
ENGRAM_EMBEDDED(engram_cuda_abi)
#undef ENGRAM_EMBEDDED

using namespace mlir;
using namespace mlir::engram;
namespace rt = ::engram::runtime;

namespace {

namespace layout = ::engram::cuda::layout;

/// One kernel of the launch plan: candidate schedules of the persistent
/// kernel in order of preference and the batch sizes it serves; the plan
/// keeps the first candidate whose block fits in shared memory.
struct BatchClass {
  int64_t minBatch, maxBatch;
  SmallVector<layout::Sched> schedules;
};

/// A schedule: tile, G threads, R threads, placement, then the optional
/// parameters of engram::cuda::Schedule in order (prefetch, min blocks,
/// pair, stage rows, stages, split below).
layout::Sched sched(int tile, int gThreads, int rThreads, int placement,
                    ArrayRef<int> rest = {}) {
  layout::Sched s{tile, gThreads, rThreads, placement};
  int *optional[] = {&s.prefetch,  &s.minBlocks, &s.pair,
                     &s.stageRows, &s.stages,    &s.splitBelow};
  for (auto [i, value] : llvm::enumerate(rest))
    *optional[i] = value;
  return s;
}

/// The launch plan for `model`, run by kernels of hidden width `hidden`, on
/// an H100 (132 SMs): one sequence per block while the batch is too small
/// to fill the SMs (weights staged in shared memory once when they fit),
/// then tiles of 4 and 8-16 sequences for weight reuse; traces stay in
/// shared memory when they fit and stream through global memory otherwise
/// (docs/cuda-backend.md has the numbers). Large models fall back to tiles
/// of 2 and 1 with everything streamed.
SmallVector<BatchClass> candidatePlan(const rt::Model &model, int64_t hidden) {
  using namespace layout;
  const int g = hidden >= 256 ? 256 : 128;
  const int allOnChip = kPlaceTrace | kPlaceMemory | kPlaceEncoder;
  const int64_t big = std::numeric_limits<int32_t>::max();
  if (model.config.traceBatching == rt::TraceBatching::BatchMean) {
    // Cooperative: the grid must be co-resident, so tiles grow with B.
    return {{1,
             528,
             {sched(4, g, 64, allOnChip, {8, 1, 2}),
              sched(4, g, 64, kPlaceTrace, {8, 1, 2})}},
            {529,
             big,
             {sched(16, g, 128, allOnChip, {8, 1, 2}),
              sched(16, g, 128, kPlaceTrace, {8, 1, 2})}}};
  }
  SmallVector<BatchClass> plan = {
      {1,
       160,
       {sched(1, g, 32, allOnChip | kPlaceWeights),
        sched(1, g, 32, kPlaceTrace), sched(1, g, 32, 0)}},
      {161,
       1536,
       {sched(4, g, 128, kPlaceTrace | kPlaceMemory, {8, 2}),
        sched(4, g, 128, kPlaceTrace, {8, 1}), sched(8, g, 128, 0, {8, 1, 2}),
        sched(8, g, 128, 0, {4, 1, 2})}},
      {1537,
       big,
       {sched(8, g, 128, kPlaceTrace, {8, 2}), sched(16, g, 128, 0, {4, 1, 2}),
        sched(8, g, 128, 0, {4, 1, 2})}}};
  // H = 1024: a tile of 8 needs 128 KB for z and m alone.
  for (BatchClass &batchClass : plan) {
    batchClass.schedules.push_back(sched(2, g, 64, 0, {4, 1, 1}));
    batchClass.schedules.push_back(sched(1, g, 32, 0, {2}));
  }
  if (hidden == 256) {
    // Measured on an H100 for H=256, N=128 (bench/cuda_bench.py's model B):
    // weights staged through a cp.async ring at 161..1536 sequences (+33 %
    // at B=1024), 384 G threads for large batches (+9 % at B=8192).
    plan[1].schedules.insert(
        plan[1].schedules.begin(),
        sched(8, 256, 128, kPlaceStaged, {4, 1, 2, 8, 3, 16}));
    plan[2].schedules.insert(plan[2].schedules.begin(),
                             sched(16, 384, 128, 0, {4, 1, 2}));
  }
  return plan;
}

/// The kernels' view of `model`: its sizes at the kernels' width.
layout::Shape layoutShape(const rt::Model &model) {
  const rt::ModelConfig &config = model.config;
  return {int(config.inputDim),
          int(rt::paddedHiddenDim(config.cell.hiddenDim,
                                  ENGRAM_CUDA_HIDDEN_MULTIPLE)),
          int(config.cell.memorySize),
          int(config.hasReadout() ? config.head.units : 0),
          config.cell.useLayerNorm,
          config.pooling() == rt::Pooling::Attention ? 1 : 0,
          config.traceBatching == rt::TraceBatching::BatchMean};
}

/// engram::cuda::Schedule<...> for `s`.
std::string scheduleText(const layout::Sched &s) {
  std::string placement;
  const std::pair<int, const char *> bits[] = {
      {layout::kPlaceTrace, "kPlaceTrace"},
      {layout::kPlaceMemory, "kPlaceMemory"},
      {layout::kPlaceEncoder, "kPlaceEncoder"},
      {layout::kPlaceWeights, "kPlaceWeights"},
      {layout::kPlaceStaged, "kPlaceStaged"}};
  for (auto [bit, name] : bits)
    if (s.placement & bit)
      placement +=
          (placement.empty() ? "engram::cuda::" : " | engram::cuda::") +
          std::string(name);
  return llvm::formatv("engram::cuda::Schedule<{0}, {1}, {2}, {3}, {4}, {5}, "
                       "{6}, {7}, {8}, {9}>",
                       s.tile, s.gThreads, s.rThreads,
                       placement.empty() ? "0" : placement, s.prefetch,
                       s.minBlocks, s.pair, s.stageRows, s.stages, s.splitBelow)
      .str();
}

/// Finds a CUDA tool: `explicitPath`, $CUDA_HOME/bin, /usr/local/cuda/bin,
/// then PATH.
FailureOr<std::string> findTool(StringRef name, StringRef explicitPath) {
  if (!explicitPath.empty()) {
    if (llvm::sys::fs::can_execute(explicitPath))
      return explicitPath.str();
    return failure();
  }
  SmallVector<std::string> candidates;
  if (const char *home = std::getenv("CUDA_HOME"))
    candidates.push_back((Twine(home) + "/bin/" + name).str());
  candidates.push_back(("/usr/local/cuda/bin/" + name).str());
  for (const std::string &path : candidates)
    if (llvm::sys::fs::can_execute(path))
      return path;
  if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName(name))
    return *found;
  return failure();
}

/// Runs `args`; on failure, a diagnostic with the tool's output.
LogicalResult runTool(ModuleOp module, ArrayRef<std::string> args,
                      StringRef logPath) {
  SmallVector<StringRef> argv(args.begin(), args.end());
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(logPath),
                                          StringRef(logPath)};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(args[0], argv, std::nullopt, redirects,
                                     /*SecondsToWait=*/0, /*MemoryLimit=*/0,
                                     &error);
  if (rc == 0)
    return success();
  std::string log;
  if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
    log = (*buffer)->getBuffer().str();
  return module.emitError() << "--target=cuda: " << llvm::sys::path::filename(args[0])
                            << " failed"
                            << (error.empty() ? "" : " (" + error + ")")
                            << ":\n"
                            << log;
}

/// Ints of the launch plan that each generated kernel publishes as
/// `__constant__ int engram_plan_<i>[kPlanInts]`, read back from the PTX.
constexpr int kPlanInts = 8;
enum PlanField {
  kPlanTile,
  kPlanThreads,
  kPlanSmem,
  kPlanScratch,
  kPlanMinBatch,
  kPlanMaxBatch,
  kPlanCooperative,
  kPlanMinBlocks
};

/// Reads `.const .align 4 .b8 NAME[32] = {...}` (bytes, trailing zeros
/// omitted) from `ptx`.
FailureOr<std::array<int64_t, kPlanInts>> readPlan(StringRef ptx,
                                                  StringRef name) {
  std::string key = (" " + name + "[" + Twine(4 * kPlanInts) + "]").str();
  size_t at = ptx.find(key);
  if (at == StringRef::npos)
    return failure();
  StringRef rest = ptx.drop_front(at).split('{').second.split('}').first;
  SmallVector<StringRef> items;
  rest.split(items, ',');
  uint8_t bytes[4 * kPlanInts] = {};
  for (size_t i = 0; i < items.size() && i < sizeof(bytes); ++i) {
    unsigned value;
    if (items[i].trim().getAsInteger(10, value) || value > 255)
      return failure();
    bytes[i] = value;
  }
  std::array<int64_t, kPlanInts> plan;
  for (int i = 0; i < kPlanInts; ++i)
    plan[i] = int32_t(uint32_t(bytes[4 * i]) | uint32_t(bytes[4 * i + 1]) << 8 |
                      uint32_t(bytes[4 * i + 2]) << 16 |
                      uint32_t(bytes[4 * i + 3]) << 24);
  return plan;
}

/// Writes `text` to `dir`/`name`.
LogicalResult writeText(ModuleOp module, StringRef dir, StringRef name,
                        StringRef text) {
  SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return module.emitError() << "--target=cuda: cannot write " << path
                              << ": " << ec.message();
  os << text;
  return success();
}

} // namespace

namespace {

/// One kernel of the resolved launch plan.
struct PlannedKernel {
  int64_t minBatch, maxBatch;
  layout::Sched schedule;
};

/// Per batch class of `model`, the first candidate whose block fits in an
/// sm_90 block's shared memory; a model for which one class has none is
/// refused here, before nvcc, with what its smallest candidate needs.
FailureOr<SmallVector<PlannedKernel>> resolvePlan(ModuleOp module,
                                                  const rt::Model &model) {
  const layout::Shape shape = layoutShape(model);
  SmallVector<PlannedKernel> kernels;
  for (const BatchClass &batchClass : candidatePlan(model, shape.h)) {
    const layout::Sched *chosen = nullptr;
    long long smallest = std::numeric_limits<long long>::max();
    for (const layout::Sched &candidate : batchClass.schedules) {
      smallest = std::min(smallest, 4 * layout::smem(shape, candidate).total);
      if (!chosen && layout::fits(shape, candidate))
        chosen = &candidate;
    }
    if (!chosen)
      return module.emitError()
             << "--target=cuda: no schedule of the CUDA kernels fits this "
                "model (hidden_dim "
             << model.config.cell.hiddenDim << ", memory_size " << shape.n
             << (shape.batchMean ? ", batch_mean trace" : "")
             << "): the smallest needs " << (smallest + 1023) / 1024
             << " KB of shared memory per block for batches "
             << batchClass.minBatch << ".." << batchClass.maxBatch
             << ", an sm_90 block has " << layout::kMaxSmemBytes / 1024;
    kernels.push_back({batchClass.minBatch, batchClass.maxBatch, *chosen});
  }
  return kernels;
}

} // namespace

FailureOr<std::string>
mlir::engram::generateCudaSource(ModuleOp module, const rt::Model &model) {
  FailureOr<SmallVector<PlannedKernel>> plan = resolvePlan(module, model);
  if (failed(plan))
    return failure();
  const rt::ModelConfig &config = model.config;
  const rt::CellConfig &cell = config.cell;
  const layout::Shape shape = layoutShape(model);
  int pool = config.pooling() == rt::Pooling::Last        ? 0
             : config.pooling() == rt::Pooling::Attention ? 1
                                                          : 2;
  int readout = !config.hasReadout()                                ? 0
                : config.head.activation == rt::Activation::Softmax ? 1
                                                                    : 2;
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "// Generated by engramc --target=cuda; the kernel is\n"
        "// backends/cuda/kernels/engram_cell.cuh, specialised below.\n"
     << "// Model: D=" << config.inputDim << " H=" << cell.hiddenDim
     << " N=" << cell.memorySize << " C=" << config.head.units
     << " pooling=" << rt::toString(config.pooling())
     << " trace_batching=" << rt::toString(config.traceBatching) << "\n"
     << "#include \"engram_cell.cuh\"\n\n"
     << llvm::formatv("using Shape = engram::cuda::ModelShape<{0}, {1}, {2}, "
                      "{3}, {4}, {5}, {6}, {7}, {8}>;\n",
                      shape.d, shape.h, shape.n, shape.c,
                      shape.layerNorm ? "true" : "false", pool, readout,
                      shape.batchMean ? "true" : "false", cell.hiddenDim);
  for (auto [i, kernel] : llvm::enumerate(*plan)) {
    const long long bytes = 4 * layout::smem(shape, kernel.schedule).total;
    os << "\n// Batches " << kernel.minBatch << ".." << kernel.maxBatch
       << ": the launch plan's first schedule that fits.\n"
       << "using Config" << i << " = engram::cuda::KernelConfig<Shape, "
       << scheduleText(kernel.schedule) << ">;\n"
       << llvm::formatv("static_assert(Config{0}::kSmemBytes == {1}, \"the "
                        "kernel's shared memory is the launch plan's\");\n",
                        i, bytes);
    os << llvm::formatv(
        "extern \"C\" __global__ void\n"
        "__launch_bounds__(Config{0}::kThreads, Config{0}::kMinBlocks)\n"
        "engram_forward_{0}(EngramCudaParams p) {{\n"
        "  engram::cuda::forward<Config{0}>(p);\n}\n"
        "// tile, threads, smem bytes, scratch floats per block, min batch,\n"
        "// max batch, cooperative, min blocks per SM: read back by engramc.\n"
        "extern \"C\" __constant__ int engram_plan_{0}[{1}] = {{\n"
        "    Config{0}::kTile, Config{0}::kThreads, Config{0}::kSmemBytes,\n"
        "    Config{0}::kScratchFloatsPerBlock, {2}, {3}, {4}, "
        "Config{0}::kMinBlocks};\n",
        i, kPlanInts, kernel.minBatch, kernel.maxBatch,
        shape.batchMean ? 1 : 0);
  }
  return text;
}

namespace {

/// The cell as the CUDA artifact holds it.
struct CudaCell {
  /// The float model: every weight, and the bank when it is float.
  rt::Model model;
  /// A quantized bank as the artifact stores it (packed integers and
  /// scales, dequantized to M̂ = q·scale when the artifact is loaded).
  std::optional<rt::PackedBank> packedBank;
};

/// The cell of the module as the CUDA artifact holds it, if the kernels can
/// run it: top-k recall, fixed-point and bfloat16 traces they cannot yet.
FailureOr<CudaCell> liftForCuda(ModuleOp module, TimingScope &timing) {
  TimingScope lift = timing.nest("Recognise the cell");
  FailureOr<CellPlan> plan = analyzeCell(module, "--target=cuda");
  if (failed(plan))
    return failure();
  if (plan->topK)
    return plan->recallOp.emitOpError()
           << "--target=cuda: top-k recall is not implemented by the CUDA "
              "kernels yet";
  if (plan->trace.fixed())
    return plan->updateOp.emitOpError()
           << "--target=cuda: fixed-point traces are not implemented by the "
              "CUDA kernels yet";
  if (plan->trace.bf16)
    return plan->updateOp.emitOpError()
           << "--target=cuda: bfloat16 traces are not implemented by the "
              "CUDA kernels yet";
  CudaCell cell{{plan->config, std::move(plan->weights)}, std::nullopt};
  if (plan->bank.quantized())
    cell.packedBank = plan->bank.packed();
  else
    cell.model.weights["cell.memory"] = {{plan->bank.rows, plan->bank.width},
                                         plan->bank.dense()};
  return cell;
}

/// nvcc, and ptxas beside it.
struct Toolchain {
  std::string nvcc, ptxas;
};

FailureOr<Toolchain> findToolchain(ModuleOp module,
                                   const CudaTargetOptions &options) {
  FailureOr<std::string> nvcc = findTool("nvcc", options.nvcc);
  if (failed(nvcc))
    return module.emitError()
           << "--target=cuda needs nvcc (the CUDA toolkit, 12 or later): "
           << (options.nvcc.empty()
                   ? "not in $CUDA_HOME/bin, /usr/local/cuda/bin or PATH; "
                     "set --nvcc or CUDA_HOME"
                   : "'" + options.nvcc + "' is not an executable");
  std::string ptxas = (llvm::sys::path::parent_path(*nvcc) + "/ptxas").str();
  if (!llvm::sys::fs::can_execute(ptxas))
    return module.emitError() << "--target=cuda: no ptxas beside " << *nvcc;
  return Toolchain{*nvcc, ptxas};
}

/// The kernel headers embedded in engramc and the model's translation unit,
/// written into `dir`.
LogicalResult writeSources(ModuleOp module, StringRef dir,
                           StringRef source) {
  struct Embedded {
    const char *name;
    const unsigned char *data;
    size_t size;
  };
  const Embedded headers[] = {
      {"engram_cell.cuh", engram_cell_text, engram_cell_text_size},
      {"engram_config.cuh", engram_config_text, engram_config_text_size},
      {"engram_gemm.cuh", engram_gemm_text, engram_gemm_text_size},
      {"engram_layout.h", engram_layout_text, engram_layout_text_size},
      {"engram_trace.cuh", engram_trace_text, engram_trace_text_size},
      {"engram_cuda_abi.h", engram_cuda_abi_text, engram_cuda_abi_text_size}};
  for (const Embedded &header : headers)
    if (failed(writeText(
            module, dir, header.name,
            StringRef(reinterpret_cast<const char *>(header.data), header.size))))
      return failure();
  return writeText(module, dir, "model.cu", source);
}

/// The PTX (through nvcc) and the cubin (through ptxas) of `dir`/model.cu;
/// the cubin only when `cubin` is given.
LogicalResult compileSources(ModuleOp module, const Toolchain &tools,
                             const CudaTargetOptions &options, StringRef dir,
                             std::string &ptx, std::string *cubin,
                             TimingScope &timing) {
  std::string cu = (dir + "/model.cu").str(), ptxPath = (dir + "/model.ptx").str(),
              cubinPath = (dir + "/model.cubin").str(),
              log = (dir + "/tool.log").str();
  std::string compute = "compute_" + StringRef(options.arch).drop_front(3).str();
  TimingScope nvccTimer = timing.nest("nvcc (CUDA C++ to PTX)");
  std::vector<std::string> args = {tools.nvcc, "-std=c++17", "-O3", "-ptx",
                                   "-arch=" + compute, "-I", dir.str(), cu,
                                   "-o", ptxPath};
  if (options.lineInfo)
    args.push_back("-lineinfo");
  if (failed(runTool(module, args, log)))
    return failure();
  nvccTimer.stop();
  auto ptxFile = llvm::MemoryBuffer::getFile(ptxPath);
  if (!ptxFile)
    return module.emitError() << "--target=cuda: nvcc wrote no PTX";
  ptx = (*ptxFile)->getBuffer().str();
  if (!cubin)
    return success();
  TimingScope ptxasTimer = timing.nest("ptxas (PTX to cubin)");
  if (failed(runTool(module,
                     {tools.ptxas, "-O3", "-arch=" + options.arch, ptxPath,
                      "-o", cubinPath},
                     log)))
    return failure();
  auto cubinFile = llvm::MemoryBuffer::getFile(cubinPath, /*IsText=*/false);
  if (!cubinFile)
    return module.emitError() << "--target=cuda: ptxas wrote no cubin";
  *cubin = (*cubinFile)->getBuffer().str();
  return success();
}

/// The launch plan, as the compiler resolved it into the PTX.
FailureOr<std::vector<rt::CudaKernelEntry>> readLaunchPlan(ModuleOp module,
                                                           StringRef ptx) {
  std::vector<rt::CudaKernelEntry> kernels;
  for (int i = 0;; ++i) {
    FailureOr<std::array<int64_t, kPlanInts>> plan =
        readPlan(ptx, "engram_plan_" + std::to_string(i));
    if (failed(plan))
      break;
    rt::CudaKernelEntry entry;
    entry.name = "engram_forward_" + std::to_string(i);
    entry.tile = (*plan)[kPlanTile];
    entry.threads = (*plan)[kPlanThreads];
    entry.dynamicSmemBytes = (*plan)[kPlanSmem];
    entry.scratchFloatsPerBlock = (*plan)[kPlanScratch];
    entry.minBatch = (*plan)[kPlanMinBatch];
    entry.maxBatch = (*plan)[kPlanMaxBatch];
    entry.cooperative = (*plan)[kPlanCooperative] != 0;
    kernels.push_back(entry);
  }
  if (kernels.empty())
    return module.emitError() << "--target=cuda: the PTX holds no launch plan";
  return kernels;
}

/// The bytes of the `.cuda` file.
FailureOr<std::string> bundle(ModuleOp module, const CudaCell &cell,
                              const CudaTargetOptions &options,
                              const std::string &cubin,
                              const std::string &ptx) {
  FailureOr<std::vector<rt::CudaKernelEntry>> kernels =
      readLaunchPlan(module, ptx);
  if (failed(kernels))
    return failure();
  rt::CudaBundle bundle = rt::makeCudaBundle(cell.model, cubin, ptx, *kernels);
  bundle.memory = cell.packedBank;
  // The kernels' width, as the launch plan had it.
  const int64_t padded = layoutShape(cell.model).h;
  bundle.paddedHidden =
      padded == cell.model.config.cell.hiddenDim ? 0 : padded;
  bundle.target = {{"arch", options.arch},
                   {"producer", rt::producer("engramc")},
                   {"kernel", "persistent recurrent kernel "
                              "(backends/cuda/kernels/engram_cell.cuh)"}};
  rt::StatusOr<std::string> bytes = rt::encodeCudaBundle(bundle);
  if (!bytes)
    return module.emitError() << "--target=cuda: " << bytes.status().message();
  return std::move(*bytes);
}

} // namespace

FailureOr<std::string>
mlir::engram::compileForCuda(ModuleOp module, const CudaTargetOptions &options,
                             CudaStage stage, TimingScope &timing) {
  FailureOr<CudaCell> cell = liftForCuda(module, timing);
  if (failed(cell))
    return failure();
  FailureOr<std::string> source = generateCudaSource(module, cell->model);
  if (failed(source))
    return failure();
  if (stage == CudaStage::Source)
    return source;
  FailureOr<Toolchain> tools = findToolchain(module, options);
  if (failed(tools))
    return failure();
  SmallString<128> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("engramc-cuda", dir))
    return module.emitError() << "--target=cuda: cannot create a temporary "
                                 "directory: "
                              << ec.message();
  llvm::scope_exit cleanup([&] { llvm::sys::fs::remove_directories(dir); });
  std::string ptx, cubin;
  if (failed(writeSources(module, dir, *source)) ||
      failed(compileSources(module, *tools, options, dir, ptx,
                            stage == CudaStage::Ptx ? nullptr : &cubin,
                            timing)))
    return failure();
  if (stage == CudaStage::Ptx)
    return ptx;
  return bundle(module, *cell, options, cubin, ptx);
}

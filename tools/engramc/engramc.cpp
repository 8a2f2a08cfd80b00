//===- engramc.cpp - the engram compiler driver ---------------------------===//
//
// engramc MODEL [--target=cpu|cuda]
//               [--emit=engram|linalg|llvm|llvm-ir|asm|cuda|ptx|snn]
//               [--cpu=NAME] [--cpu-features=FEATURES] [-o FILE]
//               [--cuda-arch=sm_90] [--nvcc=PATH] [--cuda-lineinfo]
//               [--quantize=int8|int4|binary[:memory|trace|both]]
//               [--sparsify=topk=K,density=D]
//               [--snn-calibration=FILE.npy --snn-encoding=rate|graded
//                --snn-timesteps=N --snn-profile=generic|loihi2|spinnaker ...]
//
// Reads a model package (directory or model.json) or engram MLIR text,
// verifies it, and prints the engram IR or compiles it for a target. Every
// failure exits with code 1 and leaves no output file behind.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/CpuCodegen.h"
#include "backends/cuda/CudaCodegen.h"
#include "backends/lava/Lava.h"
#include "backends/nir/Nir.h"
#include "backends/snn/ToRuntime.h"
#include "backends/spinnaker/Pynn.h"
#include "passes/Import.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"
#include "runtime/Files.h"
#include "runtime/Package.h"
#include "runtime/Text.h"
#include "runtime/Version.h"
#include "tools/ToolSupport.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Target { None, Cpu, Cuda, Lava, Nir, Spinnaker };

bool neuromorphic(Target t) {
  return t == Target::Lava || t == Target::Nir || t == Target::Spinnaker;
}
enum class Emit {
  Default,
  Engram,
  Linalg,
  LLVMDialect,
  LLVMIR,
  Assembly,
  Cuda,
  Ptx,
  Snn
};

/// The message for a value that is none of an option's `valid` ones.
std::string notAChoice(StringRef value, SmallVector<StringRef> valid) {
  llvm::sort(valid);
  return ("'" + value +
          "' is not one of its values (valid: " + llvm::join(valid, ", ") + ")")
      .str();
}

/// A parser of an enumerated option whose error lists the valid values.
template <typename T> class ChoiceParser : public cl::parser<T> {
public:
  using cl::parser<T>::parser;
  bool parse(cl::Option &option, StringRef, StringRef arg, T &value) {
    SmallVector<StringRef> valid;
    for (const auto &choice : this->Values) {
      if (choice.Name == arg) {
        value = choice.V.getValue();
        return false;
      }
      valid.push_back(choice.Name);
    }
    return option.error(notAChoice(arg, valid));
  }
};

// Categories sort by name in --help: engram's come first ('E' < 'G', 'M').
cl::OptionCategory category("Engram options");

cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<model package directory, model.json, "
                                        ".mlir file ('-' for stdin MLIR) or "
                                        "spiking network (.pb, .nir)>"),
                               cl::cat(category));

cl::opt<std::string> outputPath("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));

cl::opt<Target, false, ChoiceParser<Target>> target(
    "target", cl::desc("Compile for a target"),
    cl::values(clEnumValN(Target::Cpu, "cpu",
                          "native code for a CPU, as a shared object"),
               clEnumValN(Target::Cuda, "cuda",
                          "an NVIDIA GPU: PTX and an sm_90 cubin with the "
                          "weights and launch plan, as a .cuda file"),
               clEnumValN(Target::Lava, "lava",
                          "a Lava process graph (.pb, engram_lava.proto) for "
                          "Loihi 2; backends/lava/lava_loader.py runs it"),
               clEnumValN(Target::Spinnaker, "spinnaker",
                          "a PyNN script (-o net_pynn.py, its arrays in "
                          "net_pynn.npz beside it) for SpiNNaker, NEST or "
                          "Brian2"),
               clEnumValN(Target::Nir, "nir",
                          "a NIR graph (.nir, HDF5) for snnTorch, Norse, "
                          "Sinabs, SpiNNaker 2, Xylo, ...")),
    cl::init(Target::None), cl::cat(category));

cl::opt<Emit, false, ChoiceParser<Emit>> emit(
    "emit", cl::desc("Stage to stop after and print"),
    cl::values(clEnumValN(Emit::Engram, "engram", "the engram dialect"),
               clEnumValN(Emit::Linalg, "linalg",
                          "linalg/tensor/scf after "
                          "convert-engram-to-linalg"),
               clEnumValN(Emit::LLVMDialect, "llvm",
                          "the LLVM dialect at the end of engram-cpu-pipeline"),
               clEnumValN(Emit::LLVMIR, "llvm-ir", "optimized LLVM IR"),
               clEnumValN(Emit::Assembly, "asm", "assembly for the CPU"),
               clEnumValN(Emit::Cuda, "cuda",
                          "the CUDA C++ generated for the model "
                          "(--target=cuda)"),
               clEnumValN(Emit::Snn, "snn",
                          "the spiking network (snn dialect) of "
                          "convert-engram-to-snn; needs --snn-calibration"),
               clEnumValN(Emit::Ptx, "ptx",
                          "the PTX of the model's kernels "
                          "(--target=cuda)")),
    cl::init(Emit::Default), cl::cat(category));

cl::opt<std::string> cudaArch("cuda-arch",
                              cl::desc("GPU architecture of --target=cuda "
                                       "(default sm_90)"),
                              cl::init("sm_90"), cl::cat(category));

cl::opt<std::string> nvccPath("nvcc",
                              cl::desc("nvcc for --target=cuda (default: "
                                       "$CUDA_HOME/bin, /usr/local/cuda/bin, "
                                       "PATH)"),
                              cl::init(""), cl::cat(category));

cl::opt<bool>
    cudaLineInfo("cuda-lineinfo",
                 cl::desc("Keep source line information in the CUDA code (for "
                          "compute-sanitizer and Nsight)"),
                 cl::init(false), cl::cat(category));

cl::opt<std::string> cpu("cpu",
                         cl::desc("CPU to compile for: native (default) or "
                                  "an LLVM CPU name such as x86-64-v3"),
                         cl::init("native"), cl::cat(category));

cl::opt<std::string> features("cpu-features",
                              cl::desc("Extra target features, e.g. "
                                       "+avx2,-avx512f"),
                              cl::init(""), cl::cat(category));

cl::opt<unsigned> vectorWidth(
    "vector-width",
    cl::desc("float32 lanes to vectorize for (default: from the CPU)"),
    cl::init(0), cl::cat(category));

cl::opt<std::string> quantize(
    "quantize",
    cl::desc("Quantize the memory and/or trace: int8|int4|binary, optionally "
             ":memory|:trace|:both (default both; binary: memory)"),
    cl::value_desc("kind[:what]"), cl::init(""), cl::cat(category));

cl::opt<std::string>
    quantizeScale("quantize-scale",
                  cl::desc("Scale granularity of a quantized memory: "
                           "row (default) or tensor"),
                  cl::init("row"), cl::cat(category));

cl::opt<std::string> quantizeRounding(
    "quantize-rounding",
    cl::desc("Rounding of a quantized memory: nearest (default) or "
             "stochastic"),
    cl::init("nearest"), cl::cat(category));

cl::opt<uint64_t> quantizeSeed("quantize-seed",
                               cl::desc("Seed of stochastic rounding"),
                               cl::init(0), cl::cat(category));

cl::opt<std::string> sparsify(
    "sparsify",
    cl::desc("Sparsify the recall and/or the memory: topk=K, density=D, or "
             "both separated by a comma"),
    cl::value_desc("topk=K,density=D"), cl::init(""), cl::cat(category));

cl::opt<bool> hoistEncoder(
    "hoist-encoder",
    cl::desc("Run --engram-hoist-encoder: encode the whole sequence before "
             "the time loop"),
    cl::init(false), cl::cat(category));

cl::OptionCategory snnCategory("Engram options of spiking conversion "
                               "(--emit=snn, lava, nir, spinnaker; "
                               "docs/spiking.md)");

cl::opt<std::string> snnCalibration(
    "snn-calibration",
    cl::desc("Calibration inputs, a .npy of B x S x D sequences (required)"),
    cl::value_desc("file.npy"), cl::init(""), cl::cat(snnCategory));
cl::opt<int64_t> snnCalibrationSamples(
    "snn-calibration-samples",
    cl::desc("Sequences of the calibration file to use (default 256)"),
    cl::init(256), cl::cat(snnCategory));
cl::opt<std::string> snnEncoding("snn-encoding",
                                 cl::desc("rate (default) or graded events"),
                                 cl::init("rate"), cl::cat(snnCategory));
cl::opt<int64_t> snnTimesteps("snn-timesteps",
                              cl::desc("Simulator timesteps per model step "
                                       "(default 32)"),
                              cl::init(32), cl::cat(snnCategory));
cl::opt<std::string> snnProfile(
    "snn-profile",
    cl::desc("Hardware whose ranges apply: generic (default), loihi2, "
             "spinnaker"),
    cl::init("generic"), cl::cat(snnCategory));
cl::opt<std::string>
    snnRecall("snn-recall",
              cl::desc("linear (first-order softmax, default) or kwta"),
              cl::init("linear"), cl::cat(snnCategory));
cl::opt<int64_t> snnK("snn-k",
                      cl::desc("Winners of --snn-recall=kwta "
                               "(default 8)"),
                      cl::init(8), cl::cat(snnCategory));
cl::opt<double> snnInhibition(
    "snn-inhibition",
    cl::desc("Lateral inhibition between memory slots for kwta (default 0)"),
    cl::init(0.0), cl::cat(snnCategory));
cl::opt<double> snnPercentile(
    "snn-percentile",
    cl::desc("Upper percentile of the calibrated value ranges (default "
             "99.5)"),
    cl::init(99.5), cl::cat(snnCategory));
cl::opt<int64_t>
    snnWeightBits("snn-weight-bits",
                  cl::desc("Magnitude bits of the integer weights (default 8)"),
                  cl::init(8), cl::cat(snnCategory));

cl::opt<double> snnSigmaDelta(
    "snn-sigma-delta",
    cl::desc("Graded encoding: send a unit's change when it exceeds this "
             "fraction of its population's calibrated range (default 0: any "
             "change, exact); negative: send the value every timestep"),
    cl::init(0.0), cl::cat(snnCategory));

cl::opt<std::string> snnLearning(
    "snn-learning",
    cl::desc("on: the Hebbian trace is plastic; off: frozen at T0 in static "
             "weights; auto (default): off for spinnaker, on otherwise"),
    cl::init("auto"), cl::cat(snnCategory));

cl::opt<std::string> snnZeroInput(
    "snn-zero-input",
    cl::desc("exact: a detector neuron makes layer norm and the query norm "
             "exact on all-zero input steps; ignore; auto (default): exact "
             "except for loihi2"),
    cl::init("auto"), cl::cat(snnCategory));

cl::OptionCategory nirCategory("Engram options of .nir inputs");
cl::opt<double> nirDt("nir-dt",
                      cl::desc("Timestep of the forward-Euler discretization "
                               "of NIR's equations, in the file's time unit "
                               "(default: the file's metadata, else 1e-4, "
                               "snnTorch's convention)"),
                      cl::init(0.0), cl::cat(nirCategory));
cl::opt<int64_t> nirTimesteps(
    "nir-timesteps",
    cl::desc("Timesteps each input row is held for (default: the file's "
             "metadata, else 1)"),
    cl::init(0), cl::cat(nirCategory));

/// Whether any --snn-* option was given.
bool snnOptionsGiven() {
  return snnCalibration.getNumOccurrences() ||
         snnCalibrationSamples.getNumOccurrences() ||
         snnEncoding.getNumOccurrences() || snnTimesteps.getNumOccurrences() ||
         snnProfile.getNumOccurrences() || snnRecall.getNumOccurrences() ||
         snnK.getNumOccurrences() || snnInhibition.getNumOccurrences() ||
         snnPercentile.getNumOccurrences() ||
         snnSigmaDelta.getNumOccurrences() ||
         snnZeroInput.getNumOccurrences() ||
         snnWeightBits.getNumOccurrences() || snnLearning.getNumOccurrences();
}

int fail(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "engramc")
      << ::engram::runtime::printable(message.str()) << "\n";
  return 1;
}

/// Checks the enumerated options held as strings (they are handed to pass
/// options as they are) before any work; false after an error.
bool checkChoices() {
  struct Choice {
    const cl::opt<std::string> &option;
    SmallVector<StringRef> valid;
  };
  const Choice choices[] = {{snnEncoding, {"rate", "graded"}},
                            {snnProfile, {"generic", "loihi2", "spinnaker"}},
                            {snnRecall, {"linear", "kwta"}},
                            {snnLearning, {"auto", "on", "off"}},
                            {snnZeroInput, {"auto", "exact", "ignore"}},
                            {quantizeScale, {"row", "tensor"}},
                            {quantizeRounding, {"nearest", "stochastic"}}};
  for (const Choice &choice : choices)
    if (!llvm::is_contained(choice.valid, StringRef(choice.option))) {
      fail("for the --" + choice.option.ArgStr +
           " option: " + notAChoice(choice.option, choice.valid));
      return false;
    }
  return true;
}

/// A module holding `network` as an snn.network (an imported spiking
/// network); diagnostics are printed.
OwningOpRef<ModuleOp>
wrapNetwork(MLIRContext &context,
            const ::engram::runtime::snn::Network &network, StringRef path) {
  Location loc = FileLineColLoc::get(&context, path, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b(&context);
  b.setInsertionPointToStart(module->getBody());
  if (failed(snn::fromRuntime(b, loc, network)))
    return nullptr;
  return module;
}

/// The module's spiking network, if it has one.
snn::NetworkOp findNetwork(ModuleOp module) {
  snn::NetworkOp found;
  module.walk([&](snn::NetworkOp op) {
    found = op;
    return WalkResult::interrupt();
  });
  return found;
}

/// Reads the input as a package or as MLIR text; diagnostics are printed.
OwningOpRef<ModuleOp> loadInput(MLIRContext &context,
                                llvm::SourceMgr &sourceMgr) {
  if (!StringRef(inputPath).ends_with(".nir") &&
      (nirDt.getNumOccurrences() || nirTimesteps.getNumOccurrences())) {
    fail("--nir-dt and --nir-timesteps are for .nir inputs");
    return nullptr;
  }
  if (inputPath != "-" && ::engram::runtime::isPackagePath(inputPath)) {
    auto model = ::engram::runtime::loadPackage(inputPath);
    if (!model) {
      fail(model.status().message());
      return nullptr;
    }
    return mlir::engram::importModel(&context, *model, inputPath);
  }
  if (StringRef(inputPath).ends_with(".pb")) {
    auto bytes = ::engram::runtime::readFile(inputPath);
    if (!bytes) {
      fail(bytes.status().message());
      return nullptr;
    }
    auto graph = ::engram::lava::importLava(*bytes, inputPath);
    if (!graph) {
      fail(graph.status().message());
      return nullptr;
    }
    return wrapNetwork(context, graph->network, inputPath);
  }
  if (StringRef(inputPath).ends_with(".nir")) {
    ::engram::nir::NirImportOptions options;
    options.dt = nirDt;
    options.timesteps = int(nirTimesteps);
    auto network = ::engram::nir::importNir(inputPath, options);
    if (!network) {
      fail(network.status().message());
      return nullptr;
    }
    return wrapNetwork(context, *network, inputPath);
  }
  std::string error;
  auto file = openInputFile(inputPath, &error);
  if (!file) {
    fail(error);
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, &context);
}

std::string print(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, OpPrintingFlags());
  return text;
}

/// Adds the passes of --sparsify and --quantize; false after an error.
bool addCompressionPasses(PassManager &pm) {
  if (quantize.empty() && (quantizeScale.getNumOccurrences() ||
                           quantizeRounding.getNumOccurrences() ||
                           quantizeSeed.getNumOccurrences())) {
    fail("--quantize-scale, --quantize-rounding and --quantize-seed need "
         "--quantize");
    return false;
  }
  if (!sparsify.empty()) {
    mlir::engram::EngramSparsifyMemoryOptions options;
    SmallVector<StringRef> items;
    StringRef(sparsify).split(items, ',');
    for (StringRef item : items) {
      auto [key, value] = item.split('=');
      bool bad = true;
      if (key == "topk")
        bad = value.getAsInteger(10, options.topK) || options.topK < 1;
      else if (key == "density")
        bad = value.getAsDouble(options.density) ||
              !(options.density > 0 && options.density <= 1);
      if (bad) {
        fail("--sparsify: expected topk=K (K >= 1) and/or density=D "
             "(0 < D <= 1), got '" +
             item + "'");
        return false;
      }
    }
    pm.addPass(mlir::engram::createEngramSparsifyMemory(options));
  }
  if (!quantize.empty()) {
    auto [kind, what] = StringRef(quantize).split(':');
    mlir::engram::EngramQuantizeMemoryOptions options;
    options.bits = kind == "int8"     ? 8
                   : kind == "int4"   ? 4
                   : kind == "binary" ? 1
                                      : 0;
    options.what =
        what.empty() ? (kind == "binary" ? "memory" : "both") : what.str();
    if (!options.bits || (options.what != "memory" && options.what != "trace" &&
                          options.what != "both")) {
      fail("--quantize: expected int8, int4 or binary, optionally followed "
           "by :memory, :trace or :both, got '" +
           quantize + "'");
      return false;
    }
    options.scale = quantizeScale;
    options.rounding = quantizeRounding;
    options.seed = quantizeSeed;
    pm.addPass(mlir::engram::createEngramQuantizeMemory(options));
  }
  return true;
}

std::string targetName() {
  switch (target) {
  case Target::Lava:
    return "lava";
  case Target::Nir:
    return "nir";
  case Target::Spinnaker:
    return "spinnaker";
  case Target::Cpu:
    return "cpu";
  case Target::Cuda:
    return "cuda";
  case Target::None:
    break;
  }
  return "";
}

/// What engramc writes into every artifact and export as its producer.
std::string producer() { return ::engram::runtime::producer("engramc"); }

/// A second output file written with the first (the arrays of
/// --target=spinnaker): path and bytes.
std::pair<std::string, std::string> companion;

/// The spiking network printed (--emit=snn) or exported for the target.
FailureOr<std::string> finishSpiking(ModuleOp module) {
  if (emit == Emit::Snn || !neuromorphic(target))
    return print(module);
  snn::NetworkOp network = findNetwork(module);
  FailureOr<::engram::runtime::snn::Network> runtime = snn::toRuntime(network);
  if (failed(runtime))
    return failure();
  if (target == Target::Spinnaker) {
    StringRef script = outputPath.getValue();
    if (script == "-" || !script.ends_with(".py")) {
      fail("--target=spinnaker writes a Python script and its arrays "
           "beside it: give -o FILE.py");
      return failure();
    }
    std::string npz = (script.drop_back(3) + ".npz").str();
    auto exported = ::engram::pynn::exportPynn(
        *runtime, llvm::sys::path::filename(npz).str(), producer());
    if (!exported) {
      fail(exported.status().message());
      return failure();
    }
    companion = {npz, std::move(exported->npz)};
    return std::move(exported->script);
  }
  if (target == Target::Nir) {
    auto graph = ::engram::nir::exportNir(*runtime, producer());
    if (!graph) {
      fail(graph.status().message());
      return failure();
    }
    for (const std::string &dropped : graph->dropped)
      llvm::WithColor::warning(llvm::errs(), "engramc")
          << "NIR drops " << dropped << "\n";
    return std::move(graph->bytes);
  }
  ::engram::runtime::StatusOr<std::string> bytes =
      ::engram::lava::exportLava(*runtime, producer());
  if (!bytes) {
    fail(bytes.status().message());
    return failure();
  }
  return *bytes;
}

/// Runs what the options ask for; the result is the output file's bytes.
FailureOr<std::string> compile(ModuleOp module, TimingScope &timing) {
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  pm.enableTiming(timing);
  if (hoistEncoder)
    pm.addNestedPass<func::FuncOp>(mlir::engram::createEngramHoistEncoder());
  if (!addCompressionPasses(pm))
    return failure();
  if (failed(pm.run(module)))
    return failure();
  Emit stage = emit;
  if (stage == Emit::Default)
    stage = target == Target::None ? Emit::Engram : Emit::Default;
  if (stage != Emit::Snn && !neuromorphic(target) && snnOptionsGiven()) {
    fail("the --snn-* options need --emit=snn or a neuromorphic target");
    return failure();
  }
  if (stage == Emit::Engram)
    return print(module);
  if (neuromorphic(target) && stage != Emit::Default && stage != Emit::Snn) {
    fail("--target=" + targetName() +
         " emits its graph (default) or the spiking network (--emit=snn)");
    return failure();
  }
  if (stage == Emit::Snn || neuromorphic(target)) {
    if (target != Target::None && !neuromorphic(target)) {
      fail("--emit=snn is a target of its own; drop --target");
      return failure();
    }
    if (findNetwork(module)) {
      if (snnOptionsGiven()) {
        fail("the --snn-* options convert engram models; the input is "
             "already a spiking network");
        return failure();
      }
      return finishSpiking(module);
    }
    mlir::engram::ConvertEngramToSnnOptions options;
    options.calibration = snnCalibration;
    options.calibrationSamples = snnCalibrationSamples;
    options.encoding = snnEncoding;
    options.timesteps = snnTimesteps;
    options.profile = snnProfile;
    options.recall = snnRecall;
    options.k = snnK;
    options.inhibition = snnInhibition;
    options.percentile = snnPercentile;
    options.weightBits = snnWeightBits;
    options.sigmaDelta = snnSigmaDelta;
    options.zeroInput = snnZeroInput;
    options.learning = snnLearning;
    options.optionPrefix = "--snn-";
    // Each hardware target has its own profile unless one is given.
    if (!snnProfile.getNumOccurrences() && target == Target::Lava)
      options.profile = "loihi2";
    if (!snnProfile.getNumOccurrences() && target == Target::Spinnaker)
      options.profile = "spinnaker";
    PassManager snn(module.getContext());
    snn.enableTiming(timing);
    snn.addPass(mlir::engram::createConvertEngramToSnn(options));
    if (failed(snn.run(module)))
      return failure();
    return finishSpiking(module);
  }

  if (target == Target::Cuda || stage == Emit::Cuda || stage == Emit::Ptx) {
    if (target != Target::Cuda) {
      fail("--emit=" + std::string(stage == Emit::Cuda ? "cuda" : "ptx") +
           " needs --target=cuda");
      return failure();
    }
    if (stage != Emit::Default && stage != Emit::Cuda && stage != Emit::Ptx) {
      fail("--target=cuda emits cuda, ptx or engram (default: the .cuda "
           "artifact)");
      return failure();
    }
    mlir::engram::CudaTargetOptions options;
    options.arch = cudaArch;
    options.nvcc = nvccPath;
    options.lineInfo = cudaLineInfo;
    using mlir::engram::CudaStage;
    return mlir::engram::compileForCuda(module, options,
                                        stage == Emit::Cuda ? CudaStage::Source
                                        : stage == Emit::Ptx
                                            ? CudaStage::Ptx
                                            : CudaStage::Artifact,
                                        timing);
  }

  // Every later stage belongs to the CPU lowering.
  mlir::engram::CpuTargetOptions options;
  options.cpu = cpu;
  options.features = features;
  options.vectorWidth = vectorWidth;
  using mlir::engram::CpuStage;
  CpuStage cpuStage = stage == Emit::Linalg        ? CpuStage::Linalg
                      : stage == Emit::LLVMDialect ? CpuStage::LLVMDialect
                      : stage == Emit::LLVMIR      ? CpuStage::LLVMIR
                      : stage == Emit::Assembly    ? CpuStage::Assembly
                                                   : CpuStage::SharedObject;
  return mlir::engram::compileForCpu(module, options, cpuStage, timing);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  ::engram::tools::organizeOptions("engramc", [] {
    registerAsmPrinterCLOptions();
    registerMLIRContextCLOptions();
    registerPassManagerCLOptions();
    registerDefaultTimingManagerCLOptions();
  });
  cl::ParseCommandLineOptions(argc, argv, "engram compiler\n");
  if (inputPath != "-" && !llvm::sys::fs::exists(inputPath))
    return fail(inputPath + ": cannot read: No such file or directory");
  if (!checkChoices())
    return 1;
  if (outputPath != "-")
    if (::engram::runtime::Status status =
            ::engram::runtime::checkOutputPath(outputPath);
        !status)
      return fail(status.message());

  // lld, which the CPU backend runs in process, resets every command-line
  // option when it finishes: keep what is needed after it.
  std::string outputFile = outputPath;
  bool binary = (target == Target::Cpu || target == Target::Cuda ||
                 target == Target::Lava || target == Target::Nir) &&
                emit == Emit::Default;
  if (binary && outputPath == "-" &&
      llvm::sys::Process::StandardOutIsDisplayed())
    return fail("refusing to write a compiled artifact to the terminal; use "
                "-o");

  DialectRegistry registry;
  mlir::engram::registerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // One message per error: the location says where, no IR dump after it.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  ::engram::tools::PrintableDiagnostics diagnostics(sourceMgr, &context);
  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  TimingScope timing = timingManager.getRootScope();

  OwningOpRef<ModuleOp> module;
  {
    TimingScope loadTimer = timing.nest("Load and verify");
    module = loadInput(context, sourceMgr);
    if (!module || failed(verify(*module)))
      return 1;
  }
  FailureOr<std::string> bytes = compile(*module, timing);
  if (failed(bytes))
    return 1;

  if (!companion.first.empty())
    if (auto status = ::engram::runtime::writeFileAtomic(companion.first,
                                                         companion.second);
        !status)
      return fail(status.message());
  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output) {
    if (!companion.first.empty())
      std::remove(companion.first.c_str());
    return fail(error);
  }
  output->os() << *bytes;
  output->keep();
  return 0;
}

//===- Flags.h - the compiler's options as flags -----------------*- C++ -*-===//
//
// The options of the phases every target shares (inputs, compression, the
// spiking conversion) as flags, named as engramc's users know them
// (`--quantize=int8:trace`, `--snn-timesteps=12`): engramc forwards its
// command line here and engram-opt's pipelines take the same names
// (`engram-lava-pipeline{snn-calibration=x.npy quantize=int8}`).
// toCompilerOptions checks them and maps them onto the typed options of
// compiler/Options.h. The targets' own flags live with each target.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_COMPILER_FLAGS_H
#define ENGRAM_COMPILER_FLAGS_H

#include "compiler/OptionSet.h"
#include "compiler/Options.h"

namespace engram::compiler {

struct CompilerFlags : mlir::PassPipelineOptions<CompilerFlags>, OptionSet {
  // --- inputs -------------------------------------------------------------
  Option<double> nirDt{
      *this, "nir-dt",
      llvm::cl::desc("Timestep of the discretization of NIR's equations, in "
                     "the file's time unit (default: the file's metadata, "
                     "else 1e-4, snnTorch's convention)"),
      llvm::cl::init(0.0)};
  Option<NirSemantics> nirSemantics{
      *this, "nir-semantics",
      llvm::cl::desc("When an imported NIR graph's projections deliver "
                     "(default: as engram's export recorded, else nir)"),
      llvm::cl::init(NirSemantics::File),
      llvm::cl::values(
          clEnumValN(NirSemantics::Nir, "nir",
                     "within the timestep, as NIR's equations (an edge "
                     "closing a cycle without a Delay waits one timestep)"),
          clEnumValN(NirSemantics::Engram, "engram",
                     "one timestep per projection, engram's and Lava's "
                     "latency model (what the Lava and PyNN exports need)"))};
  Option<NirIntegration> nirIntegration{
      *this, "nir-integration",
      llvm::cl::desc("How NIR's equations become timesteps of dt (default: "
                     "as engram's export recorded, else zoh)"),
      llvm::cl::init(NirIntegration::File),
      llvm::cl::values(
          clEnumValN(NirIntegration::Zoh, "zoh",
                     "exact, the input held over each step: leak "
                     "exp(-dt/tau)"),
          clEnumValN(NirIntegration::Euler, "euler",
                     "forward Euler: leak 1 - dt/tau"))};
  Option<int64_t> nirTimesteps{
      *this, "nir-timesteps",
      llvm::cl::desc("Timesteps each input row is held for (default: the "
                     "file's metadata, else 1)"),
      llvm::cl::init(0)};

  // --- compression ----------------------------------------------------------
  Option<bool> hoistEncoder{
      *this, "hoist-encoder",
      llvm::cl::desc("Run --engram-hoist-encoder: encode the whole sequence "
                     "before the time loop"),
      llvm::cl::init(false)};
  Option<std::string> quantize{
      *this, "quantize",
      llvm::cl::desc("Quantize the memory and/or trace: int8|int4|binary|"
                     "bf16, optionally :memory|:trace|:both (default both; "
                     "binary: memory; bf16: trace, the only part it "
                     "applies to); a ','-joined list combines them, as in "
                     "int8:memory,bf16:trace"),
      llvm::cl::value_desc("kind[:what][,...]"), llvm::cl::init("")};
  Option<mlir::engram::QuantScale> quantizeScale{
      *this, "quantize-scale",
      llvm::cl::desc("Scale granularity of a quantized memory"),
      llvm::cl::init(mlir::engram::QuantScale::Row),
      llvm::cl::values(
          clEnumValN(mlir::engram::QuantScale::Row, "row",
                     "one scale per row (default, except for spiking "
                     "targets)"),
          clEnumValN(mlir::engram::QuantScale::Tensor, "tensor",
                     "one scale for the bank (default for spiking "
                     "targets: a projection has one weight exponent)"))};
  Option<mlir::engram::Rounding> quantizeRounding{
      *this, "quantize-rounding",
      llvm::cl::desc("Rounding of a quantized memory"),
      llvm::cl::init(mlir::engram::Rounding::Nearest),
      llvm::cl::values(
          clEnumValN(mlir::engram::Rounding::Nearest, "nearest",
                     "to the nearest level (default)"),
          clEnumValN(mlir::engram::Rounding::Stochastic, "stochastic",
                     "up or down, with the probability of the distance"))};
  Option<uint64_t> quantizeSeed{
      *this, "quantize-seed", llvm::cl::desc("Seed of stochastic rounding"),
      llvm::cl::init(0)};
  Option<std::string> sparsify{
      *this, "sparsify",
      llvm::cl::desc("Sparsify the recall and/or the memory: topk=K, "
                     "density=D, or both separated by a comma"),
      llvm::cl::value_desc("topk=K,density=D"), llvm::cl::init("")};

  // --- spiking conversion (convert-engram-to-snn) ---------------------------
  Option<std::string> snnCalibration{
      *this, "snn-calibration",
      llvm::cl::desc("Calibration inputs, a .npy of B x S x D sequences "
                     "(required)"),
      llvm::cl::value_desc("file.npy"), llvm::cl::init("")};
  Option<int64_t> snnCalibrationSamples{
      *this, "snn-calibration-samples",
      llvm::cl::desc("Sequences of the calibration file to use (default "
                     "256)"),
      llvm::cl::init(256)};
  Option<mlir::engram::SnnEncoding> snnEncoding{
      *this, "snn-encoding",
      llvm::cl::desc("What events carry (default: the target's most "
                     "accurate code: rate for spinnaker and nir, else "
                     "graded)"),
      llvm::cl::init(mlir::engram::SnnEncoding::Graded),
      llvm::cl::values(
          clEnumValN(mlir::engram::SnnEncoding::Rate, "rate",
                     "values as spike rates"),
          clEnumValN(mlir::engram::SnnEncoding::Graded, "graded",
                     "values as the payloads of graded events"))};
  Option<int64_t> snnTimesteps{
      *this, "snn-timesteps",
      llvm::cl::desc("Simulator timesteps per model step (default 12 for "
                     "graded events, 32 for rates)"),
      llvm::cl::init(12)};
  Option<mlir::snn::Profile> snnProfile{
      *this, "snn-profile",
      llvm::cl::desc("Hardware whose ranges apply (default: the target's: "
                     "loihi2 for lava, spinnaker for spinnaker, else "
                     "generic)"),
      llvm::cl::init(mlir::snn::Profile::Generic),
      llvm::cl::values(
          clEnumValN(mlir::snn::Profile::Generic, "generic",
                     "no hardware limits"),
          clEnumValN(mlir::snn::Profile::Loihi2, "loihi2",
                     "Loihi 2: fixed-point LIF, 8-bit weights"),
          clEnumValN(mlir::snn::Profile::Spinnaker, "spinnaker",
                     "SpiNNaker: rate coding, no graded events"))};
  Option<mlir::engram::SnnRecall> snnRecall{
      *this, "snn-recall", llvm::cl::desc("How the recall's softmax spikes"),
      llvm::cl::init(mlir::engram::SnnRecall::Auto),
      llvm::cl::values(
          clEnumValN(mlir::engram::SnnRecall::Auto, "auto",
                     "kwta when the recall keeps its top-k slots, else "
                     "linear (default)"),
          clEnumValN(mlir::engram::SnnRecall::Linear, "linear",
                     "first-order softmax"),
          clEnumValN(mlir::engram::SnnRecall::Kwta, "kwta",
                     "k winners take all"))};
  Option<int64_t> snnK{*this, "snn-k",
                       llvm::cl::desc("Winners of --snn-recall=kwta "
                                      "(default: the recall's top-k, or 8)"),
                       llvm::cl::init(0)};
  Option<double> snnInhibition{
      *this, "snn-inhibition",
      llvm::cl::desc("Lateral inhibition between memory slots for kwta "
                     "(default 0)"),
      llvm::cl::init(0.0)};
  Option<double> snnPercentile{
      *this, "snn-percentile",
      llvm::cl::desc("Upper percentile of the calibrated value ranges "
                     "(default 99.5)"),
      llvm::cl::init(99.5)};
  Option<int64_t> snnWeightBits{
      *this, "snn-weight-bits",
      llvm::cl::desc("Magnitude bits of the integer weights (default 8)"),
      llvm::cl::init(8)};
  Option<double> snnSigmaDelta{
      *this, "snn-sigma-delta",
      llvm::cl::desc("Graded encoding: send a unit's change when it exceeds "
                     "this fraction of its population's calibrated range "
                     "(default 0: any change, exact); negative: send the "
                     "value every timestep"),
      llvm::cl::init(0.0)};
  Option<mlir::engram::SnnLearning> snnLearning{
      *this, "snn-learning", llvm::cl::desc("Whether the trace learns"),
      llvm::cl::init(mlir::engram::SnnLearning::Auto),
      llvm::cl::values(
          clEnumValN(mlir::engram::SnnLearning::Auto, "auto",
                     "off for spinnaker, on otherwise (default)"),
          clEnumValN(mlir::engram::SnnLearning::On, "on",
                     "the Hebbian trace is plastic"),
          clEnumValN(mlir::engram::SnnLearning::Off, "off",
                     "frozen at T0 in static weights"))};
  Option<mlir::engram::SnnZeroInput> snnZeroInput{
      *this, "snn-zero-input",
      llvm::cl::desc("All-zero input steps (padding, blank rows)"),
      llvm::cl::init(mlir::engram::SnnZeroInput::Auto),
      llvm::cl::values(
          clEnumValN(mlir::engram::SnnZeroInput::Auto, "auto",
                     "exact except for loihi2 rates (default)"),
          clEnumValN(mlir::engram::SnnZeroInput::Exact, "exact",
                     "a detector neuron makes layer norm and the query norm "
                     "exact there"),
          clEnumValN(mlir::engram::SnnZeroInput::Ignore, "ignore",
                     "calibrated constants there too"))};
};

/// Checks `flags` and maps them onto `options` (its input, compression and
/// snn parts); errors go through `fail`, named as flags (`--snn-encoding`).
mlir::LogicalResult
toCompilerOptions(CompilerFlags &flags, CompilerOptions &options,
                  llvm::function_ref<void(const llvm::Twine &)> fail);

} // namespace engram::compiler

#endif // ENGRAM_COMPILER_FLAGS_H

//===- Phases.cpp - the compiler's phases as pass pipelines ---------------===//

#include "compiler/Phases.h"

#include "compiler/Flags.h"
#include "compiler/Target.h"

#include "mlir/Pass/PassRegistry.h"

using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::success;
using mlir::OpPassManager;
using namespace engram::compiler;

void engram::compiler::populateCompressionPhase(
    OpPassManager &pm, const CompressionOptions &options) {
  if (options.hoistEncoder)
    pm.addNestedPass<mlir::func::FuncOp>(mlir::engram::createEngramHoistEncoder());
  if (options.sparsify)
    pm.addPass(mlir::engram::createEngramSparsifyMemory(*options.sparsify));
  if (options.quantize)
    pm.addPass(mlir::engram::createEngramQuantizeMemory(*options.quantize));
}

int64_t engram::compiler::snnDefaultTimesteps(
    mlir::engram::SnnEncoding encoding, mlir::snn::Profile profile,
    mlir::engram::SnnLearning learning) {
  if (encoding != mlir::engram::SnnEncoding::Graded)
    return 32;
  bool relays = profile == mlir::snn::Profile::Loihi2 &&
                learning != mlir::engram::SnnLearning::Off;
  return relays ? 14 : 12;
}

void engram::compiler::populateSnnPhase(OpPassManager &pm,
                                        const CompilerOptions &options,
                                        const Target *target) {
  mlir::engram::ConvertEngramToSnnOptions snn = options.snn;
  if (!options.snnProfileGiven)
    snn.profile =
        mlir::snn::symbolizeProfile(target ? target->defaultSnnProfile()
                                           : "generic")
            .value_or(mlir::snn::Profile::Generic);
  // SpiNNaker sends spikes only, whatever the target.
  if (!options.snnEncodingGiven)
    snn.encoding = snn.profile == mlir::snn::Profile::Spinnaker
                       ? mlir::engram::SnnEncoding::Rate
                   : target ? target->defaultSnnEncoding()
                            : mlir::engram::SnnEncoding::Graded;
  if (!options.snnTimestepsGiven)
    snn.timesteps =
        snnDefaultTimesteps(snn.encoding, snn.profile, snn.learning);
  mlir::engram::EngramCalibrateSnnOptions calibrate = options.snnCalibration;
  calibrate.encoding = snn.encoding;
  calibrate.profile = snn.profile;
  calibrate.recall = snn.recall;
  calibrate.k = snn.k;
  calibrate.percentile = snn.percentile;
  calibrate.zeroInput = snn.zeroInput;
  calibrate.optionPrefix = snn.optionPrefix;
  pm.addPass(mlir::engram::createEngramCalibrateSnn(calibrate));
  pm.addPass(mlir::engram::createConvertEngramToSnn(snn));
}

LogicalResult engram::compiler::populateCompilerPipeline(
    OpPassManager &pm, const CompilerOptions &options, const Target *target,
    llvm::StringRef stage, bool spikingInput,
    llvm::function_ref<void(const llvm::Twine &)> fail) {
  bool spiking = stage == "snn" || (target && target->spiking());
  CompressionOptions compression = options.compression;
  if (spiking && compression.quantize && !compression.scaleGiven)
    compression.quantize->scale = mlir::engram::QuantScale::Tensor;
  populateCompressionPhase(pm, compression);
  if (stage == "engram" || (!target && stage.empty()))
    return success();
  if (spiking && !spikingInput)
    populateSnnPhase(pm, options, target);
  if (stage == "snn" || !target)
    return success();
  return target->buildPipeline(pm, options, stage, fail);
}

namespace {
/// Builds the pipeline of `target` (null: the spiking conversion alone) from
/// the text of its options.
LogicalResult buildRegisteredPipeline(
    const Target *target, OpPassManager &pm, llvm::StringRef text,
    llvm::function_ref<LogicalResult(const llvm::Twine &)> errorHandler) {
  CompilerFlags flags;
  std::unique_ptr<OptionSet> targetFlags =
      target ? target->createOptions() : nullptr;
  llvm::SmallVector<OptionSet *> sets{&flags};
  if (targetFlags)
    sets.push_back(targetFlags.get());
  if (failed(parseIntoSets(text, sets, errorHandler)))
    return failure();
  CompilerOptions options;
  std::string error;
  auto fail = [&](const llvm::Twine &message) {
    if (error.empty())
      error = message.str();
  };
  if (failed(toCompilerOptions(flags, options, fail)))
    return errorHandler(error);
  // Messages name the options as this pipeline's (`snn-timesteps`).
  options.snn.optionPrefix = "snn-";
  options.targetOptions = targetFlags.get();
  if (failed(populateCompilerPipeline(pm, options, target,
                                      target ? "" : "snn",
                                      /*spikingInput=*/false, fail)))
    return errorHandler(error);
  return success();
}

void registerPipeline(const Target *target) {
  std::string name = target ? ("engram-" + target->name() + "-pipeline").str()
                            : "engram-snn-pipeline";
  std::string description =
      target ? ("engram IR to the last IR of --target=" + target->name() +
                ": " + target->description())
                   .str()
             : "engram IR to a spiking network (snn dialect): compression, "
               "engram-calibrate-snn and convert-engram-to-snn, as engramc "
               "--emit=snn";
  mlir::registerPassPipeline(
      name, description,
      [target](OpPassManager &pm, llvm::StringRef text,
               llvm::function_ref<LogicalResult(const llvm::Twine &)>
                   errorHandler) {
        return buildRegisteredPipeline(target, pm, text, errorHandler);
      },
      [target](llvm::function_ref<void(const mlir::detail::PassOptions &)> print) {
        CompilerFlags flags;
        print(flags);
        if (std::unique_ptr<OptionSet> own =
                target ? target->createOptions() : nullptr)
          print(*own);
      });
}
} // namespace

void engram::compiler::registerCompilerPipelines() {
  registerPipeline(nullptr);
  for (const Target *target : allTargets())
    registerPipeline(target);
}

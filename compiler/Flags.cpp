//===- Flags.cpp - the compiler's options as flags ------------------------===//

#include "compiler/Flags.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <optional>

using namespace engram::compiler;
using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::success;

FailureOr<mlir::engram::EngramQuantizeMemoryOptions>
engram::compiler::parseQuantize(llvm::StringRef text, std::string &error) {
  auto [kind, what] = text.split(':');
  mlir::engram::EngramQuantizeMemoryOptions options;
  options.bits = kind == "int8" ? 8 : kind == "int4" ? 4 : kind == "binary" ? 1 : 0;
  using mlir::engram::QuantizeWhat;
  std::optional<QuantizeWhat> parsed;
  if (what.empty())
    parsed = kind == "binary" ? QuantizeWhat::Memory : QuantizeWhat::Both;
  else if (what == "memory")
    parsed = QuantizeWhat::Memory;
  else if (what == "trace")
    parsed = QuantizeWhat::Trace;
  else if (what == "both")
    parsed = QuantizeWhat::Both;
  if (!options.bits || !parsed) {
    error = ("expected int8, int4 or binary, optionally followed by :memory, "
             ":trace or :both, got '" +
             text + "'")
                .str();
    return failure();
  }
  options.what = *parsed;
  return options;
}

FailureOr<mlir::engram::EngramSparsifyMemoryOptions>
engram::compiler::parseSparsify(llvm::StringRef text, std::string &error) {
  mlir::engram::EngramSparsifyMemoryOptions options;
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',');
  for (llvm::StringRef item : items) {
    auto [key, value] = item.split('=');
    bool bad = true;
    if (key == "topk")
      bad = value.getAsInteger(10, options.topK) || options.topK < 1;
    else if (key == "density")
      bad = value.getAsDouble(options.density) ||
            !(options.density > 0 && options.density <= 1);
    if (bad) {
      error = ("expected topk=K (K >= 1) and/or density=D (0 < D <= 1), got '" +
               item + "'")
                  .str();
      return failure();
    }
  }
  return options;
}

namespace {
/// The compression part; false after an error.
bool toCompression(CompilerFlags &flags, CompressionOptions &options,
                   llvm::function_ref<void(const llvm::Twine &)> fail) {
  options.hoistEncoder = flags.hoistEncoder;
  std::string quantize = flags.quantize, sparsify = flags.sparsify;
  if (quantize.empty() && (flags.quantizeScale.getNumOccurrences() ||
                           flags.quantizeRounding.getNumOccurrences() ||
                           flags.quantizeSeed.getNumOccurrences())) {
    fail("--quantize-scale, --quantize-rounding and --quantize-seed need "
         "--quantize");
    return false;
  }
  std::string error;
  if (!sparsify.empty()) {
    auto parsed = parseSparsify(sparsify, error);
    if (failed(parsed)) {
      fail("--sparsify: " + error);
      return false;
    }
    options.sparsify = *parsed;
  }
  if (!quantize.empty()) {
    auto parsed = parseQuantize(quantize, error);
    if (failed(parsed)) {
      fail("--quantize: " + error);
      return false;
    }
    parsed->scale = flags.quantizeScale;
    options.scaleGiven = flags.quantizeScale.getNumOccurrences() > 0;
    parsed->rounding = flags.quantizeRounding;
    parsed->seed = flags.quantizeSeed;
    options.quantize = *parsed;
  }
  return true;
}

void toSnn(CompilerFlags &flags, CompilerOptions &options) {
  options.snnCalibration.calibration = flags.snnCalibration;
  options.snnCalibration.calibrationSamples = flags.snnCalibrationSamples;
  mlir::engram::ConvertEngramToSnnOptions &snn = options.snn;
  snn.encoding = flags.snnEncoding;
  snn.timesteps = flags.snnTimesteps;
  snn.profile = flags.snnProfile;
  snn.recall = flags.snnRecall;
  snn.k = flags.snnK;
  snn.inhibition = flags.snnInhibition;
  snn.percentile = flags.snnPercentile;
  snn.weightBits = flags.snnWeightBits;
  snn.sigmaDelta = flags.snnSigmaDelta;
  snn.zeroInput = flags.snnZeroInput;
  snn.learning = flags.snnLearning;
  // Messages name the options as these flags.
  snn.optionPrefix = "--snn-";
  options.snnProfileGiven = flags.snnProfile.getNumOccurrences() > 0;
  for (llvm::cl::Option *option : flags.list())
    if (option->ArgStr.starts_with("snn-") && option->getNumOccurrences())
      options.snnGiven = true;
}
} // namespace

LogicalResult engram::compiler::toCompilerOptions(
    CompilerFlags &flags, CompilerOptions &options,
    llvm::function_ref<void(const llvm::Twine &)> fail) {
  if (!toCompression(flags, options.compression, fail))
    return failure();
  options.input.nirDt = flags.nirDt;
  options.input.nirTimesteps = flags.nirTimesteps;
  toSnn(flags, options);
  return success();
}

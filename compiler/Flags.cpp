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

namespace {
/// One item of --quantize: `kind[:what]` as the parts it quantizes.
struct QuantizeItem {
  unsigned bits = 0; // 8, 4 or 1; 0 for bf16
  bool memory = false, trace = false;
};

std::optional<QuantizeItem> parseQuantizeItem(llvm::StringRef text) {
  auto [kind, what] = text.split(':');
  QuantizeItem item;
  item.bits = kind == "int8"     ? 8
              : kind == "int4"   ? 4
              : kind == "binary" ? 1
                                 : 0;
  if (!item.bits && kind != "bf16")
    return std::nullopt;
  // Defaults: a binary bank or a bfloat16 trace alone, both for the others.
  if (what.empty())
    what = kind == "binary" ? "memory" : kind == "bf16" ? "trace" : "both";
  item.memory = what == "memory" || what == "both";
  item.trace = what == "trace" || what == "both";
  if (!item.memory && !item.trace)
    return std::nullopt;
  return item;
}
} // namespace

FailureOr<mlir::engram::EngramQuantizeMemoryOptions>
engram::compiler::parseQuantize(llvm::StringRef text, std::string &error) {
  using mlir::engram::QuantizeTraceFormat;
  using mlir::engram::QuantizeWhat;
  mlir::engram::EngramQuantizeMemoryOptions options;
  bool memory = false, trace = false;
  unsigned bits = 0;
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',');
  for (llvm::StringRef text : items) {
    std::optional<QuantizeItem> item = parseQuantizeItem(text);
    if (!item) {
      error = ("expected int8, int4, binary or bf16, optionally followed by "
               ":memory, :trace or :both (a list joined by ','), got '" +
               text + "'")
                  .str();
      return failure();
    }
    if ((item->memory && memory) || (item->trace && trace)) {
      error = ("'" + text + "' quantizes the " +
               (item->memory && memory ? "memory" : "trace") + " a second time")
                  .str();
      return failure();
    }
    if (!item->bits && item->memory) {
      error = "bf16 stores the trace; a memory bank is int8, int4 or binary";
      return failure();
    }
    if (item->bits && (memory || trace) && bits && bits != item->bits) {
      error = ("'" + text.str() +
               "': the bank and a fixed-point trace take "
               "one bit width here (engram-opt's engram-quantize-memory can "
               "run once per part)");
      return failure();
    }
    memory |= item->memory;
    trace |= item->trace;
    bits = item->bits ? item->bits : bits;
    if (!item->bits)
      options.traceFormat = QuantizeTraceFormat::Bf16;
    else
      options.bits = item->bits; // Both parts, when one item says both.
  }
  options.what = memory && trace ? QuantizeWhat::Both
                 : memory        ? QuantizeWhat::Memory
                                 : QuantizeWhat::Trace;
  if (options.what == QuantizeWhat::Trace &&
      options.traceFormat == QuantizeTraceFormat::Bf16)
    options.bits = 8; // Unused: no bank and no fixed-point trace.
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
  options.snnEncodingGiven = flags.snnEncoding.getNumOccurrences() > 0;
  options.snnTimestepsGiven = flags.snnTimesteps.getNumOccurrences() > 0;
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
  options.input.nirSemantics = flags.nirSemantics;
  options.input.nirIntegration = flags.nirIntegration;
  toSnn(flags, options);
  return success();
}

//===- Options.h - what a compilation is asked to do ------------*- C++ -*-===//
//
// The options of every phase of engram's compiler in one struct, free of the
// command line: engramc fills it from its flags (compiler/Flags.h),
// other clients set its fields. Each phase reads its own part
// (compiler/Phases.h).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_COMPILER_OPTIONS_H
#define ENGRAM_COMPILER_OPTIONS_H

#include "passes/Passes.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace engram::compiler {

class OptionSet;

/// When the projections of an imported NIR graph deliver: `nir` within
/// the timestep (NIR's equations), `engram` one timestep later (engram's
/// and Lava's model); `file`: as engram's export recorded, else `nir`.
enum class NirSemantics { File, Nir, Engram };
/// How NIR's equations are discretized: `zoh` exactly with the input held
/// over dt, `euler` forward Euler; `file`: as recorded, else `zoh`.
enum class NirIntegration { File, Zoh, Euler };

/// How files that are not model packages or MLIR are read.
struct InputOptions {
  /// Timestep of the discretization of a NIR file's equations; 0: the
  /// file's metadata, else NIR's default.
  double nirDt = 0;
  /// Timesteps each input row is held for; 0: the file's metadata, else 1.
  int64_t nirTimesteps = 0;
  NirSemantics nirSemantics = NirSemantics::File;
  NirIntegration nirIntegration = NirIntegration::File;
};

/// The compression phase: passes on engram IR that every target consumes.
struct CompressionOptions {
  /// engram-hoist-encoder: encode the whole sequence before the time loop.
  bool hoistEncoder = false;
  /// engram-sparsify-memory, when set.
  std::optional<mlir::engram::EngramSparsifyMemoryOptions> sparsify;
  /// engram-quantize-memory, when set.
  std::optional<mlir::engram::EngramQuantizeMemoryOptions> quantize;
  /// Whether the quantization's scale was chosen (--quantize-scale); if
  /// not, spiking targets quantize with one scale for the bank (a
  /// projection has one weight exponent) and the others with one per row.
  bool scaleGiven = false;
};

struct CompilerOptions {
  InputOptions input;
  CompressionOptions compression;
  /// The spiking conversion (convert-engram-to-snn) of spiking targets and
  /// of the `snn` stage.
  mlir::engram::ConvertEngramToSnnOptions snn;
  /// Its calibration (engram-calibrate-snn): the file and the sequences to
  /// use. The options both passes take (encoding, profile, recall, k,
  /// percentile, zero-input, option-prefix) are read from `snn`, so that
  /// the calibration is always made for the network the conversion builds.
  mlir::engram::EngramCalibrateSnnOptions snnCalibration;
  /// Whether any snn option was set (they convert engram models only).
  bool snnGiven = false;
  /// Whether snn.profile was set; otherwise the target's default applies.
  bool snnProfileGiven = false;
  /// Whether snn.encoding was set; otherwise the target's default applies.
  bool snnEncodingGiven = false;
  /// Whether snn.timesteps was set; otherwise the encoding's default
  /// applies (snnDefaultTimesteps).
  bool snnTimestepsGiven = false;
  /// The target (a registered name); empty: none, the IR is printed.
  std::string target;
  /// The stage to stop after (`engram`, `snn`, or one of the target's);
  /// empty: the target's artifact, or `engram` without a target.
  std::string emit;
  /// The target's own options (Target::createOptions), or null for its
  /// defaults.
  OptionSet *targetOptions = nullptr;
};

/// Parses the value of engramc's --quantize, a ','-joined list of
/// `int8|int4|binary|bf16[:memory|trace|both]` (bf16: the trace only; say
/// `int8:memory,bf16:trace` for both), into the pass's options; the error
/// says what is expected.
mlir::FailureOr<mlir::engram::EngramQuantizeMemoryOptions>
parseQuantize(llvm::StringRef text, std::string &error);

/// Parses the value of engramc's --sparsify, `topk=K`, `density=D` or both
/// separated by a comma.
mlir::FailureOr<mlir::engram::EngramSparsifyMemoryOptions>
parseSparsify(llvm::StringRef text, std::string &error);

} // namespace engram::compiler

#endif // ENGRAM_COMPILER_OPTIONS_H

//===- Calibration.h - the spiking conversion's calibration -----*- C++ -*-===//
//
// engram-calibrate-snn measures, on sample inputs, what the spiking
// conversion approximates (CellModel.h's Calibration) and records it on the
// module as the `engram.snn_calibration` attribute; convert-engram-to-snn
// reads it back. Both check the options that decide the values' code with
// the same function, so a calibration made for other values is refused.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_ENGRAMTOSNN_CALIBRATION_H
#define ENGRAM_PASSES_ENGRAMTOSNN_CALIBRATION_H

#include "passes/EngramToSnn/CellModel.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"

#include <string>

namespace mlir::engram::snnconv {

/// The module attribute that carries a calibration.
inline constexpr llvm::StringLiteral kCalibrationAttr =
    "engram.snn_calibration";

/// The recall's name, as the option and the attributes spell it.
inline llvm::StringRef recallName(Recall recall) {
  return recall == Recall::Kwta ? "kwta" : "linear";
}

/// What a calibration is made for: the options that decide how values are
/// coded, which both passes declare (Passes.td's SnnCodeOptions).
struct CodeOptions {
  SnnEncoding encoding = SnnEncoding::Rate;
  Recall recall = Recall::Linear;
  int64_t k = 8;
  double percentile = 99.5;
  /// The zero-input detector was asked for (zero-input=exact, or auto on a
  /// profile other than loihi2).
  bool zeroInput = false;

  /// The code of the pass options of either pass for a recall that keeps
  /// `topK` slots (0: all): recall=auto is kwta with k = top_k for a top-k
  /// recall and linear otherwise; k=0 is top_k, or 8.
  static CodeOptions of(SnnEncoding encoding, SnnRecall recall, int64_t k,
                        double percentile, SnnZeroInput zeroInput,
                        snn::Profile profile, int64_t topK) {
    CodeOptions code;
    code.encoding = encoding;
    code.recall = recall == SnnRecall::Kwta ||
                          (recall == SnnRecall::Auto && topK != 0)
                      ? Recall::Kwta
                      : Recall::Linear;
    code.k = k != 0 ? k : topK != 0 ? topK : 8;
    code.percentile = percentile;
    code.zeroInput = zeroInput == SnnZeroInput::Exact ||
                     (zeroInput == SnnZeroInput::Auto &&
                      !(profile == snn::Profile::Loihi2 &&
                        encoding == SnnEncoding::Rate));
    return code;
  }
  bool rate() const { return encoding == SnnEncoding::Rate; }
};

/// Checks the code options against the cell (a top-k recall needs kwta with
/// its k) and the cell against what converts (per-sequence trace, pooling
/// `last`), reporting through `fail`; messages name the options as `prefix`
/// + name.
LogicalResult checkCodeOptions(const CellPlan &plan,
                               const Cell &cell, const CodeOptions &code,
                               const std::string &prefix,
                               function_ref<InFlightDiagnostic()> fail);

/// Runs the cell over `sequences` sequences of `steps` rows of the
/// calibration inputs (row-major, finite) and measures it for `code`.
Calibration measureCalibration(const Cell &cell, const CodeOptions &code,
                               const std::vector<double> &inputs,
                               int64_t sequences, int64_t steps);

/// The calibration as `engram.snn_calibration`'s value.
DictionaryAttr calibrationAttr(MLIRContext *context,
                               const Calibration &calibration,
                               const CodeOptions &code);

/// Reads `engram.snn_calibration`'s value; on a malformed one, `error` names
/// the field.
FailureOr<Calibration> readCalibration(DictionaryAttr attr,
                                       CodeOptions &madeFor,
                                       std::string &error);

} // namespace mlir::engram::snnconv

#endif // ENGRAM_PASSES_ENGRAMTOSNN_CALIBRATION_H

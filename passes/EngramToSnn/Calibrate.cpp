//===- Calibrate.cpp - engram-calibrate-snn --------------------------------===//
//
// Reads the calibration inputs (.npy, B×S×D), runs the cell of `@forward`
// on them (Calibration.h) and records the result on the module as
// `engram.snn_calibration`, for convert-engram-to-snn. Nothing else changes.
//
//===----------------------------------------------------------------------===//

#include "passes/EngramToSnn/Calibration.h"

#include "passes/Passes.h"

#include "runtime/Npy.h"

#include <algorithm>
#include <cmath>

namespace mlir::engram {
#define GEN_PASS_DEF_ENGRAMCALIBRATESNN
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "passes/Passes.h.inc"
#pragma GCC diagnostic pop
} // namespace mlir::engram

using namespace mlir;
using namespace mlir::engram;
using namespace mlir::engram::snnconv;
namespace rt = ::engram::runtime;

namespace {

struct EngramCalibrateSnnPass
    : public mlir::engram::impl::EngramCalibrateSnnBase<
          EngramCalibrateSnnPass> {
  using EngramCalibrateSnnBase::EngramCalibrateSnnBase;

  void runOnOperation() override;

private:
  /// An error at the module, led by the pass's name unless a driver speaks
  /// for it (option-prefix).
  InFlightDiagnostic fail() {
    InFlightDiagnostic diag = emitError(getOperation().getLoc());
    if (optionPrefix.empty())
      diag << "engram-calibrate-snn: ";
    return diag;
  }
  std::string opt(StringRef name) const { return optionPrefix + name.str(); }
  FailureOr<rt::NpyArray> readInputs(const Cell &cell);
};

/// The calibration file: float inputs B×S×D, every value finite.
FailureOr<rt::NpyArray> EngramCalibrateSnnPass::readInputs(const Cell &cell) {
  if (calibration.empty())
    return fail() << "needs calibration data: " << opt("calibration")
                  << "=FILE.npy, inputs B×S×" << cell.inputDim;
  rt::StatusOr<rt::NpyArray> file = rt::readNpy(calibration);
  if (!file.ok())
    return fail() << file.status().message();
  if (file->dtype != "<f4" && file->dtype != "<f8")
    return fail() << calibration << ": dtype " << rt::dtypeName(file->dtype)
                  << "; " << opt("calibration")
                  << " takes float32 or float64 inputs (scale integer data as "
                     "the model was trained, e.g. images / 255)";
  const std::vector<int64_t> &shape = file->shape;
  if (shape.size() != 3 || shape[2] != cell.inputDim || shape[0] < 1 ||
      shape[1] < 1)
    return fail() << calibration << ": expected inputs B×S×" << cell.inputDim
                  << ", got " << rt::shapeToString(shape);
  if (!std::all_of(file->data.begin(), file->data.end(),
                   [](double v) { return std::isfinite(v); }))
    return fail() << calibration << ": holds a value that is not finite";
  return std::move(*file);
}

void EngramCalibrateSnnPass::runOnOperation() {
  ModuleOp module = getOperation();
  FailureOr<CellPlan> plan = analyzeCell(module, "engram-calibrate-snn");
  if (failed(plan))
    return signalPassFailure();
  Cell cell = cellOf(*plan);
  CodeOptions code = CodeOptions::of(encoding, recall, k, percentile,
                                     zeroInput, profile, plan->topK);
  if (failed(checkCodeOptions(*plan, cell, code, optionPrefix,
                              [&] { return fail(); })))
    return signalPassFailure();
  if (calibrationSamples < 1) {
    fail() << opt("calibration-samples") << " must be at least 1";
    return signalPassFailure();
  }
  FailureOr<rt::NpyArray> inputs = readInputs(cell);
  if (failed(inputs))
    return signalPassFailure();
  int64_t sequences =
      std::min<int64_t>(inputs->shape[0], calibrationSamples);
  Calibration result = measureCalibration(cell, code, inputs->data,
                                          sequences, inputs->shape[1]);
  module->setAttr(kCalibrationAttr,
                  calibrationAttr(&getContext(), result, code));
}

} // namespace

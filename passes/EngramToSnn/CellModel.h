//===- CellModel.h - the cell as the spiking network computes it -*- C++ -*-===//
//
// engram-calibrate-snn measures the spiking conversion's approximations by
// running the cell in float64 on sample inputs: exactly (the normalizations'
// typical sizes) and as the converted network computes it (every
// population's range). This is that model: the cell's weights in the
// projections' orientation, and one forward pass that either computes
// ENGRAM_SEMANTICS.md exactly or applies the calibrated approximations.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_ENGRAMTOSNN_CELLMODEL_H
#define ENGRAM_PASSES_ENGRAMTOSNN_CELLMODEL_H

#include "passes/CellPlan.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::engram::snnconv {

inline constexpr double kLayerNormEpsilon = 1e-6;
inline constexpr double kTraceClip = 0.1;

/// A row-major matrix of doubles.
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<double> data;
  Matrix() = default;
  Matrix(int64_t r, int64_t c) : rows(r), cols(c), data(r * c, 0.0) {}
  double &at(int64_t r, int64_t c) { return data[r * cols + c]; }
  double at(int64_t r, int64_t c) const { return data[r * cols + c]; }
};

/// The cell's weights as float64, in the `post × pre` orientation of
/// projections (the package stores `y = x·K`, so kernels are transposed).
struct Cell {
  int64_t inputDim = 0, hidden = 0, slots = 0, classes = 0;
  double eta = 0, scale = 0, temperature = 0;
  bool layerNorm = false;
  /// The recall's top_k (0: every slot).
  int64_t topK = 0;
  /// memory is the bank M̂ = q·scale the semantics define.
  Matrix encoder, integrator, output, readout, memory, traceInit;
  std::vector<double> encoderBias, integratorBias, outputBias, readoutBias;
  std::vector<double> gamma1, beta1, gamma2, beta2;
  std::vector<double> rowNorm; ///< ‖M_i‖
};

/// The cell of `plan` (validated by analyzeCell).
Cell cellOf(const CellPlan &plan);

/// w·x + bias.
std::vector<double> affine(const Matrix &w, const std::vector<double> &x,
                           const std::vector<double> &bias);
void relu(std::vector<double> &v);
double mean(const std::vector<double> &v);
/// The population standard deviation with LN's ε.
double stddev(const std::vector<double> &v);
/// The l2 norm, at least 1e-6 (the semantics' clamp).
double norm(const std::vector<double> &v);
/// LN with a given standard deviation (the exact one, or the calibrated
/// constant that replaces it).
std::vector<double> layerNorm(const std::vector<double> &v, double sigma,
                              const std::vector<double> &gamma,
                              const std::vector<double> &beta);
/// The p-th percentile (nearest rank) of `values`; 0 when empty.
double percentile(std::vector<double> values, double p);

enum class Recall { Linear, Kwta };

/// The values of one population over the calibration data: the
/// percentiles 100 − p and p (p: the `percentile` option) and the largest
/// magnitude.
struct PopulationRange {
  double low = 0, high = 0, largest = 0;
};

/// What calibration measures (engram-calibrate-snn): the constants that
/// replace the normalizations, the k-WTA threshold, and the range of every
/// population's values.
struct Calibration {
  double sigma1 = 1, sigma2 = 1, queryNorm = 1;
  /// All-zero input steps (padding, blank rows): their encoding is the
  /// constant relu(b_enc), so LN1 and ‖z‖ are known exactly there. A
  /// detector neuron (silenced by any input ≥ 1/gain) switches to them.
  bool zeroInput = false;
  /// "exact", "off" (not asked for) or "off (why)" (asked for, but the
  /// data does not allow it).
  std::string zeroInputNote = "off";
  double zeroSigma1 = 1, zeroQueryNorm = 1, zeroGain = 1;
  double kwtaThreshold = 0, kwtaSum = 1;
  /// Rate coding clips every value to its population's range; h's range
  /// comes from the exact cell (the calibrated LN2 lets h grow without it).
  std::optional<std::pair<double, double>> hiddenRange;
  /// By population name (enc, z, raw, slot, m, g, hh, h, out, zero,
  /// zero_gate_pos, zero_gate_neg); a name without values is absent.
  std::map<std::string, PopulationRange> ranges;
  /// The calibration sequences used.
  int64_t sequences = 0;
};

/// The population quantities of one step, computed exactly (`approx` null)
/// or as the converted network computes them.
struct StepValues {
  /// The input step is all zeros.
  bool zeroRow = false;
  std::vector<double> enc, z, raw, slot, m, g, hh, h, out, logits;
  /// The zero-input detector and its gates (see Converter::build).
  std::vector<double> zero, zeroGatePos, zeroGateNeg;
};

/// One forward pass over a sequence, exact (`approx` null) or with the
/// approximations of `approx`.
class Forward {
public:
  Forward(const Cell &cell, const Calibration *approx, Recall recall)
      : c(cell), approx(approx), recall(recall) {}

  /// Runs one sequence (S×D) and calls `observe` after every step.
  void run(const double *x, int64_t steps,
           llvm::function_ref<void(const StepValues &)> observe) const;

private:
  /// enc and z of the input row `xt`.
  void encode(const std::vector<double> &xt, StepValues &s) const;
  /// raw, the logits, the zero-input gates, the recall weights (slot) and
  /// m, from the memory `effective` = M + s·T.
  void readMemory(const Matrix &effective, StepValues &s) const;
  /// g, hh, h and out from z, m and the previous step's `h`.
  void integrate(const std::vector<double> &h, StepValues &s) const;
  std::vector<double> recallWeights(const std::vector<double> &l) const;

  const Cell &c;
  const Calibration *approx;
  Recall recall;
};

} // namespace mlir::engram::snnconv

#endif // ENGRAM_PASSES_ENGRAMTOSNN_CELLMODEL_H

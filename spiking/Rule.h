//===- Rule.h - learning rules and traces of plastic synapses ---*- C++ -*-===//
//
// Lava's form of a learning rule and the traces it reads, shared by the snn
// dialect (which verifies rules against a hardware profile) and the
// simulator (which runs them). No MLIR and no simulator here.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_SPIKING_RULE_H
#define ENGRAM_SPIKING_RULE_H

#include "runtime/Status.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace engram::spiking {

using runtime::StatusOr;

/// One trace of a plastic projection: t ← t·(1 − decay) + impulse·s every
/// timestep, where s is the neuron's event (1 for a spike, the payload of a
/// graded event, 0 without one).
struct Trace {
  double impulse = 0, decay = 0;

  /// The time constant of the decay, in timesteps, as Lava and PyNN state
  /// it: decay = 1 − exp(−1/τ). A decay of 1 (the trace holds only this
  /// timestep's event) is τ = 0, a decay of 0 is τ = ∞.
  double tau() const;
  static double decayOf(double tau);
};

/// A learning rule `dw = Σ c · dep · f1 · f2 ...`, Lava's form: every term has
/// exactly one dependency (x0: a pre spike, y0: a post spike, u: the end of a
/// network step, "epoch") and any product of the traces x1 x2 (pre), y1 y2
/// (post), y3 (third factor) and the weight w.
enum class RuleFactor { X1, X2, Y1, Y2, Y3, W };
enum class RuleDependency { X0, Y0, U };
struct RuleTerm {
  double coefficient = 1;
  /// For the loihi2 profile: the coefficient as mantissa · 2^exponent when it
  /// was written that way.
  std::optional<std::pair<int, int>> mantissaExponent;
  RuleDependency dependency = RuleDependency::U;
  std::vector<RuleFactor> factors;
};
struct LearningRule {
  std::string text; ///< as written, e.g. "dw = 2^-4*u*x1*y1 - 2^-4*u*w"
  std::vector<RuleTerm> terms;
  Trace x1, x2, y1, y2, y3;
};

/// Parses `dw = term (+|- term)*`, term = factor ('*' factor)*, factor = a
/// decimal number, `2^k`, x0 | y0 | u | x1 | x2 | y1 | y2 | y3 | w. Errors name
/// the offending text.
StatusOr<std::vector<RuleTerm>> parseRule(const std::string &text);

} // namespace engram::spiking

#endif // ENGRAM_SPIKING_RULE_H

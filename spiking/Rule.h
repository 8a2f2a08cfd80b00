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

#include <array>
#include <cstddef>
#include <cstdint>
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
inline constexpr size_t kRuleFactorCount = 6;
/// The factor's name in a rule: x1, x2, y1, y2, y3 or w.
const char *factorName(RuleFactor factor);

enum class RuleDependency { X0, Y0, U };
/// The dependency's name in a rule: x0, y0 or u.
const char *dependencyName(RuleDependency dependency);

/// One term. Plain data (no heap), so that the snn dialect's rule attribute
/// can hold its terms as they are.
struct RuleTerm {
  double coefficient = 1;
  /// For the loihi2 profile: the coefficient as mantissa · 2^exponent when it
  /// was written that way.
  std::optional<std::pair<int, int>> mantissaExponent;
  RuleDependency dependency = RuleDependency::U;
  /// The product of traces, as how often each factor appears in it (a
  /// product does not depend on the order), indexed by RuleFactor.
  std::array<uint8_t, kRuleFactorCount> powers{};

  unsigned power(RuleFactor factor) const {
    return powers[static_cast<size_t>(factor)];
  }
  bool uses(RuleFactor factor) const { return power(factor) != 0; }
  /// The number of factors in the product.
  unsigned degree() const;
  /// Whether the term is written with a leading minus.
  bool isNegative() const;
  bool operator==(const RuleTerm &other) const;
  bool operator!=(const RuleTerm &other) const { return !(*this == other); }
};

struct LearningRule {
  std::string text; ///< as written, e.g. "dw = 2^-4*u*x1*y1 - 2^-4*u*w"
  std::vector<RuleTerm> terms;
  Trace x1, x2, y1, y2, y3;
};

/// Whether any term of `terms` uses `factor`.
bool usesFactor(const std::vector<RuleTerm> &terms, RuleFactor factor);

/// Parses `dw = term (+|- term)*`, term = factor ('*' factor)*, factor = a
/// decimal number, `2^k`, x0 | y0 | u | x1 | x2 | y1 | y2 | y3 | w. Errors name
/// the offending text.
StatusOr<std::vector<RuleTerm>> parseRule(const std::string &text);

/// The choices a printed rule can make that parseRule reads alike.
struct RuleSpelling {
  /// The every-epoch dependency: `u`, or Lava's `u0`.
  const char *epoch = "u";
  /// Write every m·2^e constant in full (`1*2^-4`, `6*2^0`), as Lava's
  /// exports do, instead of the shortest form (`2^-4`, `6`).
  bool fullConstants = false;
};

/// The rule in the grammar parseRule reads: terms in order, a coefficient
/// written m*2^e (or 2^e, or m) when the term has that form and as the
/// shortest decimal that reads back exactly (with a '.' or an exponent)
/// otherwise, then the dependency, then the factors in the order x1 x2 y1
/// y2 y3 w. With the default spelling, one text per rule (what #snn.rule
/// prints), and parseRule(formatRule(t)) == t.
std::string formatRule(const RuleTerm *terms, size_t count,
                       const RuleSpelling &spelling = {});
inline std::string formatRule(const std::vector<RuleTerm> &terms,
                              const RuleSpelling &spelling = {}) {
  return formatRule(terms.data(), terms.size(), spelling);
}

/// The constant m·2^e nearest to `magnitude` (> 0) with m in 0..7 and e in
/// −7..8, the constants Lava's fixed-point rule parser takes; beyond that
/// range the nearest representable one.
std::pair<int, int> nearestLoihiConstant(double magnitude);

/// Lava's learning engine on Loihi's integers (its bit-approximate
/// LearningDense, lava/magma/core/model/py/connection.py and
/// learning_rule_applier.py): traces of 7 bits, weight factors of 9 (sign
/// included), constants m·2^e with a 4-bit mantissa, a 15-bit accumulator
/// holding the weight in units of 2^-7.
namespace loihi_learning {
inline constexpr int kTraceBits = 7;
inline constexpr int kWeightFactorBits = 9;
inline constexpr int kMantissaBits = 4;
inline constexpr int kAccumulatorBits = 15;
/// The accumulator's fractional bits (15 − 8 bits of weight magnitude).
inline constexpr int kWeightShift = 7;
/// The learned weights' range with mixed signs (Lava's clip_weights with
/// 8 bits): [−256, 255]; excitatory [0, 255], inhibitory [−255, 0].
inline constexpr int kWeightLimit = 255;
/// The seed of the generator Lava's LearningDense rounds learned weights
/// with (ConnVarRandom's default; numpy's default_rng).
inline constexpr uint32_t kRoundingSeed = 2;

/// Whether `terms` can learn in this form: every term depends on u, has
/// factors among x1, y3 and w (each at most once) and a constant m·2^e with
/// m in −8..7 and e in −7..8; the error says what is not.
runtime::Status check(const RuleTerm *terms, size_t count);
inline runtime::Status check(const std::vector<RuleTerm> &terms) {
  return check(terms.data(), terms.size());
}

/// How far a term's product is shifted right to fit the accumulator: its
/// factors' widths (7 per trace, 9 for w) and the mantissa's 4 beyond 15.
/// A written constant m·2^e weighs the product by m·2^(e − shift).
int productShift(const RuleTerm &term);

/// The accumulator after the rule, from the weight mantissa `w` and the
/// traces `x1`, `y3` at the end of an epoch: w·2^7 plus each product
/// (factors clipped to their widths) · m, shifted back to 15 bits when the
/// widths exceed it and then by e + 7, every sum saturated to
/// [−2^15 − 1, 2^15 − 1].
int64_t accumulate(const std::vector<RuleTerm> &terms, int64_t w, int64_t x1,
                   int64_t y3);
} // namespace loihi_learning

} // namespace engram::spiking

#endif // ENGRAM_SPIKING_RULE_H

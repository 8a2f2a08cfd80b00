//===- Rule.cpp - learning rules of plastic synapses ----------------------===//
//
// parseRule (Rule.h): Lava's form of a learning rule, `dw = term (+|- term)*`,
// read by a small recursive-descent parser that checks each term's single
// dependency. The snn dialect's verifier and the simulator share it.
//
//===----------------------------------------------------------------------===//

#include "spiking/Rule.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace engram::spiking {

using runtime::Status;
namespace {

//===----------------------------------------------------------------------===//
// Learning rules
//===----------------------------------------------------------------------===//

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)); }
bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)); }
bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool isNumberChar(char c) { return isDigit(c) || c == '.'; }

/// The numeric factors of one term, to tell whether its coefficient was
/// written as mantissa · 2^exponent.
struct TermNumbers {
  double value = 1;
  int mantissas = 0, powers = 0, others = 0;
  int mantissa = 1, exponent = 0;
};

/// Reads `dw = term (+|- term)*` left to right, skipping whitespace between
/// tokens.
class RuleParser {
public:
  explicit RuleParser(const std::string &text) : text_(text) {}
  StatusOr<std::vector<RuleTerm>> parse();

private:
  /// Skips whitespace; the next character, or '\0' at the end.
  char peek() {
    while (pos_ < text_.size() && isSpace(text_[pos_]))
      ++pos_;
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++pos_;
    return true;
  }
  /// Skips whitespace; the longest run of characters satisfying `pred`.
  std::string take(bool (*pred)(char)) {
    peek();
    size_t start = pos_;
    while (pos_ < text_.size() && pred(text_[pos_]))
      ++pos_;
    return text_.substr(start, pos_ - start);
  }
  Status termError(const std::string &what) const {
    return Status::error("term " + std::to_string(termIndex_) + " of '" +
                         text_ + "' " + what);
  }
  Status parseTerm(bool negative, RuleTerm &term);
  Status parseNumber(TermNumbers &numbers);
  Status addFactor(const std::string &name, RuleTerm &term);

  const std::string &text_;
  size_t pos_ = 0;
  int termIndex_ = 0;
};

StatusOr<std::vector<RuleTerm>> RuleParser::parse() {
  if (peek() == '\0')
    return Status::error("empty learning rule");
  if (take(isNameChar) != "dw" || !consume('='))
    return Status::error("learning rule '" + text_ +
                         "' must start with 'dw ='");
  if (peek() == '\0')
    return Status::error("learning rule '" + text_ + "' has no terms");
  std::vector<RuleTerm> terms;
  // A sign before the first term is optional.
  bool negative = consume('-');
  if (!negative)
    consume('+');
  while (true) {
    ++termIndex_;
    RuleTerm term;
    if (Status status = parseTerm(negative, term); !status)
      return status;
    terms.push_back(std::move(term));
    char c = peek();
    if (c == '\0')
      return terms;
    if (c != '+' && c != '-')
      return Status::error("learning rule '" + text_ +
                           "': expected '+', '-' or '*' at '" +
                           text_.substr(pos_) + "'");
    negative = c == '-';
    ++pos_;
  }
}

Status RuleParser::parseTerm(bool negative, RuleTerm &term) {
  TermNumbers numbers;
  std::string dependency;
  do {
    char c = peek();
    if (isNumberChar(c)) {
      if (Status status = parseNumber(numbers); !status)
        return status;
      continue;
    }
    if (!isNameChar(c))
      return termError(c == '\0'
                           ? "ends where a factor is expected"
                           : std::string("has an unexpected '") + c + "'");
    std::string name = take(isNameChar);
    std::optional<RuleDependency> dep;
    if (name == "x0")
      dep = RuleDependency::X0;
    else if (name == "y0")
      dep = RuleDependency::Y0;
    else if (name == "u" || name == "u0") // u0: Lava's spelling
      dep = RuleDependency::U;
    if (dep) {
      if (!dependency.empty())
        return termError("has two dependencies ('" + dependency + "' and '" +
                         name + "'); a term takes exactly one");
      dependency = name;
      term.dependency = *dep;
      continue;
    }
    if (Status status = addFactor(name, term); !status)
      return status;
  } while (consume('*'));
  if (dependency.empty())
    return termError("has no dependency (x0, y0 or u)");
  if (!std::isfinite(numbers.value))
    return termError("has a coefficient too large to represent");
  term.coefficient = negative ? -numbers.value : numbers.value;
  if (numbers.others == 0 && numbers.mantissas <= 1 && numbers.powers <= 1)
    term.mantissaExponent = {negative ? -numbers.mantissa : numbers.mantissa,
                             numbers.exponent};
  return Status::success();
}

Status RuleParser::addFactor(const std::string &name, RuleTerm &term) {
  for (size_t f = 0; f < kRuleFactorCount; ++f) {
    if (name != factorName(RuleFactor(f)))
      continue;
    if (term.powers[f] == UINT8_MAX)
      return termError("multiplies '" + name + "' more than 255 times");
    ++term.powers[f];
    return Status::success();
  }
  return termError("has unknown factor '" + name + "'");
}

Status RuleParser::parseNumber(TermNumbers &numbers) {
  peek();
  const size_t start = pos_;
  std::string digits = take(isNumberChar);
  bool integer = digits.find('.') == std::string::npos;
  // An exponent, written without spaces: 1e-3, 2.5E+2.
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    size_t p = pos_ + 1;
    if (p < text_.size() && (text_[p] == '-' || text_[p] == '+'))
      ++p;
    if (p < text_.size() && isDigit(text_[p])) {
      pos_ = p;
      while (pos_ < text_.size() && isDigit(text_[pos_]))
        ++pos_;
      integer = false;
    }
  }
  std::string token = text_.substr(start, pos_ - start);
  char *end = nullptr;
  double value = std::strtod(token.c_str(), &end);
  if (token.empty() || *end != '\0' || !std::isfinite(value))
    return termError("has a malformed number '" + token + "'");
  if (!consume('^')) {
    numbers.value *= value;
    if (integer && value <= INT_MAX && numbers.mantissas++ == 0)
      numbers.mantissa = int(value);
    else
      ++numbers.others;
    return Status::success();
  }
  if (token != "2")
    return termError("raises '" + token + "' to a power; only 2^k is allowed");
  bool negative = consume('-');
  if (!negative)
    consume('+');
  std::string k = take(isDigit);
  if (k.empty() || k.size() > 4)
    return termError("has '2^' without an integer exponent of at most 4 "
                     "digits");
  int exponent = negative ? -std::atoi(k.c_str()) : std::atoi(k.c_str());
  numbers.value = std::ldexp(numbers.value, exponent);
  numbers.exponent += exponent;
  ++numbers.powers;
  return Status::success();
}

} // namespace

bool RuleTerm::isNegative() const {
  return mantissaExponent ? mantissaExponent->first < 0
                          : std::signbit(coefficient);
}

namespace {

/// A term's coefficient without its sign: `m*2^e`, `2^e`, `m`, nothing for
/// 1·2^0 (all `m*2^e` with fullConstants), or a decimal with a '.' or an
/// exponent.
std::string formatMagnitude(const RuleTerm &term, bool fullConstants) {
  if (term.mantissaExponent) {
    auto [mantissa, exponent] = *term.mantissaExponent;
    std::string text = std::to_string(mantissa < 0 ? -mantissa : mantissa);
    std::string power = "2^" + std::to_string(exponent);
    if (fullConstants)
      return text + "*" + power;
    if (exponent == 0)
      return text == "1" ? "" : text;
    return (text == "1" ? "" : text + "*") + power;
  }
  // The shortest decimal that reads back exactly, with a '.' or an exponent
  // so that it does not read back as a mantissa.
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer),
                                    std::fabs(term.coefficient));
  std::string text(buffer, error == std::errc() ? end : buffer);
  if (text.find_first_of(".e") == std::string::npos)
    text += ".0";
  return text;
}

} // namespace

StatusOr<std::vector<RuleTerm>> parseRule(const std::string &text) {
  return RuleParser(text).parse();
}

std::string formatRule(const RuleTerm *terms, size_t count,
                       const RuleSpelling &spelling) {
  std::string text = "dw =";
  for (size_t t = 0; t < count; ++t) {
    const RuleTerm &term = terms[t];
    bool negative = term.isNegative();
    text += t == 0 ? (negative ? " -" : " ") : (negative ? " - " : " + ");
    std::string magnitude = formatMagnitude(term, spelling.fullConstants);
    text += magnitude.empty() ? "" : magnitude + "*";
    text += term.dependency == RuleDependency::U
                ? spelling.epoch
                : dependencyName(term.dependency);
    for (size_t f = 0; f < kRuleFactorCount; ++f)
      for (unsigned p = 0; p < term.powers[f]; ++p)
        text += std::string("*") + factorName(RuleFactor(f));
  }
  return text;
}

const char *factorName(RuleFactor factor) {
  static const char *const kNames[] = {"x1", "x2", "y1", "y2", "y3", "w"};
  return kNames[static_cast<size_t>(factor)];
}

const char *dependencyName(RuleDependency dependency) {
  switch (dependency) {
  case RuleDependency::X0:
    return "x0";
  case RuleDependency::Y0:
    return "y0";
  case RuleDependency::U:
    return "u";
  }
  return "u";
}

unsigned RuleTerm::degree() const {
  unsigned total = 0;
  for (uint8_t p : powers)
    total += p;
  return total;
}

bool RuleTerm::operator==(const RuleTerm &other) const {
  return coefficient == other.coefficient &&
         mantissaExponent == other.mantissaExponent &&
         dependency == other.dependency && powers == other.powers;
}

bool usesFactor(const std::vector<RuleTerm> &terms, RuleFactor factor) {
  return std::any_of(terms.begin(), terms.end(),
                     [&](const RuleTerm &t) { return t.uses(factor); });
}

std::pair<int, int> nearestLoihiConstant(double magnitude) {
  if (!(magnitude > 0) || !std::isfinite(magnitude))
    return {0, 0};
  int e = int(std::floor(std::log2(magnitude))) - 2;
  e = std::clamp(e, -7, 8);
  long m = std::lround(magnitude / std::ldexp(1.0, e));
  if (m > 7 && e < 8) {
    m = std::lround(magnitude / std::ldexp(1.0, e + 1));
    ++e;
  }
  return {int(std::clamp<long>(m, 0, 7)), e};
}

namespace loihi_learning {

Status check(const RuleTerm *terms, size_t count) {
  for (const RuleTerm *term = terms; term != terms + count; ++term) {
    std::string text = formatRule(term, 1);
    if (term->dependency != RuleDependency::U)
      return Status::error("'" + text + "' must depend on u (Loihi's epoch)");
    for (RuleFactor factor : {RuleFactor::X2, RuleFactor::Y1, RuleFactor::Y2})
      if (term->uses(factor))
        return Status::error("'" + text + "' uses " + factorName(factor) +
                             "; only x1, y3 and w learn in Loihi's integers");
    for (RuleFactor factor : {RuleFactor::X1, RuleFactor::Y3, RuleFactor::W})
      if (term->power(factor) > 1)
        return Status::error("'" + text + "' has " + factorName(factor) +
                             " more than once");
    auto me = term->mantissaExponent;
    if (!me || me->first < -8 || me->first > 7 || me->second < -7 ||
        me->second > 8)
      return Status::error("'" + text +
                           "' needs a constant m*2^e with m in -8..7 and e "
                           "in -7..8");
  }
  return Status::success();
}

int productShift(const RuleTerm &term) {
  int width = kMantissaBits +
              kTraceBits * int(term.power(RuleFactor::X1) +
                               term.power(RuleFactor::Y3)) +
              kWeightFactorBits * int(term.power(RuleFactor::W));
  return std::max(0, width - kAccumulatorBits);
}

int64_t accumulate(const std::vector<RuleTerm> &terms, int64_t w, int64_t x1,
                   int64_t y3) {
  // Lava saturates at [−2^15 − 1, 2^15 − 1].
  const int64_t limit = (int64_t(1) << kAccumulatorBits) - 1;
  auto saturate = [&](int64_t v) { return std::clamp(v, -limit - 2, limit); };
  auto clipTo = [](int64_t v, int bits) {
    return std::clamp<int64_t>(v, -(int64_t(1) << bits),
                               (int64_t(1) << bits) - 1);
  };
  int64_t result = w * (int64_t(1) << kWeightShift);
  for (const RuleTerm &term : terms) {
    int64_t product = term.mantissaExponent->first;
    if (term.uses(RuleFactor::X1))
      product *= clipTo(x1, kTraceBits);
    if (term.uses(RuleFactor::Y3))
      product *= clipTo(y3, kTraceBits);
    if (term.uses(RuleFactor::W))
      product *= clipTo(w, kWeightFactorBits);
    // Arithmetic shifts, as numpy's right_shift and left_shift on int32.
    product >>= productShift(term);
    product *= int64_t(1) << (term.mantissaExponent->second + kWeightShift);
    result = saturate(result + saturate(product));
  }
  return result;
}

} // namespace loihi_learning

double Trace::tau() const {
  if (decay >= 1)
    return 0;
  if (decay <= 0)
    return INFINITY;
  return -1 / std::log1p(-decay);
}

double Trace::decayOf(double tau) {
  if (tau == 0)
    return 1;
  if (std::isinf(tau))
    return 0;
  return -std::expm1(-1 / tau);
}

} // namespace engram::spiking

//===- Text.cpp - text from files, made safe to print ---------------------===//
//
// A small UTF-8 validator (RFC 3629: no overlong forms, no surrogates, at
// most U+10FFFF) that copies what is well formed and escapes the rest.
//
//===----------------------------------------------------------------------===//

#include "runtime/Text.h"

#include <cstdint>
#include <cstdio>

namespace engram::runtime {
namespace {

/// The length of the well-formed UTF-8 sequence at `s[i]` (2 to 4), or 0.
size_t sequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return uint8_t(s[i + k]); };
  const uint8_t lead = byte(0);
  size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                  : lead >= 0xE0 && lead <= 0xEF ? 3
                  : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                 : 0;
  if (length == 0 || i + length > s.size())
    return 0;
  for (size_t k = 1; k < length; ++k)
    if ((byte(k) & 0xC0) != 0x80)
      return 0;
  const uint8_t second = byte(1);
  if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
      (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F))
    return 0; // Overlong, a surrogate, or beyond U+10FFFF.
  return length;
}

} // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const uint8_t c = uint8_t(text[i]);
    if ((c >= 0x20 && c < 0x7F) || c == '\n' || c == '\t') {
      out += char(c);
      ++i;
      continue;
    }
    if (size_t length = c >= 0x80 ? sequenceLength(text, i) : 0) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    char escaped[5];
    std::snprintf(escaped, sizeof escaped, "\\x%02X", unsigned(c));
    out += escaped;
    ++i;
  }
  return out;
}

} // namespace engram::runtime

//===- Text.h - text from files, made safe to print -------------*- C++ -*-===//
//
// Error messages quote names, values and lines from the files they are about;
// a corrupt or hostile file must not write raw bytes (escape sequences,
// invalid UTF-8) to a user's terminal.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_TEXT_H
#define ENGRAM_RUNTIME_TEXT_H

#include <string>
#include <string_view>

namespace engram::runtime {

/// `text` with every byte that is not printable UTF-8 written as \xNN:
/// control characters (but newline and tab), DEL, and bytes that are not
/// part of a well-formed UTF-8 sequence. A backslash stays as it is.
std::string printable(std::string_view text);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_TEXT_H

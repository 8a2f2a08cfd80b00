//===- Files.h - whole-file reads and atomic writes -------------*- C++ -*-===//
//
// Reading a file into memory, and writing one so that a failure never leaves
// a partial file behind (write to a temporary beside it, then rename).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_FILES_H
#define ENGRAM_RUNTIME_FILES_H

#include "runtime/Status.h"

#include <string>

namespace engram::runtime {

/// The bytes of `path`, or "<path>: cannot read: <reason>".
StatusOr<std::string> readFile(const std::string &path);

/// Writes `bytes` to `path` atomically; "-" writes to standard output.
Status writeFileAtomic(const std::string &path, const std::string &bytes);

/// Whether `path` can be written, checked before long work starts: its
/// folder exists and is writable, and it is not a folder itself. "-"
/// (standard output) always can.
Status checkOutputPath(const std::string &path);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_FILES_H

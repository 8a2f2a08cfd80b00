//===- Version.h - engram's version and source revision ---------*- C++ -*-===//
//
// What `--version` prints and what every artifact and export records as its
// producer: the release version (CMake's project version) and the source
// revision the build came from (git describe, refreshed at every build).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_VERSION_H
#define ENGRAM_RUNTIME_VERSION_H

#include <string>

namespace engram::runtime {

/// engram's version, e.g. "0.1.0".
const char *version();

/// The source revision of this build (git describe), or "unknown".
const char *revision();

/// "TOOL engram VERSION (REVISION)": the producer recorded in artifacts.
std::string producer(const std::string &tool);

/// The text of `TOOL --version`; `llvm` names the LLVM it was built with.
std::string versionText(const std::string &tool, const std::string &llvm);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_VERSION_H

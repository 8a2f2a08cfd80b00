//===- Version.cpp - engram's version and source revision -----------------===//
//
// ENGRAM_VERSION comes from the build (CMake's project version) and
// ENGRAM_REVISION from the generated EngramRevision.h.
//
//===----------------------------------------------------------------------===//

#include "runtime/Version.h"

#include "runtime/EngramRevision.h"

namespace engram::runtime {

const char *version() { return ENGRAM_VERSION; }

const char *revision() { return ENGRAM_REVISION; }

std::string producer(const std::string &tool) {
  return tool + " engram " + version() + " (" + revision() + ")";
}

std::string versionText(const std::string &tool, const std::string &llvm) {
  return tool + " (engram) " + version() + "\n  revision: " + revision() +
         "\n  LLVM: " + llvm + "\n";
}

} // namespace engram::runtime

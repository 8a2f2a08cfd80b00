//===- Package.h - loading engram model packages ----------------*- C++ -*-===//
//
// A model package is `model.json` plus the safetensors file it names (see
// ENGRAM_SEMANTICS.md). The loader validates the JSON strictly (unknown
// fields are errors, so that typos do not pass silently), the weights file,
// and the agreement between the two.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_PACKAGE_H
#define ENGRAM_RUNTIME_PACKAGE_H

#include "runtime/Model.h"
#include "runtime/Status.h"

#include <string>

namespace engram::runtime {

/// The format string this runtime reads.
inline constexpr const char *kPackageFormat = "engram-model/1";

/// Parses the text of a model.json (errors carry no file name).
StatusOr<ModelConfig> parseModelConfig(const std::string &text,
                                       std::string *weightsFile);

/// Loads the package at `path`: a directory holding model.json, or the path
/// of the model.json itself. Errors name the file and the field.
StatusOr<Model> loadPackage(const std::string &path);

/// True when `path` looks like a package (a directory or a .json file).
bool isPackagePath(const std::string &path);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_PACKAGE_H

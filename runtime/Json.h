//===- Json.h - exception-free JSON parsing for the runtime -----*- C++ -*-===//
//
// Wraps nlohmann-json so that malformed text becomes a Status with the line,
// column and reason, in a build without exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_JSON_H
#define ENGRAM_RUNTIME_JSON_H

#include "runtime/Status.h"

#include <nlohmann/json.hpp>
#include <string_view>

namespace engram::runtime {

/// Parses `text`; a syntax error becomes "invalid JSON: <reason>".
StatusOr<nlohmann::json> parseJson(std::string_view text);

/// The JSON type of `value`, for messages ("a string", "an object", ...).
std::string describeJson(const nlohmann::json &value);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_JSON_H

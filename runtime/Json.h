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
#include <set>
#include <string>
#include <string_view>

namespace engram::runtime {

/// Parses `text`; a syntax error becomes "invalid JSON: <reason>".
StatusOr<nlohmann::json> parseJson(std::string_view text);

/// The JSON type of `value`, for messages ("a string", "an object", ...).
std::string describeJson(const nlohmann::json &value);

/// The members of one JSON object, remembering which were read, so that a
/// reader can report the members it does not know. The typed accessors and
/// their messages belong to each file format (Package.cpp, CudaBundle.cpp).
class JsonMembers {
public:
  explicit JsonMembers(const nlohmann::json &object) : object_(object) {}

  /// The member `key`, or null; either way `key` counts as read.
  const nlohmann::json *get(const std::string &key) {
    read_.insert(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  /// The first member (in the object's order) that was never read, or null.
  const std::string *firstUnread() const {
    for (const auto &item : object_.items())
      if (!read_.count(item.key()))
        return &item.key();
    return nullptr;
  }

private:
  const nlohmann::json &object_;
  std::set<std::string> read_;
};

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_JSON_H

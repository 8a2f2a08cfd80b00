//===- Status.h - errors as values for the runtime --------------*- C++ -*-===//
//
// The runtime has no LLVM and is built without exceptions, so fallible
// functions return a Status (an error message, empty on success) or a
// StatusOr<T>. Messages name the file and the field they are about.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_STATUS_H
#define ENGRAM_RUNTIME_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace engram::runtime {

/// Success, or one error message.
class [[nodiscard]] Status {
public:
  static Status success() { return Status(); }
  static Status error(std::string message) {
    Status status;
    status.failed_ = true;
    status.message_ = std::move(message);
    return status;
  }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return message_; }

  /// Returns this error with `prefix` put in front of the message.
  Status withPrefix(const std::string &prefix) const {
    return ok() ? *this : error(prefix + message_);
  }

private:
  bool failed_ = false;
  std::string message_;
};

/// A value, or the Status that explains why there is none.
template <typename T> class [[nodiscard]] StatusOr {
public:
  StatusOr(T value) : value_(std::move(value)) {}
  StatusOr(Status status) : status_(std::move(status)) {
    assert(!status_.ok() && "StatusOr built from a success Status");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status &status() const { return status_; }
  T &operator*() { return *value_; }
  const T &operator*() const { return *value_; }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }

private:
  std::optional<T> value_;
  Status status_;
};

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_STATUS_H

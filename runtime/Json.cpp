//===- Json.cpp - exception-free JSON parsing for the runtime -------------===//
//
// nlohmann's DOM parser reports nothing but "discarded" when exceptions are
// off; a second pass with a SAX handler recovers the reason and position.
//
//===----------------------------------------------------------------------===//

#include "runtime/Json.h"

namespace engram::runtime {
namespace {

using json = nlohmann::json;

/// A SAX handler that accepts everything and remembers the first error.
class ErrorCatcher : public nlohmann::json_sax<json> {
public:
  std::string message;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t &) override { return true; }
  bool string(string_t &) override { return true; }
  bool binary(binary_t &) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t &) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string &,
                   const nlohmann::detail::exception &error) override {
    message = error.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    if (size_t close = message.find("] "); close != std::string::npos &&
                                           !message.empty() &&
                                           message.front() == '[')
      message = message.substr(close + 2);
    return false;
  }
};

} // namespace

StatusOr<json> parseJson(std::string_view text) {
  json value = json::parse(text.begin(), text.end(), /*cb=*/nullptr,
                           /*allow_exceptions=*/false);
  if (!value.is_discarded())
    return value;
  ErrorCatcher catcher;
  json::sax_parse(text.begin(), text.end(), &catcher);
  if (catcher.message.empty())
    catcher.message = "syntax error";
  return Status::error("invalid JSON: " + catcher.message);
}

std::string describeJson(const json &value) {
  switch (value.type()) {
  case json::value_t::null:
    return "null";
  case json::value_t::object:
    return "an object";
  case json::value_t::array:
    return "an array";
  case json::value_t::string:
    return "the string " + value.dump();
  case json::value_t::boolean:
    return value.dump();
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
  case json::value_t::number_float:
    return value.dump();
  default:
    return "a value of another type";
  }
}

} // namespace engram::runtime

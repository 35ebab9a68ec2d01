#include "mink/metrics/names.hpp"

#include <string>

#include "mink/errc.hpp"

namespace mink::metrics {

namespace {

bool is_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Quotes `str` for an error message, escaping what would garble it.
std::string quoted(std::string_view str) {
  std::string result = "\"";
  for (auto c : str) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      result += '\\';
      result += c;
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      result += "\\x";
      result += hex[u >> 4];
      result += hex[u & 0x0f];
    } else {
      result += c;
    }
  }
  result += '"';
  return result;
}

} // namespace

caf::error validate_metric_name(std::string_view name) {
  auto ok = !name.empty()
            && (is_letter(name[0]) || name[0] == '_' || name[0] == ':');
  for (size_t i = 1; ok && i < name.size(); ++i) {
    auto c = name[i];
    ok = is_letter(c) || is_digit(c) || c == '_' || c == ':';
  }
  if (!ok)
    return make_error(errc::invalid_argument,
                      "invalid metric name " + quoted(name)
                        + ": expected [a-zA-Z_:][a-zA-Z0-9_:]*");
  return caf::none;
}

caf::error validate_label_name(std::string_view name) {
  auto ok = !name.empty() && (is_letter(name[0]) || name[0] == '_');
  for (size_t i = 1; ok && i < name.size(); ++i) {
    auto c = name[i];
    ok = is_letter(c) || is_digit(c) || c == '_';
  }
  if (!ok)
    return make_error(errc::invalid_argument,
                      "invalid label name " + quoted(name)
                        + ": expected [a-zA-Z_][a-zA-Z0-9_]*");
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_')
    return make_error(errc::invalid_argument,
                      "invalid label name " + quoted(name)
                        + ": names starting with __ are reserved");
  return caf::none;
}

} // namespace mink::metrics

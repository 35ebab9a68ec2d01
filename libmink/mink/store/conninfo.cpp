#include "mink/store/conninfo.hpp"

#include <cctype>

#include "mink/errc.hpp"

namespace mink {

namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

} // namespace

std::string mask_password(const std::string& conninfo) {
  std::string out = conninfo;
  auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    // URI form: scheme://user:secret@host..., and ?password=secret&...
    auto start = scheme + 3;
    auto at = out.find('@', start);
    auto slash = out.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      auto colon = out.find(':', start);
      if (colon != std::string::npos && colon < at)
        out.replace(colon + 1, at - colon - 1, "***");
    }
    for (auto q = out.find("password="); q != std::string::npos;
         q = out.find("password=", q + 12)) {
      auto from = q + 9;
      auto end = out.find('&', from);
      out.replace(from, (end == std::string::npos ? out.size() : end) - from,
                  "***");
    }
    return out;
  }
  // Keyword form: password = 'se cret' or password=secret.
  size_t pos = 0;
  while ((pos = out.find("password", pos)) != std::string::npos) {
    auto i = pos + 8;
    while (i < out.size() && is_space(out[i]))
      ++i;
    if (i >= out.size() || out[i] != '=') {
      pos = i;
      continue;
    }
    ++i;
    while (i < out.size() && is_space(out[i]))
      ++i;
    auto start = i;
    if (i < out.size() && out[i] == '\'') {
      ++i;
      while (i < out.size() && out[i] != '\'') {
        if (out[i] == '\\' && i + 1 < out.size())
          ++i;
        ++i;
      }
      if (i < out.size())
        ++i; // the closing quote
    } else {
      while (i < out.size() && !is_space(out[i]))
        ++i;
    }
    out.replace(start, i - start, "***");
    pos = start + 3;
  }
  return out;
}

namespace pg {

caf::error validate_schema_name(std::string_view name) {
  auto fail = [&](const char* why) {
    return make_error(errc::invalid_argument,
                      std::string{"schema name '"} + std::string{name}
                        + "' " + why);
  };
  if (name.empty() || name.size() > 63)
    return fail("must be 1 to 63 characters long");
  if (name[0] >= '0' && name[0] <= '9')
    return fail("must not start with a digit");
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return fail("may only contain a-z, 0-9 and _");
  if (name.rfind("pg_", 0) == 0)
    return fail("must not start with pg_ (reserved by PostgreSQL)");
  return {};
}

} // namespace pg

} // namespace mink

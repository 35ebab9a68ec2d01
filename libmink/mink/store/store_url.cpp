#include "mink/store/store_url.hpp"

#include <utility>

#include "mink/errc.hpp"
#include "mink/store/conninfo.hpp"
#include "mink/adapters/store_adapter.hpp"

namespace mink {

namespace {

bool starts_with(std::string_view x, std::string_view prefix) {
  return x.substr(0, prefix.size()) == prefix;
}

caf::error unknown_scheme(const std::string& url) {
  std::string others;
  for (const auto& scheme : registered_schemes())
    others += ", " + scheme + ":...";
  return make_error(errc::invalid_argument,
                    "unknown store URL '" + mask_password(url)
                      + "': use memory:, sqlite:PATH, "
                        "postgresql://user@host/db?schema=NAME, "
                        "pg:CONNINFO"
                      + others);
}

/// A URL of a scheme that an adapter outside mink registered.
caf::expected<store_location> parse_other(const std::string& url) {
  auto colon = url.find(':');
  if (colon == std::string::npos || colon == 0)
    return unknown_scheme(url);
  auto adapter = find_store_adapter(url.substr(0, colon));
  if (!adapter) // registered others always have a parser
    return unknown_scheme(url);
  auto x = adapter->parse(url);
  if (!x)
    return x;
  x->kind = store_kind::other;
  x->scheme = adapter->scheme;
  return x;
}

/// Takes mink's `schema` parameter out of a URI's query string; `given`
/// says whether there was one.
caf::error take_schema(std::string& uri, std::string& schema, bool& given) {
  auto q = uri.find('?');
  if (q == std::string::npos)
    return {};
  auto query = uri.substr(q + 1);
  std::string kept;
  size_t from = 0;
  while (from <= query.size()) {
    auto amp = query.find('&', from);
    auto end = amp == std::string::npos ? query.size() : amp;
    auto param = query.substr(from, end - from);
    if (starts_with(param, "schema=")) {
      given = true;
      schema = param.substr(7);
      if (schema.empty())
        return make_error(errc::invalid_argument,
                          "the store URL's schema parameter is empty");
    } else if (!param.empty()) {
      kept += kept.empty() ? "" : "&";
      kept += param;
    }
    if (amp == std::string::npos)
      break;
    from = amp + 1;
  }
  uri.resize(q);
  if (!kept.empty())
    uri += "?" + kept;
  return {};
}

} // namespace

std::string store_location::describe() const {
  switch (kind) {
    case store_kind::memory:
      return "memory";
    case store_kind::sqlite:
      return "sqlite (" + path + ")";
    case store_kind::postgres:
      return "postgresql (" + mask_password(conninfo) + ", schema " + schema
             + ")";
    case store_kind::other:
      break;
  }
  return scheme + " (" + (conninfo.empty() ? path : mask_password(conninfo))
         + ")";
}

caf::expected<store_location> parse_store_url(std::string_view text) {
  std::string url{text};
  store_location x;
  if (url == "memory:") {
    x.kind = store_kind::memory;
    return x;
  }
  if (starts_with(url, "memory:"))
    return make_error(errc::invalid_argument,
                      "the store URL memory: takes nothing after the colon");
  if (starts_with(url, "sqlite:")) {
    x.kind = store_kind::sqlite;
    x.path = url.substr(starts_with(url, "sqlite://") ? 9 : 7);
    if (x.path.empty())
      return make_error(errc::invalid_argument,
                        "the store URL sqlite: needs a path (sqlite:PATH)");
    return x;
  }
  x.kind = store_kind::postgres;
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
    x.conninfo = url;
    if (auto err = take_schema(x.conninfo, x.schema, x.schema_given))
      return err;
  } else if (starts_with(url, "pg:") || starts_with(url, "postgresql:")) {
    x.conninfo = url.substr(url.find(':') + 1);
  } else {
    return parse_other(url);
  }
  if (x.conninfo.empty() || x.conninfo.find_first_not_of(' ') == std::string::npos)
    return make_error(errc::invalid_argument,
                      "the store URL's PostgreSQL connection string is empty");
  if (auto err = pg::validate_schema_name(x.schema))
    return err;
  return x;
}

} // namespace mink

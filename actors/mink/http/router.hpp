#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mink/http/responder.hpp"

namespace mink::http {

/// Maps a method and a path to a handler. Patterns are paths whose
/// segments may be `{name}`, which matches one non-empty segment
/// (`/accounts/{id}/deposit`). The first route added that matches wins.
class router {
public:
  /// Adds a route; its name (for logs and metrics) is `METHOD pattern`.
  void add(std::string method, std::string pattern, handler fn);

  /// What `find` found.
  struct match {
    /// Null when nothing matched.
    const handler* fn = nullptr;
    /// The route's name, or `unmatched`.
    std::string route = "unmatched";
    std::vector<std::string> params;
    /// True when a route has this path but another method (405).
    bool path_known = false;
    /// The methods of the routes with this path, each once, comma-separated
    /// (`GET, PUT`).
    std::string allow;
  };

  [[nodiscard]] match find(std::string_view method, std::string_view path) const;

private:
  struct route {
    std::string method;
    std::string name;
    std::vector<std::string> segments;
    handler fn;
  };

  std::vector<route> routes_;
};

/// Splits a path at `/` (a leading slash gives no empty first segment).
[[nodiscard]] std::vector<std::string_view> split_path(std::string_view path);

} // namespace mink::http

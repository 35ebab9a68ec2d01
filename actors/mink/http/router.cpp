#include "mink/http/router.hpp"

#include <algorithm>

namespace mink::http {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  while (!path.empty()) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
    if (path.empty())
      out.emplace_back(); // a trailing slash is an empty segment
  }
  return out;
}

void router::add(std::string method, std::string pattern, handler fn) {
  route r;
  r.name = method + " " + pattern;
  r.method = std::move(method);
  for (auto seg : split_path(pattern))
    r.segments.emplace_back(seg);
  r.fn = std::move(fn);
  routes_.push_back(std::move(r));
}

namespace {

bool is_param(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool matches(const std::vector<std::string>& pattern,
             const std::vector<std::string_view>& path,
             std::vector<std::string>* params) {
  if (pattern.size() != path.size())
    return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      if (path[i].empty())
        return false;
      if (params)
        params->emplace_back(path[i]);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

router::match router::find(std::string_view method,
                           std::string_view path) const {
  match out;
  auto segs = split_path(path);
  std::vector<std::string_view> allowed;
  for (const auto& r : routes_) {
    if (!matches(r.segments, segs, nullptr))
      continue;
    if (r.method != method) {
      out.path_known = true;
      // Two routes of one method can match a path (`/a/{x}`, `/a/b`):
      // Allow names each method once.
      if (std::find(allowed.begin(), allowed.end(), r.method) != allowed.end())
        continue;
      allowed.emplace_back(r.method);
      if (!out.allow.empty())
        out.allow += ", ";
      out.allow += r.method;
      continue;
    }
    out.fn = &r.fn;
    out.route = r.name;
    matches(r.segments, segs, &out.params);
    return out;
  }
  return out;
}

} // namespace mink::http

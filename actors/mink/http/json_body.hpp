#pragma once

// Reading request bodies and writing answers as JSON, for the routes of a
// service: each reader returns the 400 answer that names the problem.

#include <cstdint>
#include <optional>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mink/http/error_mapping.hpp"
#include "mink/http/message.hpp"

namespace mink::http {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// A JSON answer.
[[nodiscard]] response json_response(int status, std::string body);

/// A JSON object answer; `f(json_writer&)` writes its members.
template <class F>
[[nodiscard]] response json_object(int status, F f) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  f(w);
  w.EndObject();
  return json_response(status, std::string{buf.GetString(), buf.GetSize()});
}

void put(json_writer& w, const char* key, const std::string& x);

void put(json_writer& w, const char* key, int64_t x);

void put_bool(json_writer& w, const char* key, bool x);

/// Member `key`: an array with one object per element of `xs`, whose
/// members `each(x)` writes.
template <class Range, class F>
void put_objects(json_writer& w, const char* key, const Range& xs, F each) {
  w.Key(key);
  w.StartArray();
  for (const auto& x : xs) {
    w.StartObject();
    each(x);
    w.EndObject();
  }
  w.EndArray();
}

/// Whether `id` is 1 to 64 characters of [A-Za-z0-9_-] (safe in paths,
/// logs and stream names).
[[nodiscard]] bool valid_id(const std::string& id);

/// The route's first `{...}` segment into `id`: 400 `invalid_id` when it is
/// not a `valid_id`; `what` names the kind of id in the message.
[[nodiscard]] std::optional<http_error>
path_id(const request& req, const std::string& what, std::string& id);

/// Parses `body` as a JSON object into `doc` (400 `malformed_json`
/// otherwise); an empty body is `{}` when `allow_empty`. Iterative parsing:
/// deep nesting cannot exhaust the stack. A key given twice is refused
/// (which one would count is not obvious).
[[nodiscard]] std::optional<http_error>
parse_object(const std::string& body, rapidjson::Document& doc,
             bool allow_empty = false);

/// The string field `key`: 400 `missing_field` when absent and `required`,
/// 400 `invalid_field` when not a string.
[[nodiscard]] std::optional<http_error>
get_string(const rapidjson::Document& doc, const char* key, std::string& out,
           bool required = true);

/// A string field that must be a `valid_id` (when present).
[[nodiscard]] std::optional<http_error>
get_id(const rapidjson::Document& doc, const char* key, std::string& out,
       bool required = true);

/// The integer field `key` in [min, max]: 400 `missing_field` or
/// `invalid_field` naming the range.
[[nodiscard]] std::optional<http_error>
get_int(const rapidjson::Document& doc, const char* key, int64_t& out,
        int64_t min, int64_t max);

/// A whole decimal integer (no sign of `+`, no spaces), or none.
[[nodiscard]] std::optional<int64_t> parse_int(const std::string& x);

/// The query parameter `name` as an integer in [min, max] into `out`
/// (unchanged when absent): 400 `invalid_parameter` naming the range.
[[nodiscard]] std::optional<http_error>
query_int(const request& req, const char* name, int64_t& out, int64_t min,
          int64_t max);

} // namespace mink::http

// The kit's stream browser (GET /admin/streams, GET /admin/events?stream=,
// behind the admin token: events may hold personal data) and the operator
// dashboard page (GET /dashboard) that uses them.

#include <chrono>
#include <string>

#include <rapidjson/document.h>

#include "mink/actors/runtime.hpp"
#include "mink/http/json_body.hpp"
#include "mink/metadata.hpp"
#include "mink/service/dashboard_page.hpp"
#include "mink/service/http_kit.hpp"
#include "mink/service/detail/kit_names.hpp"
#include "mink/stream_id.hpp"

namespace mink {

using namespace kit_names;

namespace {

/// `json` as a JSON value when it parses as one, else as a string (an
/// event stored by another tool may hold anything).
void put_json(json_writer& w, const char* key, const std::string& json) {
  w.Key(key);
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError())
    w.String(json.data(), static_cast<rapidjson::SizeType>(json.size()));
  else
    doc.Accept(w);
}

/// The query parameter `name`, or empty.
std::string text_param(const request& req, const char* name) {
  auto* x = req.query_param(name);
  return x == nullptr ? std::string{} : *x;
}

} // namespace

void http_kit::admin_streams(const request& req, responder reply) {
  int64_t limit = 50;
  if (auto err = http::query_int(req, "limit", limit, 1, 1000))
    return send_error(reply, *err);
  auto after = text_param(req, "after");
  auto category = text_param(req, "category");
  if (after.size() > 1000 || category.size() > 1000)
    return send_error(reply, http_error{400, "invalid_parameter",
                                        "after and category are at most "
                                        "1000 bytes"});
  auto store = rt_.stores().events;
  admin(req, std::move(reply), [store, after, category, limit]() -> query_answer {
    auto page = store->list_streams(after, static_cast<size_t>(limit), category);
    if (!page)
      return http::to_http_error(page.error());
    return json_object(200, [&](json_writer& w) {
      put_objects(w, "streams", *page, [&](const auto& s) {
        put(w, "stream_id", s.stream_id);
        put(w, "version", s.version);
        put(w, "last_position", s.last_position);
      });
    });
  });
}

void http_kit::admin_stream_events(const request& req, responder reply) {
  // In the query, not the path: a stream id may hold '/', '?' or '%'.
  auto stream = text_param(req, "stream");
  if (auto err = validate_stream_id(stream))
    return send_error(reply, http_error{400, "invalid_stream_id",
                                        "not a stream id: " + to_text(err)});
  int64_t from = 1;
  int64_t limit = 50;
  if (auto err = http::query_int(req, "from", from, 1, INT64_MAX))
    return send_error(reply, *err);
  if (auto err = http::query_int(req, "limit", limit, 1, 1000))
    return send_error(reply, *err);
  auto store = rt_.stores().events;
  admin(req, std::move(reply), [store, stream, from, limit]() -> query_answer {
    auto events = store->read_stream(stream, from, static_cast<size_t>(limit));
    if (!events && code_of(events.error()) == errc::stream_not_found)
      return http_error{404, "stream_not_found", "no stream named " + stream};
    if (!events)
      return http::to_http_error(events.error());
    return json_object(200, [&](json_writer& w) {
      put(w, "stream_id", stream);
      put_objects(w, "events", *events, [&](const auto& e) {
        put(w, "version", e.stream_version);
        put(w, "position", e.global_position);
        put(w, "event_id", e.event_id);
        put(w, "type", e.type);
        put(w, "schema_version", static_cast<int64_t>(e.schema_version));
        put(w, "timestamp_us", e.timestamp_us);
        put_json(w, "data", e.data);
        put_json(w, "metadata", to_json(e.meta));
      });
    });
  });
}

void http_kit::add_dashboard_routes(http::router& r) {
  r.add("GET", "/dashboard", [](const request&, responder reply) {
    response res;
    res.content_type = "text/html; charset=utf-8";
    res.body = std::string{dashboard_page()};
    // The page loads nothing from elsewhere, and may not; nor may another
    // site frame it (its buttons pause and rebuild projections).
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; script-src 'unsafe-inline'; "
                             "style-src 'unsafe-inline'; img-src 'self' data:; "
                             "frame-ancestors 'none'");
    res.headers.emplace_back("X-Frame-Options", "DENY");
    reply(std::move(res));
  });
}

} // namespace mink

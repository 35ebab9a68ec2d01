// The kit's administrative routes (/admin/...): what the mink CLI can do
// to projections and snapshots, for operators without shell access.
// Guarded by the configured admin token; off without one.

#include <string>
#include <utility>

#include <spdlog/logger.h>

#include <rapidjson/document.h>

#include "mink/actors/runtime.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/http/json_body.hpp"
#include "mink/service/http_kit.hpp"
#include "mink/service/detail/kit_names.hpp"
#include "mink/store/snapshot_store.hpp"
#include "mink/errc.hpp"
#include "mink/http/token.hpp"
#include "mink/projection/projection_state.hpp"

namespace mink {

using namespace kit_names;

namespace {

http_error store_error(const caf::error& err) {
  return http::to_http_error(err);
}

} // namespace

void http_kit::admin(const request& req, responder reply,
                std::function<query_answer()> fn) {
  if (auto refused = mink::http::check_bearer(req, cfg_.admin_token)) {
    response res;
    res.status = refused->status;
    res.body = http::error_json(http_error{refused->status, refused->code,
                                           refused->message},
                                req.correlation_id);
    if (refused->status == 401)
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply(std::move(res));
  }
  if (!reads_)
    return send_error(reply, no_sql_store());
  log_->info("admin {} {} correlation_id={}", req.method, req.path,
                  req.correlation_id);
  auto self = shared_from_this();
  blocking(reply, [self, reply, fn = std::move(fn)] {
    auto answer = fn();
    if (auto* fail = std::get_if<http_error>(&answer))
      return self->send_error(reply, *fail);
    reply(std::get<response>(std::move(answer)));
  });
}

void http_kit::admin_projections(const request& req, responder reply) {
  auto store = reads_;
  admin(req, std::move(reply), [store]() -> query_answer {
    auto records = store->list();
    if (!records)
      return store_error(records.error());
    return json_object(200, [&](json_writer& w) {
      put_objects(w, "projections", *records, [&](const auto& r) {
        put(w, "name", r.name);
        put(w, "position", r.position);
        put(w, "state", std::string{mink::to_string(r.state)});
        put(w, "desired", std::string{r.desired == mink::projection_desired::paused
                                      ? "paused"
                                      : "running"});
        put(w, "lag_events", r.lag_events);
        w.Key("lag_seconds");
        w.Double(r.lag_seconds);
        put(w, "runner", r.runner);
        put(w, "reported_us", r.reported_us);
        if (!r.last_error.empty())
        put(w, "last_error", r.last_error);
      });
    });
  });
}

void http_kit::admin_projection(const request& req, responder reply,
                           const std::string& what) {
  auto name = req.params.at(0);
  int64_t to = -1;
  if (what == "reset") {
    rapidjson::Document doc;
    if (auto err = http::parse_object(req.body, doc))
      return send_error(reply, *err);
    auto i = doc.FindMember("to");
    if (i == doc.MemberEnd() || !i->value.IsInt64() || i->value.GetInt64() < 0)
      return send_error(reply, http_error{400, "invalid_field",
                                          "field 'to' must be a position "
                                          "(an integer, at least 0)"});
    to = i->value.GetInt64();
  }
  auto store = reads_;
  admin(req, std::move(reply), [store, name, what, to]() -> query_answer {
    if (auto rec = store->load(name); !rec)
      return store_error(rec.error());
    else if (!*rec)
      return http_error{404, "projection_not_found",
                        "no projection named " + name};
    caf::error err;
    if (what == "pause")
      err = store->set_desired(name, mink::projection_desired::paused);
    else if (what == "resume")
      err = store->set_desired(name, mink::projection_desired::running);
    else if (what == "reset")
      err = store->request_reset(name, to);
    else
      err = store->request_rebuild(name);
    if (err)
      return store_error(err);
    return json_object(202, [&](json_writer& w) {
      put(w, "projection", name);
      put(w, "requested", what);
    });
  });
}

void http_kit::admin_dead_letters(const request& req, responder reply) {
  auto name = req.params.at(0);
  int64_t limit = 100;
  if (auto err = http::query_int(req, "limit", limit, 1, 10000))
    return send_error(reply, *err);
  auto store = reads_;
  admin(req, std::move(reply), [store, name, limit]() -> query_answer {
    auto letters = store->dead_letters(name, static_cast<size_t>(limit));
    if (!letters)
      return store_error(letters.error());
    return json_object(200, [&](json_writer& w) {
      put_objects(w, "dead_letters", *letters, [&](const auto& d) {
        put(w, "projection", d.projection);
        put(w, "position", d.position);
        put(w, "event_id", d.event_id);
        put(w, "stream_id", d.stream_id);
        put(w, "event_type", d.event_type);
        put(w, "error", d.error);
        put(w, "parked_us", d.parked_us);
        http::put_bool(w, "replay_requested", d.replay_requested);
      });
    });
  });
}

void http_kit::admin_replay(const request& req, responder reply) {
  auto name = req.params.at(0);
  auto pos = http::parse_int(req.params.at(1));
  if (!pos || *pos < 1)
    return send_error(reply, http_error{400, "invalid_parameter",
                                        "the position must be a positive "
                                        "integer"});
  auto store = reads_;
  admin(req, std::move(reply), [store, name, p = *pos]() -> query_answer {
    if (auto err = store->request_replay(name, p))
      return store_error(err);
    return json_object(202, [&](json_writer& w) {
      put(w, "projection", name);
      put(w, "position", p);
      put(w, "requested", std::string{"replay"});
    });
  });
}

void http_kit::admin_purge_snapshots(const request& req, responder reply) {
  rapidjson::Document doc;
  if (auto err = http::parse_object(req.body, doc, true))
    return send_error(reply, *err);
  std::string category;
  if (auto err = http::get_string(doc, "category", category, false))
    return send_error(reply, *err);
  auto snaps = rt_.stores().snapshots;
  admin(req, std::move(reply), [snaps, category]() -> query_answer {
    auto n = snaps->purge(category);
    if (!n)
      return store_error(n.error());
    return json_object(200, [&](json_writer& w) {
      put(w, "purged", static_cast<int64_t>(*n));
    });
  });
}

void http_kit::add_admin_routes(http::router& r) {
  std::weak_ptr<http_kit> weak = shared_from_this();
  using method = void (http_kit::*)(const request&, responder);
  auto route = [&r, weak](const char* verb, const char* pattern, method fn) {
    r.add(verb, pattern, [weak, fn](const request& req, responder reply) {
      if (auto self = weak.lock())
        (self.get()->*fn)(req, std::move(reply));
      else
        send_stopping(reply);
    });
  };
  route("GET", "/admin/projections", &http_kit::admin_projections);
  for (const char* what : {"pause", "resume", "reset", "rebuild"})
    r.add("POST", std::string{"/admin/projections/{name}/"} + what,
          [weak, w = std::string{what}](const request& req, responder reply) {
            if (auto self = weak.lock())
              self->admin_projection(req, std::move(reply), w);
            else
              send_stopping(reply);
          });
  route("GET", "/admin/projections/{name}/dead-letters",
        &http_kit::admin_dead_letters);
  route("POST", "/admin/projections/{name}/dead-letters/{position}/replay",
        &http_kit::admin_replay);
  route("POST", "/admin/snapshots/purge", &http_kit::admin_purge_snapshots);
  route("GET", "/admin/streams", &http_kit::admin_streams);
  route("GET", "/admin/events", &http_kit::admin_stream_events);
}

} // namespace mink

// The HTTP API's administrative routes (/admin/...): what the mink CLI can
// do to projections and snapshots, for operators without shell access.
// Guarded by the configured admin token; off without one.

#include <string>

#include <rapidjson/document.h>

#include "bank/http_api_detail.hpp"
#include "mink/errc.hpp"
#include "mink/http/token.hpp"
#include "mink/projection/projection_state.hpp"

namespace bank::detail {

namespace {

http_error store_error(const caf::error& err) {
  return to_http_error(err);
}

} // namespace

void api::admin(const request& req, responder reply,
                std::function<query_answer()> fn) {
  if (auto refused = mink::http::check_bearer(req, ctx_->cfg.admin_token)) {
    response res;
    res.status = refused->status;
    res.body = error_json(http_error{refused->status, refused->code,
                                     refused->message},
                          req.correlation_id);
    if (refused->status == 401)
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply(std::move(res));
  }
  ctx_->log->info("admin {} {} correlation_id={}", req.method, req.path,
                  req.correlation_id);
  blocking(reply, [reply, fn = std::move(fn)] {
    auto answer = fn();
    if (auto* fail = std::get_if<http_error>(&answer))
      return send_error(reply, *fail);
    reply(std::get<response>(std::move(answer)));
  });
}

void api::admin_projections(const request& req, responder reply) {
  auto store = ctx_->reads;
  admin(req, std::move(reply), [store]() -> query_answer {
    auto records = store->list();
    if (!records)
      return store_error(records.error());
    return object(200, [&](writer_t& w) {
      w.Key("projections");
      w.StartArray();
      for (const auto& r : *records) {
        w.StartObject();
        put(w, "name", r.name);
        put(w, "position", r.position);
        put(w, "state", std::string{mink::to_string(r.state)});
        put(w, "desired", std::string{r.desired == mink::projection_desired::paused
                                        ? "paused"
                                        : "running"});
        put(w, "lag_events", r.lag_events);
        if (!r.last_error.empty())
          put(w, "last_error", r.last_error);
        w.EndObject();
      }
      w.EndArray();
    });
  });
}

void api::admin_projection(const request& req, responder reply,
                           const std::string& what) {
  auto name = req.params.at(0);
  int64_t to = -1;
  if (what == "reset") {
    rapidjson::Document doc;
    if (auto err = parse_object(req.body, doc))
      return send_error(reply, *err);
    auto i = doc.FindMember("to");
    if (i == doc.MemberEnd() || !i->value.IsInt64() || i->value.GetInt64() < 0)
      return send_error(reply, http_error{400, "invalid_field",
                                          "field 'to' must be a position "
                                          "(an integer, at least 0)"});
    to = i->value.GetInt64();
  }
  auto store = ctx_->reads;
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
    return object(202, [&](writer_t& w) {
      put(w, "projection", name);
      put(w, "requested", what);
    });
  });
}

void api::admin_dead_letters(const request& req, responder reply) {
  auto name = req.params.at(0);
  int64_t limit = 100;
  if (auto p = req.query_param("limit")) {
    auto x = parse_int(*p);
    if (!x || *x < 1 || *x > 10000)
      return send_error(reply, http_error{400, "invalid_parameter",
                                          "limit must be an integer from 1 "
                                          "to 10000"});
    limit = *x;
  }
  auto store = ctx_->reads;
  admin(req, std::move(reply), [store, name, limit]() -> query_answer {
    auto letters = store->dead_letters(name, static_cast<size_t>(limit));
    if (!letters)
      return store_error(letters.error());
    return object(200, [&](writer_t& w) {
      w.Key("dead_letters");
      w.StartArray();
      for (const auto& d : *letters) {
        w.StartObject();
        put(w, "projection", d.projection);
        put(w, "position", d.position);
        put(w, "event_id", d.event_id);
        put(w, "stream_id", d.stream_id);
        put(w, "event_type", d.event_type);
        put(w, "error", d.error);
        put(w, "parked_us", d.parked_us);
        w.Key("replay_requested");
        w.Bool(d.replay_requested);
        w.EndObject();
      }
      w.EndArray();
    });
  });
}

void api::admin_replay(const request& req, responder reply) {
  auto name = req.params.at(0);
  auto pos = parse_int(req.params.at(1));
  if (!pos || *pos < 1)
    return send_error(reply, http_error{400, "invalid_parameter",
                                        "the position must be a positive "
                                        "integer"});
  auto store = ctx_->reads;
  admin(req, std::move(reply), [store, name, p = *pos]() -> query_answer {
    if (auto err = store->request_replay(name, p))
      return store_error(err);
    return object(202, [&](writer_t& w) {
      put(w, "projection", name);
      put(w, "position", p);
      put(w, "requested", std::string{"replay"});
    });
  });
}

void api::admin_purge_snapshots(const request& req, responder reply) {
  rapidjson::Document doc;
  if (auto err = parse_object(req.body, doc, true))
    return send_error(reply, *err);
  std::string category;
  if (auto err = get_string(doc, "category", category, false))
    return send_error(reply, *err);
  auto snaps = ctx_->snapshots;
  admin(req, std::move(reply), [snaps, category]() -> query_answer {
    auto n = snaps->purge(category);
    if (!n)
      return store_error(n.error());
    return object(200, [&](writer_t& w) {
      put(w, "purged", static_cast<int64_t>(*n));
    });
  });
}

} // namespace bank::detail

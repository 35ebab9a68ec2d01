#include "bank/service_metrics.hpp"

#include "mink/metrics/buckets.hpp"
#include "mink/metrics/text_format.hpp"
#include "mink/projection/projection_state.hpp"

namespace bank {

namespace {

using counter_family = mink::metrics::family<mink::metrics::counter>;
using gauge_family = mink::metrics::family<mink::metrics::gauge>;

template <class T>
T* must(caf::expected<T*> x) {
  // The definitions below are constants: a failure is a bug.
  if (!x)
    throw std::logic_error("metric definition: " + mink::to_text(x.error()));
  return *x;
}

std::vector<double> size_buckets() {
  auto b = mink::metrics::exponential_buckets(1, 2, 12); // 1 .. 2048
  return b ? *b : std::vector<double>{1, 10, 100, 1000};
}

} // namespace

service_metrics::service_metrics() {
  append_seconds_ = must(must(reg_.add_histogram(
                                "mink_append_duration_seconds",
                                "Time the store took to commit one group "
                                "commit batch."))
                           ->with({}));
  batch_events_ = must(must(reg_.add_histogram("mink_append_batch_events",
                                               "Events per group commit.", {},
                                               size_buckets()))
                         ->with({}));
  batch_appends_ = must(
    must(reg_.add_histogram("mink_append_batch_appends",
                            "Appends (streams) per group commit.", {},
                            size_buckets()))
      ->with({}));
  http_requests_ = must(reg_.add_counter("bank_http_requests_total",
                                         "HTTP requests by route and status.",
                                         {"route", "status"}));
  http_seconds_ = must(reg_.add_histogram("bank_http_request_duration_seconds",
                                          "HTTP request latency by route.",
                                          {"route"}));
}

void service_metrics::observe_batch(size_t appends, size_t events,
                                    double seconds) {
  append_seconds_->observe(seconds);
  batch_events_->observe(static_cast<double>(events));
  batch_appends_->observe(static_cast<double>(appends));
}

void service_metrics::observe_request(const std::string& route, int status,
                                      double seconds) {
  if (auto c = http_requests_->with({route, std::to_string(status)}))
    (*c)->inc();
  if (auto h = http_seconds_->with({route}))
    (*h)->observe(seconds);
}

void service_metrics::set_sources(metric_sources src) {
  std::lock_guard<std::mutex> guard{mtx_};
  src_ = std::move(src);
}

void service_metrics::sync(counter_family* f,
                           const std::vector<std::string>& labels,
                           uint64_t now) {
  auto c = f->with(labels);
  if (!c)
    return;
  auto& last = last_[*c];
  if (now > last) {
    (*c)->add(now - last);
    last = now;
  }
}

void service_metrics::set(gauge_family* f,
                          const std::vector<std::string>& labels, double x) {
  if (auto g = f->with(labels))
    (*g)->set(x);
}

void service_metrics::collect() {
  auto counter = [&](const char* name, const char* help,
                     std::vector<std::string> labels = {}) {
    return must(reg_.add_counter(name, help, std::move(labels)));
  };
  auto gauge = [&](const char* name, const char* help,
                   std::vector<std::string> labels = {}) {
    return must(reg_.add_gauge(name, help, std::move(labels)));
  };
  if (auto p = src_.persistence) {
    sync(counter("mink_events_appended_total", "Events committed."), {},
         p->events.load());
    sync(counter("mink_appends_total", "Stream appends committed or refused."),
         {}, p->appends.load());
    sync(counter("mink_append_batches_total", "Group commit transactions."),
         {}, p->batches.load());
    set(gauge("mink_appends_queued", "Appends waiting for the store."), {},
        static_cast<double>(p->queued.load()));
  }
  if (auto a = src_.aggregates)
    sync(counter("mink_command_retries_total",
                 "Commands decided again after a concurrent write."),
         {}, a->retries.load());
  if (auto s = src_.snapshots) {
    sync(counter("mink_snapshots_written_total", "Snapshots saved."), {},
         s->written.load());
    sync(counter("mink_snapshots_ignored_total",
                 "Snapshots found but not usable (replayed instead)."),
         {}, s->ignored.load());
    sync(counter("mink_snapshots_failed_total", "Snapshot saves that failed."),
         {}, s->failed.load());
  }
  for (const auto& [type, r] : src_.routers) {
    set(gauge("mink_live_aggregates", "Live aggregate actors.", {"type"}),
        {type}, static_cast<double>(r->alive.load()));
    sync(counter("mink_aggregates_spawned_total", "Aggregate actors spawned.",
                 {"type"}),
         {type}, r->spawned.load());
    sync(counter("mink_aggregates_passivated_total",
                 "Aggregate actors passivated.", {"type"}),
         {type}, r->passivated.load());
  }
  if (auto s = src_.saga) {
    sync(counter("bank_saga_steps_total", "Transfer steps recorded."), {},
         s->steps.load());
    sync(counter("bank_saga_refusals_total",
                 "Transfer steps refused by an account (rejections and "
                 "failed credits)."),
         {}, s->refusals.load());
    sync(counter("bank_saga_failures_total",
                 "Transfer steps that failed and were retried."),
         {}, s->failures.load());
  }
  if (src_.engine != nullptr) {
    auto position = gauge("mink_projection_position",
                          "Last position applied.", {"projection"});
    auto head = gauge("mink_projection_head",
                      "Highest committed position seen.", {"projection"});
    auto lag = gauge("mink_projection_lag_events", "Events behind the head.",
                     {"projection"});
    auto lag_s = gauge("mink_projection_lag_seconds",
                       "Age of the oldest unapplied event.", {"projection"});
    auto faulted = gauge("mink_projection_faulted",
                         "1 when the projection is faulted.", {"projection"});
    auto applied = counter("mink_projection_events_applied_total",
                           "Events applied.", {"projection"});
    for (const auto& st : src_.engine->statuses()) {
      std::vector<std::string> l{st->name()};
      set(position, l, static_cast<double>(st->position()));
      set(head, l, static_cast<double>(st->head()));
      set(lag, l, static_cast<double>(st->lag_events()));
      set(lag_s, l, st->lag_seconds());
      set(faulted, l,
          st->state() == mink::projection_state::faulted ? 1.0 : 0.0);
      sync(applied, l, st->events_applied());
    }
  }
}

std::string service_metrics::render() {
  std::lock_guard<std::mutex> guard{mtx_};
  collect();
  return mink::metrics::to_prometheus_text(reg_);
}

} // namespace bank

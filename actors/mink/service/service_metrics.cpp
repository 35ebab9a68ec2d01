#include "mink/service/service_metrics.hpp"

#include <deque>
#include <initializer_list>
#include <sstream>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/text_serializer.h>

#include "mink/actors/aggregate_context.hpp"
#include "mink/actors/append_queue.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/actors/router.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/actors/snapshot_writer.hpp"
#include "mink/actors/storage_monitor.hpp"
#include "mink/projection/projection_state.hpp"

namespace mink {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using labels_t = std::vector<ClientMetric::Label>;

/// Builds the families read from `metric_sources` at a scrape (in a
/// deque: the references handed out stay valid while more are added).
class scrape {
public:
  /// Appends the families built to `out`.
  void move_to(std::vector<MetricFamily>& out) {
    for (auto& f : built_)
      out.push_back(std::move(f));
    built_.clear();
  }

  MetricFamily& counter(const char* name, const char* help) {
    return family(name, help, MetricType::Counter);
  }

  MetricFamily& gauge(const char* name, const char* help) {
    return family(name, help, MetricType::Gauge);
  }

  static void sample(MetricFamily& f, double x, labels_t labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    if (f.type == MetricType::Counter)
      m.counter.value = x;
    else
      m.gauge.value = x;
    f.metric.push_back(std::move(m));
  }

private:
  MetricFamily& family(const char* name, const char* help, MetricType type) {
    built_.push_back(MetricFamily{name, help, type, {}});
    return built_.back();
  }

  std::deque<MetricFamily> built_;
};

template <class Atomic>
double num(const Atomic& x) {
  return static_cast<double>(x.load(std::memory_order_relaxed));
}

/// One unlabelled counter of a scrape.
struct plain_counter {
  const char* name;
  const char* help;
  double value;
};

void add_counters(scrape& s, std::initializer_list<plain_counter> counters) {
  for (const auto& c : counters)
    scrape::sample(s.counter(c.name, c.help), c.value);
}

void collect_appends(scrape& s, const persistence_stats& p,
                     const aggregate_stats* a, size_t limit) {
  add_counters(
    s, {{"mink_events_appended_total", "Events committed.", num(p.events)},
        {"mink_appends_total", "Stream appends committed or refused.",
         num(p.appends)},
        {"mink_append_batches_total", "Group commit transactions.",
         num(p.batches)},
        {"mink_append_conflicts_total",
         "Appends refused because the stream had moved on (wrong expected "
         "version).",
         num(p.conflicts)}});
  scrape::sample(s.gauge("mink_appends_queued",
                         "Appends waiting for the store."),
                 num(p.queued));
  if (limit > 0)
    scrape::sample(s.gauge("mink_append_queue_limit",
                           "Appends that may wait for the store; commands "
                           "beyond are refused as overloaded."),
                   static_cast<double>(limit));
  if (a != nullptr)
    add_counters(s, {{"mink_command_retries_total",
                      "Commands decided again after a concurrent write.",
                      num(a->retries)}});
}

void collect_snapshots(scrape& s, const snapshot_stats& x) {
  add_counters(
    s, {{"mink_snapshots_written_total", "Snapshots saved.", num(x.written)},
        {"mink_snapshots_ignored_total",
         "Snapshots found but not usable (replayed instead).",
         num(x.ignored)},
        {"mink_snapshots_failed_total", "Snapshot saves that failed.",
         num(x.failed)},
        {"mink_snapshots_dropped_total",
         "Snapshots not saved because the writer's queue was full.",
         num(x.dropped)}});
}

void collect_routers(
  scrape& s,
  const std::map<std::string, std::shared_ptr<router_stats>>& routers) {
  if (routers.empty())
    return;
  auto& live = s.gauge("mink_live_aggregates", "Live aggregate actors.");
  auto& spawned = s.counter("mink_aggregates_spawned_total",
                            "Aggregate actors spawned.");
  auto& passivated = s.counter("mink_aggregates_passivated_total",
                               "Aggregate actors passivated.");
  for (const auto& [type, r] : routers) {
    labels_t l{{"type", type}};
    scrape::sample(live, num(r->alive), l);
    scrape::sample(spawned, num(r->spawned), l);
    scrape::sample(passivated, num(r->passivated), l);
  }
}

void collect_sagas(
  scrape& s,
  const std::map<std::string, std::shared_ptr<const saga_stats>>& sagas) {
  if (sagas.empty())
    return;
  struct family {
    const char* name;
    const char* help;
    std::atomic<uint64_t> saga_stats::*counter;
  };
  const family families[] = {
    {"mink_saga_events_total", "Events a saga handled.", &saga_stats::events},
    {"mink_saga_commands_total", "Commands a saga sent (repeats included).",
     &saga_stats::commands},
    {"mink_saga_refusals_total", "Commands of a saga refused by a rule.",
     &saga_stats::refusals},
    {"mink_saga_failures_total",
     "Commands of a saga that failed otherwise (retried).",
     &saga_stats::failures},
    {"mink_saga_wakeups_total", "Timers of a saga that fired.",
     &saga_stats::wakeups}};
  for (const auto& f : families) {
    auto& c = s.counter(f.name, f.help);
    for (const auto& [name, st] : sagas)
      scrape::sample(c, num((*st).*f.counter), {{"saga", name}});
  }
}

void collect_projections(scrape& s, const projection_engine& engine) {
  auto& position = s.gauge("mink_projection_position",
                           "Last position applied.");
  auto& head = s.gauge("mink_projection_head",
                       "Highest committed position seen.");
  auto& lag = s.gauge("mink_projection_lag_events", "Events behind the head.");
  auto& lag_s = s.gauge("mink_projection_lag_seconds",
                        "Age of the oldest unapplied event.");
  auto& state = s.gauge("mink_projection_state",
                        "1 for the projection's state, 0 for the others.");
  auto& faulted = s.gauge("mink_projection_faulted",
                          "1 when the projection is faulted.");
  auto& applied = s.counter("mink_projection_events_applied_total",
                            "Events applied.");
  auto& parked = s.counter("mink_projection_dead_letters_total",
                           "Events this process parked as dead letters "
                           "(their handler kept failing).");
  auto& retried = s.counter("mink_projection_retries_total",
                            "Events whose handler failed and that this "
                            "process tried again.");
  auto& leads = s.gauge("mink_projection_leader",
                        "1 when this process runs the projection (holds its "
                        "lease), 0 while it stands by.");
  constexpr projection_state states[]
    = {projection_state::running,    projection_state::paused,
       projection_state::catching_up, projection_state::rebuilding,
       projection_state::faulted,    projection_state::stopped};
  for (const auto& st : engine.statuses()) {
    labels_t l{{"projection", st->name()}};
    scrape::sample(position, static_cast<double>(st->position()), l);
    scrape::sample(head, static_cast<double>(st->head()), l);
    scrape::sample(lag, static_cast<double>(st->lag_events()), l);
    scrape::sample(lag_s, st->lag_seconds(), l);
    auto now = st->state();
    for (auto x : states)
      scrape::sample(state, now == x ? 1.0 : 0.0,
                     {{"projection", st->name()},
                      {"state", std::string{to_string(x)}}});
    scrape::sample(faulted, now == projection_state::faulted ? 1.0 : 0.0, l);
    scrape::sample(leads, st->leader() ? 1.0 : 0.0, l);
    scrape::sample(applied, static_cast<double>(st->events_applied()), l);
    scrape::sample(parked, static_cast<double>(st->dead_letters()), l);
    scrape::sample(retried, static_cast<double>(st->retries()), l);
  }
}

void collect_cluster(scrape& s, const cluster::ownership& own,
                     const forward_stats* fwd) {
  if (fwd != nullptr)
    add_counters(s, {{"mink_cluster_commands_forwarded_total",
                      "Commands sent on to the owner of their slice.",
                      num(fwd->forwarded)},
                     {"mink_cluster_forward_failures_total",
                      "Forwards that failed: not sent (no owner, no codec, "
                      "owner unreachable) or not answered in time.",
                      num(fwd->failed)}});
  auto x = own.stats();
  auto& members = s.gauge("mink_cluster_members",
                          "Nodes in the cluster's table, by liveness.");
  scrape::sample(members, static_cast<double>(x.members_live),
                 {{"state", "live"}});
  scrape::sample(members, static_cast<double>(x.members - x.members_live),
                 {{"state", "not_live"}});
  scrape::sample(s.gauge("mink_cluster_slices", "Slices of the cluster."),
                 static_cast<double>(own.slice_count()));
  scrape::sample(s.gauge("mink_cluster_slices_owned",
                         "Slices this node owns and takes commands for."),
                 static_cast<double>(x.owned));
  add_counters(s, {{"mink_cluster_slices_gained_total",
                    "Slice leases this node won.",
                    static_cast<double>(x.gained)},
                   {"mink_cluster_slices_lost_total",
                    "Slice leases this node lost (handed over, taken over "
                    "or lapsed).",
                    static_cast<double>(x.lost)}});
  scrape::sample(s.gauge("mink_cluster_lease_age_seconds",
                         "Seconds since this node last renewed its lease "
                         "(-1 before its first)."),
                 x.updated ? static_cast<double>(x.since_update.count()) / 1000
                           : -1.0);
}

void collect_storage(scrape& s, const storage_monitor& monitor) {
  auto x = monitor.reading();
  add_counters(s, {{"mink_store_check_failures_total",
                    "Storage checks that failed.",
                    static_cast<double>(x.failures)}});
  if (x.checked)
    scrape::sample(s.gauge("mink_store_up",
                           "0 after a storage check found the store "
                           "unreachable, 1 after one it answered."),
                   x.up ? 1.0 : 0.0);
  if (!x.usage)
    return;
  std::chrono::duration<double> age = std::chrono::steady_clock::now()
                                      - x.usage_at;
  scrape::sample(s.gauge("mink_store_usage_age_seconds",
                         "Seconds since the storage figures were taken."),
                 age.count());
  scrape::sample(s.gauge("mink_store_events", "Events the store holds."),
                 static_cast<double>(x.usage->events));
  auto& bytes = s.gauge("mink_store_bytes",
                        "Bytes the store takes on disk, by part.");
  for (const auto& p : x.usage->parts)
    scrape::sample(bytes, static_cast<double>(p.bytes), {{"part", p.name}});
}

} // namespace

const std::vector<double>& latency_buckets() {
  static const std::vector<double> x{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                     0.025,  0.05,  0.1,    0.25,  0.5,
                                     1,      2.5,   5,      10};
  return x;
}

metric_sources sources_of(runtime& rt) {
  metric_sources src;
  const auto& ctx = rt.context();
  src.persistence = ctx.writer.stats;
  src.aggregates = ctx.counters;
  src.snapshots = ctx.snapshot_counters;
  src.routers = rt.routers();
  src.engine = &rt.projections();
  for (const auto& r : rt.saga_runners())
    src.sagas.emplace(r->saga_name(), r->shared_stats());
  src.cluster = rt.ownership();
  src.forwarding = &rt.forwarding();
  src.storage = rt.storage();
  src.append_queue_limit = ctx.writer.config.max_queued_appends;
  return src;
}

service_metrics::service_metrics()
  : reg_(std::make_shared<prometheus::Registry>()) {
  // Constant definitions: prometheus-cpp's exceptions cannot happen here.
  std::vector<double> sizes;
  for (double b = 1; b <= 2048; b *= 2)
    sizes.push_back(b);
  append_seconds_ = &prometheus::BuildHistogram()
                       .Name("mink_append_duration_seconds")
                       .Help("Time the store took to commit one group "
                             "commit batch.")
                       .Register(*reg_)
                       .Add({}, latency_buckets());
  batch_events_ = &prometheus::BuildHistogram()
                     .Name("mink_append_batch_events")
                     .Help("Events per group commit.")
                     .Register(*reg_)
                     .Add({}, sizes);
  batch_appends_ = &prometheus::BuildHistogram()
                      .Name("mink_append_batch_appends")
                      .Help("Appends (streams) per group commit.")
                      .Register(*reg_)
                      .Add({}, sizes);
  http_requests_ = &prometheus::BuildCounter()
                      .Name("mink_http_requests_total")
                      .Help("HTTP requests by route and status.")
                      .Register(*reg_);
  http_seconds_ = &prometheus::BuildHistogram()
                     .Name("mink_http_request_duration_seconds")
                     .Help("HTTP request latency by route.")
                     .Register(*reg_);
}

void service_metrics::observe_batch(size_t appends, size_t events,
                                    double seconds) {
  append_seconds_->Observe(seconds);
  batch_events_->Observe(static_cast<double>(events));
  batch_appends_->Observe(static_cast<double>(appends));
}

std::function<void(size_t, size_t, double)>
service_metrics::batch_observer(const std::shared_ptr<service_metrics>& self) {
  std::weak_ptr<service_metrics> weak = self;
  return [weak](size_t appends, size_t events, double seconds) {
    if (auto m = weak.lock())
      m->observe_batch(appends, events, seconds);
  };
}

void service_metrics::observe_request(const std::string& route, int status,
                                      double seconds) {
  // Both labels are bounded: route names are the service's patterns (or
  // `unmatched`), statuses the server's few.
  http_requests_->Add({{"route", route}, {"status", std::to_string(status)}})
    .Increment();
  http_seconds_->Add({{"route", route}}, latency_buckets()).Observe(seconds);
}

void service_metrics::set_sources(metric_sources src) {
  std::lock_guard<std::mutex> guard{mtx_};
  src_ = std::move(src);
}

std::string service_metrics::render() const {
  auto families = reg_->Collect();
  {
    std::lock_guard<std::mutex> guard{mtx_};
    scrape s;
    if (src_.persistence)
      collect_appends(s, *src_.persistence, src_.aggregates.get(),
                      src_.append_queue_limit);
    if (src_.snapshots)
      collect_snapshots(s, *src_.snapshots);
    collect_routers(s, src_.routers);
    if (src_.engine != nullptr)
      collect_projections(s, *src_.engine);
    collect_sagas(s, src_.sagas);
    if (src_.cluster)
      collect_cluster(s, *src_.cluster, src_.forwarding);
    if (src_.storage)
      collect_storage(s, *src_.storage);
    for (const auto& c : src_.counters)
      scrape::sample(s.counter(c.name.c_str(), c.help.c_str()), c.read());
    s.move_to(families);
  }
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, families);
  return out.str();
}

} // namespace mink

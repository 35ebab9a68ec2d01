#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "mink/actors/forwarding.hpp"
#include "mink/cluster/ownership.hpp"
#include "mink/saga/saga_runner.hpp"

namespace mink {

class projection_engine;
class runtime;
class storage_monitor;
struct aggregate_stats;
struct persistence_stats;
struct router_stats;
struct snapshot_stats;

/// A counter a service keeps itself (an atomic, say), read at each scrape.
struct counter_source {
  std::string name;
  std::string help;
  std::function<double()> read;
};

/// A `counter_source` that reads the atomic `counter` of `owner` (which it
/// keeps alive), e.g. `counter_of("shop_orders_total", "Orders.", stats,
/// &shop_stats::orders)`.
template <class Owner>
[[nodiscard]] counter_source
counter_of(std::string name, std::string help, std::shared_ptr<Owner> owner,
           std::atomic<uint64_t> Owner::*counter) {
  return {std::move(name), std::move(help), [owner = std::move(owner), counter] {
            return static_cast<double>(
              (owner.get()->*counter).load(std::memory_order_relaxed));
          }};
}

/// Where the counters and gauges of a scrape come from. They are read at
/// each scrape, not kept in the registry: the command path only bumps
/// mink's own atomics.
struct metric_sources {
  std::shared_ptr<persistence_stats> persistence;
  std::shared_ptr<aggregate_stats> aggregates;
  std::shared_ptr<snapshot_stats> snapshots;
  /// Router counters by aggregate type (a bounded label: types are code).
  std::map<std::string, std::shared_ptr<router_stats>> routers;
  /// The projection engine (not owned, outlives the metrics); may be null.
  const projection_engine* engine = nullptr;
  /// Saga counters by saga name.
  std::map<std::string, std::shared_ptr<const saga_stats>> sagas;
  /// The service's own counters.
  std::vector<counter_source> counters;
  /// A clustered node's slice ownership; null outside a cluster.
  std::shared_ptr<const cluster::ownership> cluster;
  /// Its forwarding counters (not owned: the runtime outlives the
  /// metrics); may be null.
  const forward_stats* forwarding = nullptr;
  /// What the store holds and whether it answers; null = no store
  /// families.
  std::shared_ptr<const storage_monitor> storage;
  /// `persistence_config::max_queued_appends`, the bound of
  /// `mink_appends_queued`; 0 = unknown (not exported).
  size_t append_queue_limit = 0;
};

/// What a running runtime offers: its persistence, aggregate, snapshot,
/// router and saga counters, its projection engine, its storage monitor
/// and its cluster membership.
[[nodiscard]] metric_sources sources_of(runtime& rt);

/// The metrics of a service built on mink, on prometheus-cpp (see
/// docs/metrics.md for the families). Histograms are fed as things
/// happen (group commits, HTTP requests; commands through
/// `command_metrics` on `registry()`); counters and gauges are read from
/// `metric_sources` at each `render`. Thread-safe.
class service_metrics {
public:
  service_metrics();

  service_metrics(const service_metrics&) = delete;
  service_metrics& operator=(const service_metrics&) = delete;

  /// The registry, for a service's own families.
  [[nodiscard]] prometheus::Registry& registry() noexcept { return *reg_; }

  /// The registry, shared (for `mink::command_metrics`, which keeps it).
  [[nodiscard]] std::shared_ptr<prometheus::Registry> shared_registry() const {
    return reg_;
  }

  /// Records one group commit (see `persistence_config::on_batch`).
  void observe_batch(size_t appends, size_t events, double seconds);

  /// A `persistence_config::on_batch` that records into `self` while it
  /// lives.
  [[nodiscard]] static std::function<void(size_t, size_t, double)>
  batch_observer(const std::shared_ptr<service_metrics>& self);

  /// Records one HTTP request; `route` is the route's name (bounded).
  void observe_request(const std::string& route, int status, double seconds);

  /// Sets what `render` reads.
  void set_sources(metric_sources src);

  /// Everything in the Prometheus text format (version 0.0.4).
  [[nodiscard]] std::string render() const;

  /// The HTTP `Content-Type` of `render`'s output.
  static constexpr const char* content_type
    = "text/plain; version=0.0.4; charset=utf-8";

private:
  std::shared_ptr<prometheus::Registry> reg_;
  prometheus::Histogram* append_seconds_ = nullptr;
  prometheus::Histogram* batch_events_ = nullptr;
  prometheus::Histogram* batch_appends_ = nullptr;
  prometheus::Family<prometheus::Counter>* http_requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* http_seconds_ = nullptr;
  mutable std::mutex mtx_;
  metric_sources src_;
};

/// Latency buckets in seconds, 0.5 ms to 10 s.
[[nodiscard]] const std::vector<double>& latency_buckets();

} // namespace mink

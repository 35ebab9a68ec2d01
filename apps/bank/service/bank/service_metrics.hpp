#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bank/transfer_saga.hpp"
#include "mink/actors/aggregate_context.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/actors/router.hpp"
#include "mink/metrics/registry.hpp"

namespace bank {

/// Where the service's numbers come from; read at each scrape.
struct metric_sources {
  std::shared_ptr<mink::persistence_stats> persistence;
  std::shared_ptr<mink::aggregate_stats> aggregates;
  std::shared_ptr<mink::snapshot_stats> snapshots;
  /// Router stats by aggregate type.
  std::map<std::string, std::shared_ptr<mink::router_stats>> routers;
  std::shared_ptr<saga_stats> saga;
  /// The projection engine (not owned); may be null.
  const mink::projection_engine* engine = nullptr;
};

/// The service's metrics registry (see docs/bank-service.md for the list):
/// histograms fed as things happen (append latency, batch sizes, HTTP
/// requests; commands through the command metrics middleware) and
/// counters and gauges copied from mink's own counters at each scrape.
class service_metrics {
public:
  service_metrics();

  service_metrics(const service_metrics&) = delete;
  service_metrics& operator=(const service_metrics&) = delete;

  /// The registry, e.g. for `mink::command_metrics`.
  mink::metrics::registry& registry() noexcept { return reg_; }

  /// Records one group commit (see `persistence_config::on_batch`).
  void observe_batch(size_t appends, size_t events, double seconds);

  /// Records one HTTP request.
  void observe_request(const std::string& route, int status, double seconds);

  /// Sets what `render` reads.
  void set_sources(metric_sources src);

  /// Brings the copied counters up to date and renders the registry in
  /// the Prometheus text format.
  std::string render();

private:
  /// Adds to `c` what `now` grew since the last scrape.
  void sync(mink::metrics::family<mink::metrics::counter>* f,
            const std::vector<std::string>& labels, uint64_t now);

  void set(mink::metrics::family<mink::metrics::gauge>* f,
           const std::vector<std::string>& labels, double x);

  void collect();

  mink::metrics::registry reg_;
  std::mutex mtx_;
  metric_sources src_;
  std::map<const void*, uint64_t> last_;
  mink::metrics::histogram* append_seconds_ = nullptr;
  mink::metrics::histogram* batch_events_ = nullptr;
  mink::metrics::histogram* batch_appends_ = nullptr;
  mink::metrics::family<mink::metrics::counter>* http_requests_ = nullptr;
  mink::metrics::family<mink::metrics::histogram>* http_seconds_ = nullptr;
};

} // namespace bank

#include "mink/service/command_metrics.hpp"

#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>

#include "mink/business_error.hpp"
#include "mink/errc.hpp"
#include "mink/service/service_metrics.hpp"

namespace mink {

namespace {

std::string outcome_of(const command_reply& r) {
  if (r)
    return "ok";
  if (is_business_error(r.error()))
    return "business_error";
  auto code = code_of(r.error());
  return code == errc::none ? "other_error" : std::string{to_string(code)};
}

/// The series of one type label: found once, then used without a lookup
/// in prometheus-cpp's families.
struct type_series {
  std::string label;
  prometheus::Histogram* latency = nullptr;
  std::map<std::string, prometheus::Counter*> by_outcome;
};

/// Maps command types to their series, within `command_metrics_config`.
class command_series {
public:
  command_series(command_metrics_config cfg,
                 std::shared_ptr<prometheus::Registry> reg,
                 prometheus::Family<prometheus::Counter>& counts,
                 prometheus::Family<prometheus::Histogram>& latencies)
    : cfg_(std::move(cfg)),
      reg_(std::move(reg)),
      counts_(counts),
      latencies_(latencies) {
    // nop
  }

  type_series* of(const std::string& type) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = types_.find(type);
    if (i != types_.end())
      return i->second;
    auto label = label_of(type);
    auto& series = by_label_[label];
    if (series.latency == nullptr) {
      series.label = label;
      series.latency = &latencies_.Add({{"type", label}}, latency_buckets());
    }
    // Only labelled types are remembered by name: made-up ones would grow
    // this map as they would grow the registry.
    if (label != cfg_.other_label)
      types_.emplace(type, &series);
    return &series;
  }

  void count(type_series& s, const std::string& outcome) {
    prometheus::Counter* c = nullptr;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      auto& slot = s.by_outcome[outcome];
      if (slot == nullptr)
        slot = &counts_.Add({{"type", s.label}, {"outcome", outcome}});
      c = slot;
    }
    c->Increment();
  }

private:
  std::string label_of(const std::string& type) {
    if (!cfg_.known_types.empty())
      return cfg_.known_types.count(type) > 0 ? type : cfg_.other_label;
    if (types_.size() < cfg_.max_types && type != cfg_.other_label)
      return type;
    return cfg_.other_label;
  }

  command_metrics_config cfg_;
  /// Keeps the families below alive.
  std::shared_ptr<prometheus::Registry> reg_;
  prometheus::Family<prometheus::Counter>& counts_;
  prometheus::Family<prometheus::Histogram>& latencies_;
  std::mutex mtx_;
  std::map<std::string, type_series*> types_;
  std::map<std::string, type_series> by_label_;
};

} // namespace

caf::expected<middleware>
command_metrics(std::shared_ptr<prometheus::Registry> reg,
                command_metrics_config cfg) {
  if (!reg)
    return make_error(errc::invalid_argument, "command metrics: no registry");
  prometheus::Family<prometheus::Counter>* counts = nullptr;
  prometheus::Family<prometheus::Histogram>* latencies = nullptr;
  try {
    counts = &prometheus::BuildCounter()
                .Name("mink_commands_total")
                .Help("Commands answered, by type and outcome.")
                .Register(*reg);
    latencies = &prometheus::BuildHistogram()
                   .Name("mink_command_duration_seconds")
                   .Help("Time from dispatch to answer.")
                   .Register(*reg);
  } catch (const std::exception& e) {
    return make_error(errc::invalid_argument,
                      std::string{"command metrics: "} + e.what());
  }
  auto series = std::make_shared<command_series>(std::move(cfg), std::move(reg),
                                                 *counts, *latencies);
  return middleware{[series](command_envelope cmd, reply_fn reply,
                             const next_fn& next) {
    auto start = std::chrono::steady_clock::now();
    auto* s = series->of(cmd.type);
    reply_fn counted = [series, s, start,
                        reply = std::move(reply)](command_reply r) {
      std::chrono::duration<double> took = std::chrono::steady_clock::now()
                                           - start;
      s->latency->Observe(took.count());
      series->count(*s, outcome_of(r));
      reply(std::move(r));
    };
    next(std::move(cmd), std::move(counted));
  }};
}

} // namespace mink

#include "mink/command/middleware/metrics.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "mink/business_error.hpp"
#include "mink/errc.hpp"
#include "mink/metrics/scoped_timer.hpp"

namespace mink {

namespace {

std::string outcome_of(const command_reply& r) {
  if (r)
    return "ok";
  if (is_business_error(r.error()))
    return "business_error";
  auto code = code_of(r.error());
  return code == errc::none ? "other_error" : to_string(code);
}

/// Maps command types to their label, within `command_metrics_config`.
class type_labels {
public:
  explicit type_labels(command_metrics_config cfg) : cfg_(std::move(cfg)) {
    // nop
  }

  std::string operator()(const std::string& type) {
    if (!cfg_.known_types.empty())
      return cfg_.known_types.count(type) > 0 ? type : cfg_.other_label;
    std::lock_guard<std::mutex> guard{mtx_};
    if (seen_.count(type) > 0)
      return type;
    if (seen_.size() < cfg_.max_types) {
      seen_.insert(type);
      return type;
    }
    return cfg_.other_label;
  }

private:
  command_metrics_config cfg_;
  std::mutex mtx_;
  std::set<std::string> seen_;
};

} // namespace

caf::expected<middleware> command_metrics(metrics::registry& reg,
                                          command_metrics_config cfg) {
  auto count = reg.add_counter("mink_commands_total",
                               "Commands answered, by type and outcome.",
                               {"type", "outcome"});
  if (!count)
    return std::move(count.error());
  auto latency = reg.add_histogram("mink_command_duration_seconds",
                                   "Time from dispatch to answer.", {"type"});
  if (!latency)
    return std::move(latency.error());
  auto counters = *count;
  auto histograms = *latency;
  auto labels = std::make_shared<type_labels>(std::move(cfg));
  return middleware{[counters, histograms, labels](command_envelope cmd,
                                                   reply_fn reply,
                                                   const next_fn& next) {
    auto start = std::chrono::steady_clock::now();
    auto type = (*labels)(cmd.type);
    reply_fn counted = [=](command_reply r) {
      // Label values are valid UTF-8 here (validation ran first, or the
      // type is the caller's own); a refused label only skips the sample.
      if (auto h = histograms->with({type}))
        metrics::observe_duration(**h, std::chrono::steady_clock::now() - start);
      if (auto c = counters->with({type, outcome_of(r)}))
        (*c)->inc();
      reply(std::move(r));
    };
    next(std::move(cmd), std::move(counted));
  }};
}

} // namespace mink

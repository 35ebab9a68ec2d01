#include "mink/command/middleware/metrics.hpp"

#include <chrono>

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

} // namespace

caf::expected<middleware> command_metrics(metrics::registry& reg) {
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
  return middleware{[counters, histograms](command_envelope cmd, reply_fn reply,
                                           const next_fn& next) {
    auto start = std::chrono::steady_clock::now();
    auto type = cmd.type;
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

#include "mink/bench/load_run.hpp"

#include <cmath>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "mink/errc.hpp"

namespace mink::bench {

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

/// The run's shared state: answers arrive on other threads.
struct run_state {
  std::mutex mtx;
  std::condition_variable changed;
  size_t in_flight = 0;
  clock_type::time_point measure_from;
  clock_type::time_point last_answer;
  /// The series: the open interval's answers and where it ends.
  std::chrono::nanoseconds interval;
  clock_type::time_point interval_from;
  latency_histogram window;
  uint64_t window_ok = 0;
  uint64_t window_failed = 0;
  load_result out;

  /// Closes every interval that ended by `now` (under the lock); returns
  /// the last one closed.
  std::optional<interval_sample> close_intervals(clock_type::time_point now) {
    std::optional<interval_sample> last;
    while (now >= interval_from + interval)
      last = close(interval_from + interval);
    return last;
  }

  interval_sample close(clock_type::time_point end) {
    interval_sample s;
    s.at = seconds_between(measure_from, end);
    s.seconds = seconds_between(interval_from, end);
    s.ok = window_ok;
    s.failed = window_failed;
    if (window.count() > 0) {
      s.p50 = window.percentile(50);
      s.p90 = window.percentile(90);
      s.p99 = window.percentile(99);
      s.max = window.max();
    }
    s.total_ok = out.ok;
    s.total_failed = out.latency.count() - out.ok;
    out.series.push_back(s);
    if (window.count() > 0) // an empty interval needs no 270 KB cleared
      window.reset();
    window_ok = window_failed = 0;
    interval_from = end;
    return s;
  }

  /// Counts one answer; returns an interval it closed, if any.
  std::optional<interval_sample> answered(clock_type::time_point due,
                                          const op_outcome& res) {
    std::lock_guard<std::mutex> guard{mtx};
    // Read under the lock: answers are counted in the order of their times.
    auto now = clock_type::now();
    if (due < measure_from)
      return std::nullopt;
    auto closed = close_intervals(now);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - due);
    out.latency.record(ns.count());
    window.record(ns.count());
    if (!res.error) {
      ++out.ok;
      ++window_ok;
    } else {
      ++out.errors[res.kind.empty() ? error_kind(res.error) : res.kind];
      ++window_failed;
    }
    last_answer = now;
    return closed;
  }

  /// One operation is over (after its progress call, so that no callback
  /// runs once `run_operations` has returned).
  void finished() {
    std::lock_guard<std::mutex> guard{mtx};
    --in_flight;
    changed.notify_all();
  }

  /// Serialises the progress calls, which come from any thread.
  std::mutex progress_mtx;
};

caf::error check(const operation& start, const load_config& cfg) {
  auto bad = [](std::string what) {
    return make_error(errc::invalid_argument, "run_load: " + what);
  };
  if (!start)
    return bad("no command generator");
  if (cfg.in_flight == 0)
    return bad("in_flight must be at least 1");
  if (!(cfg.rate == 0 || (cfg.rate >= 0.001 && cfg.rate <= 1e9)))
    return bad("rate must be 0 (closed loop) or from 0.001 to 1e9 per second");
  if (cfg.count == 0 && cfg.duration.count() <= 0)
    return bad("duration must be positive");
  if (cfg.warmup.count() < 0)
    return bad("warmup must not be negative");
  if (cfg.interval.count() <= 0)
    return bad("interval must be positive");
  return {};
}

/// Runs `start(n, done)`, turning an exception into an error.
caf::error start_one(const operation& start, uint64_t n, operation_done done) {
  try {
    start(n, std::move(done));
    return {};
  } catch (const std::exception& ex) {
    return make_error(errc::handler_failed,
                      std::string{"run_load: the command generator threw: "}
                        + ex.what());
  } catch (...) {
    return make_error(errc::handler_failed,
                      "run_load: the command generator threw");
  }
}

} // namespace

std::string error_kind(const caf::error& err) {
  if (auto code = code_of(err); code != errc::none)
    return to_string(code);
  return caf::to_string(err.category()) + ":" + std::to_string(err.code());
}

operation command_operation(const command_client& client,
                            command_generator next) {
  if (!next)
    return {};
  return [&client, next = std::move(next)](uint64_t n, operation_done done) {
    client.send(next(n), [done = std::move(done)](
                           caf::expected<command_result> res) {
      done({res ? caf::error{} : res.error(), {}});
    });
  };
}

caf::expected<load_result> run_load(const command_client& client,
                                    command_generator next, load_config cfg) {
  return run_operations(command_operation(client, std::move(next)),
                        std::move(cfg));
}

caf::expected<load_result> run_operations(operation start, load_config cfg) {
  if (auto err = check(start, cfg))
    return err;
  auto st = std::make_shared<run_state>();
  auto begin = clock_type::now();
  st->measure_from = begin + cfg.warmup;
  st->interval = cfg.interval;
  st->interval_from = st->measure_from;
  auto end = cfg.count > 0 ? clock_type::time_point::max()
                           : st->measure_from + cfg.duration;
  uint64_t measured = 0;
  caf::error failure;
  auto progress = cfg.on_progress;
  for (uint64_t n = 0;; ++n) {
    // Open loop: operation n is due at a fixed time; closed loop: now.
    auto due = clock_type::now();
    if (cfg.rate > 0) {
      // Rounded to whole nanoseconds, so that exactly duration x rate
      // operations fall in the run.
      auto at = std::llround(static_cast<double>(n) * 1e9 / cfg.rate);
      due = begin + std::chrono::nanoseconds{at};
      std::this_thread::sleep_until(due);
    }
    if (due >= end || (cfg.count > 0 && measured >= cfg.count))
      break;
    {
      std::unique_lock<std::mutex> guard{st->mtx};
      st->changed.wait(guard, [&] { return st->in_flight < cfg.in_flight; });
      if (cfg.rate <= 0) {
        // Closed loop: sent now, and only while the run lasts.
        due = clock_type::now();
        if (due >= end)
          break;
      }
      ++st->in_flight;
    }
    if (due >= st->measure_from)
      ++measured;
    // Each operation ends once, whatever its `done` is called: twice, or
    // not at all because `start` threw.
    auto over = std::make_shared<std::atomic<bool>>(false);
    failure = start_one(start, n, [st, due, progress, over](op_outcome res) {
      if (over->exchange(true))
        return;
      if (auto closed = st->answered(due, res); closed && progress) {
        std::lock_guard<std::mutex> guard{st->progress_mtx};
        try {
          progress(*closed);
        } catch (...) {
          // A failing progress line does not stop the run.
        }
      }
      st->finished();
    });
    if (failure) {
      if (!over->exchange(true))
        st->finished();
      break;
    }
  }
  std::unique_lock<std::mutex> guard{st->mtx};
  st->changed.wait(guard, [&] { return st->in_flight == 0; });
  if (failure) // after the operations started are over: they refer to `st`
    return failure;
  auto last = std::max(st->last_answer, st->measure_from);
  st->close_intervals(last);
  // A last part shorter than half an interval would chart as a spike: its
  // answers count in the totals only.
  if (last - st->interval_from >= st->interval / 2)
    st->close(last);
  st->out.seconds = seconds_between(st->measure_from, last);
  return std::move(st->out);
}

} // namespace mink::bench

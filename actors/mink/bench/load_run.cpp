#include "mink/bench/load_run.hpp"

#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <caf/atom.hpp>

#include "mink/errc.hpp"

namespace mink::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// The run's shared state: answers arrive on CAF's threads.
struct run_state {
  std::mutex mtx;
  std::condition_variable changed;
  size_t in_flight = 0;
  clock_type::time_point measure_from;
  clock_type::time_point last_answer;
  load_result out;

  void answered(clock_type::time_point due,
                const caf::expected<command_result>& res) {
    auto now = clock_type::now();
    std::lock_guard<std::mutex> guard{mtx};
    --in_flight;
    if (due >= measure_from) {
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - due);
      out.latency.record(ns.count());
      if (res)
        ++out.ok;
      else
        ++out.errors[error_kind(res.error())];
      last_answer = now;
    }
    changed.notify_all();
  }
};

caf::error check(const command_generator& next, const load_config& cfg) {
  auto bad = [](std::string what) {
    return make_error(errc::invalid_argument, "run_load: " + what);
  };
  if (!next)
    return bad("no command generator");
  if (cfg.in_flight == 0)
    return bad("in_flight must be at least 1");
  if (!(cfg.rate >= 0))
    return bad("rate must be 0 (closed loop) or positive");
  if (cfg.duration.count() <= 0)
    return bad("duration must be positive");
  if (cfg.warmup.count() < 0)
    return bad("warmup must not be negative");
  return {};
}

} // namespace

std::string error_kind(const caf::error& err) {
  if (auto code = code_of(err); code != errc::none)
    return to_string(code);
  return caf::to_string(err.category()) + ":" + std::to_string(err.code());
}

caf::expected<load_result> run_load(const command_client& client,
                                    command_generator next, load_config cfg) {
  if (auto err = check(next, cfg))
    return err;
  auto st = std::make_shared<run_state>();
  auto start = clock_type::now();
  st->measure_from = start + cfg.warmup;
  auto end = st->measure_from + cfg.duration;
  caf::error failure;
  for (uint64_t n = 0;; ++n) {
    // Open loop: command n is due at a fixed time; closed loop: now.
    auto due = clock_type::now();
    if (cfg.rate > 0) {
      // Rounded to whole nanoseconds, so that exactly duration x rate
      // commands fall in the run.
      auto at = std::llround(static_cast<double>(n) * 1e9 / cfg.rate);
      due = start + std::chrono::nanoseconds{at};
      std::this_thread::sleep_until(due);
    }
    if (due >= end)
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
    command_envelope cmd;
    try {
      cmd = next(n);
    } catch (const std::exception& ex) {
      failure = make_error(errc::handler_failed,
                           std::string{"run_load: the command generator "
                                       "threw: "}
                             + ex.what());
    } catch (...) {
      failure = make_error(errc::handler_failed,
                           "run_load: the command generator threw");
    }
    if (failure) {
      std::lock_guard<std::mutex> guard{st->mtx};
      --st->in_flight;
      break;
    }
    client.send(std::move(cmd), [st, due](caf::expected<command_result> res) {
      st->answered(due, res);
    });
  }
  std::unique_lock<std::mutex> guard{st->mtx};
  st->changed.wait(guard, [&] { return st->in_flight == 0; });
  if (failure) // after the commands sent are answered: they refer to `st`
    return failure;
  auto last = std::max(st->last_answer, st->measure_from);
  st->out.seconds = std::chrono::duration<double>(last - st->measure_from).count();
  return std::move(st->out);
}

} // namespace mink::bench

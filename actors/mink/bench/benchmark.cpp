#include "mink/bench/benchmark.hpp"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "mink/bench/html_report.hpp"
#include "mink/bench/resource_usage.hpp"
#include "mink/bench/svg_chart.hpp"
#include "mink/errc.hpp"

namespace mink::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// Samples the projections' largest lag until stopped, and the CPU time
/// and memory when the measured part begins.
class lag_sampler {
public:
  lag_sampler(runtime& rt, clock_type::time_point from,
              std::chrono::milliseconds every)
    : rt_(rt), from_(from), thread_([this, every] { loop(every); }) {
  }

  ~lag_sampler() {
    stop();
  }

  void stop() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable())
      thread_.join();
  }

  std::vector<lag_sample> samples() {
    std::lock_guard<std::mutex> guard{mtx_};
    return samples_;
  }

  /// The resources at the start of the measured part (after the warm-up).
  resource_sample at_start() {
    std::lock_guard<std::mutex> guard{mtx_};
    return at_start_;
  }

private:
  /// Samples every `every`, and once more when stopped (so that a short
  /// run has a sample too).
  void loop(std::chrono::milliseconds every) {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait_until(guard, from_, [this] { return stopping_; });
    at_start_ = sample_resources();
    for (bool last = false; !last;) {
      last = cv_.wait_for(guard, every, [this] { return stopping_; });
      auto now = clock_type::now();
      if (now < from_)
        continue;
      auto statuses = rt_.projections().statuses();
      if (statuses.empty()) // no projection: no lag to chart
        continue;
      lag_sample s;
      s.at = std::chrono::duration<double>(now - from_).count();
      for (auto& st : statuses) {
        s.events = std::max(s.events, st->lag_events());
        s.seconds = std::max(s.seconds, st->lag_seconds());
      }
      samples_.push_back(s);
    }
  }

  runtime& rt_;
  clock_type::time_point from_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<lag_sample> samples_;
  resource_sample at_start_;
  std::thread thread_;
};

uint64_t spawned_so_far(const runtime& rt) {
  uint64_t n = 0;
  for (auto& [type, stats] : rt.routers())
    n += stats->spawned.load();
  return n;
}

/// Waits until every projection has applied the store's last position;
/// returns the seconds it took, or -1 without projections.
caf::expected<double> catch_up(runtime& rt, std::chrono::milliseconds timeout) {
  auto statuses = rt.projections().statuses();
  if (statuses.empty())
    return -1.0;
  auto head = rt.stores().events->last_position();
  if (!head)
    return head.error();
  auto start = clock_type::now();
  for (auto& st : statuses)
    if (!st->wait_for(*head, timeout))
      return make_error(errc::timeout,
                        "benchmark: projection '" + st->name()
                          + "' did not catch up with position "
                          + std::to_string(*head));
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Whether `where` is a PostgreSQL server on this machine: a Unix socket
/// or a loopback host (so its processes' CPU time is this run's).
bool postgres_here(const store_location& where) {
  if (where.kind != store_kind::postgres)
    return false;
  const auto& c = where.conninfo;
  std::string host;
  if (auto hp = c.find("host="); hp != std::string::npos
      && c.find("://") != std::string::npos) {
    // A URI's ?host= parameter names the host (or socket directory).
    auto to = c.find('&', hp);
    host = c.substr(hp + 5, to == std::string::npos ? std::string::npos : to - hp - 5);
  } else if (auto at = c.find("://"); at != std::string::npos) {
    auto from = c.find('@', at);
    from = from == std::string::npos ? at + 3 : from + 1;
    if (from < c.size() && c[from] == '[') { // [IPv6]
      auto close = c.find(']', from);
      host = c.substr(from + 1, close == std::string::npos ? std::string::npos
                                                           : close - from - 1);
    } else {
      auto to = c.find_first_of(":/?", from);
      host = c.substr(from, to == std::string::npos ? std::string::npos : to - from);
    }
  } else if (auto key = c.find("host="); key != std::string::npos) {
    auto to = c.find(' ', key);
    host = c.substr(key + 5, to == std::string::npos ? std::string::npos : to - key - 5);
  }
  return host.empty() || host[0] == '/' || host == "localhost"
         || host.rfind("127.", 0) == 0 || host == "::1";
}

caf::error start_workload(runtime& rt, const workload& w) {
  if (auto err = w.add_aggregates(rt))
    return err;
  if (auto err = rt.start_commands({}))
    return err;
  if (w.add_projections)
    if (auto err = w.add_projections(rt))
      return err;
  if (w.prepare)
    return w.prepare(rt);
  return {};
}

} // namespace

std::map<std::string, std::string> describe_load(const load_config& cfg) {
  std::map<std::string, std::string> out;
  out["in_flight"] = std::to_string(cfg.in_flight);
  out["loop"] = cfg.rate > 0 ? "open" : "closed";
  if (cfg.rate > 0)
    out["rate"] = format_number(cfg.rate) + "/s";
  if (cfg.count > 0)
    out["count"] = std::to_string(cfg.count);
  else
    out["duration"] = format_number(cfg.duration.count() / 1000.0) + " s";
  out["warmup"] = format_number(cfg.warmup.count() / 1000.0) + " s";
  return out;
}

std::function<void(const interval_sample&)> progress_line(std::FILE* out) {
  bool tty = isatty(fileno(out)) != 0;
  return [out, tty](const interval_sample& s) {
    std::fprintf(out, "%s%8.1f s  %10s/s  errors %-8s p99 %s ms%s",
                 tty ? "\r" : "", s.at, format_number(s.rate()).c_str(),
                 format_number(static_cast<double>(s.total_failed)).c_str(),
                 format_number(static_cast<double>(s.p99) / 1e6).c_str(),
                 tty ? "   " : "\n");
    std::fflush(out);
  };
}

caf::expected<run_report> run_benchmark(workload w,
                                        std::shared_ptr<const event_registry> registry,
                                        benchmark_config cfg) {
  if (!w.add_aggregates || !w.operations)
    return make_error(errc::invalid_argument,
                      "benchmark: the workload needs add_aggregates and "
                      "operations");
  if (cfg.lag_interval.count() <= 0 || cfg.catch_up_timeout.count() <= 0)
    return make_error(errc::invalid_argument,
                      "benchmark: lag_interval and catch_up_timeout must be "
                      "positive");
  auto where = parse_store_url(cfg.store);
  if (!where)
    return where.error();
  cfg.runtime.store = *where;
  auto started = runtime::start(cfg.runtime, std::move(registry));
  if (!started)
    return started.error();
  auto& rt = **started;
  if (auto err = start_workload(rt, w))
    return err;
  run_report out;
  out.name = cfg.name;
  out.started_at = utc_now();
  out.machine = describe_machine();
  out.store = where->describe();
  out.parameters = describe_load(cfg.load);
  for (auto& [k, v] : cfg.parameters)
    out.parameters[k] = v;
  if (cfg.progress && !cfg.load.on_progress)
    cfg.load.on_progress = progress_line();
  resource_sample before;
  auto retries = rt.context().counters->retries.load();
  auto spawned = spawned_so_far(rt);
  auto res = [&] {
    lag_sampler lag{rt, clock_type::now() + cfg.load.warmup, cfg.lag_interval};
    auto r = run_operations(w.operations(rt), cfg.load);
    lag.stop();
    out.lag = lag.samples();
    before = lag.at_start();
    return r;
  }();
  if (cfg.progress)
    std::fputc('\n', stderr);
  if (!res)
    return res.error();
  auto caught_up = catch_up(rt, cfg.catch_up_timeout);
  if (!caught_up)
    return caught_up.error();
  out.catch_up_seconds = *caught_up;
  // From the end of the warm-up to the end of the catch-up: the work the
  // measured operations caused, their projections' included.
  out.resources = resources_between(before, sample_resources());
  if (!postgres_here(*where))
    out.resources.postgres_cpu = -1;
  out.retries = rt.context().counters->retries.load() - retries;
  out.spawned = spawned_so_far(rt) - spawned;
  take_load_result(out, *res);
  rt.stop();
  return out;
}

caf::error write_report(const run_report& r, const std::string& json_path,
                        const std::string& html_path) {
  auto write = [](const std::string& path, const std::string& text) {
    if (path.empty())
      return caf::error{};
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out << text;
    out.close();
    if (!out)
      return make_error(errc::storage_failure,
                        "bench report: cannot write '" + path + "'");
    return caf::error{};
  };
  if (auto err = write(json_path, to_json(r)))
    return err;
  return write(html_path, render_html(r));
}

} // namespace mink::bench

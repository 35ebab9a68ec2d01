#include "http_workload.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include <rapidjson/document.h>

#include "http_pool.hpp"
#include "mink/bench/benchmark.hpp"
#include "mink/bench/resource_usage.hpp"
#include "mink/errc.hpp"

namespace mink_bench {

namespace {

using namespace mink;
using bench::op_outcome;
using clock_type = std::chrono::steady_clock;

/// The answer's JSON object, or null when the body is not one.
std::unique_ptr<rapidjson::Document> object_of(const std::string& body) {
  auto doc = std::make_unique<rapidjson::Document>();
  doc->Parse(body.data(), body.size());
  if (doc->HasParseError() || !doc->IsObject())
    return nullptr;
  return doc;
}

int64_t int_field(const rapidjson::Document* doc, const char* name) {
  if (doc == nullptr || !doc->HasMember(name) || !(*doc)[name].IsInt64())
    return -1;
  return (*doc)[name].GetInt64();
}

/// `HTTP <status> <error code>`: how a failed answer is counted.
op_outcome failed(const caf::expected<http_answer>& a) {
  if (!a)
    return {a.error(), {}};
  std::string kind = "HTTP " + std::to_string(a->status);
  auto doc = object_of(a->body);
  if (doc && doc->HasMember("error") && (*doc)["error"].IsString())
    kind += std::string{" "} + (*doc)["error"].GetString();
  return {make_error(errc::storage_failure, kind + ": " + a->body.substr(0, 200)),
          kind};
}

bool ok(const caf::expected<http_answer>& a) {
  return a && a->status >= 200 && a->status < 300;
}

/// Opens accounts acc0 .. acc<n-1>; one that exists already is kept.
caf::error open_accounts(http_pool& pool, size_t n) {
  std::mutex mtx;
  std::condition_variable cv;
  size_t left = n;
  caf::error first;
  for (size_t k = 0; k < n; ++k)
    pool.send("POST", "/accounts",
              R"({"owner":"bench","id":"acc)" + std::to_string(k) + "\"}",
              [&](caf::expected<http_answer> a) {
                std::lock_guard<std::mutex> guard{mtx};
                if (!ok(a) && !(a && a->status == 409) && !first)
                  first = failed(a).error;
                if (--left == 0)
                  cv.notify_all();
              });
  std::unique_lock<std::mutex> guard{mtx};
  cv.wait(guard, [&] { return left == 0; });
  return first;
}

/// The largest value of metric family `name` in a Prometheus text page
/// (or, with `sum`, the sum of its series).
double largest(const std::string& page, const std::string& name,
               bool sum = false) {
  std::istringstream in{page};
  double out = 0;
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0)
      try {
        auto v = std::stod(line.substr(line.rfind(' ') + 1));
        out = sum ? out + v : std::max(out, v);
      } catch (const std::exception&) {
        // not a number: skipped
      }
  return out;
}

/// The service's counters of retries and of aggregate actors spawned.
std::pair<uint64_t, uint64_t> service_counters(http_pool& pool) {
  auto page = pool.send_wait("GET", "/metrics", "");
  if (!ok(page))
    return {0, 0};
  return {static_cast<uint64_t>(largest(page->body, "mink_command_retries_total", true)),
          static_cast<uint64_t>(largest(page->body, "mink_aggregates_spawned_total", true))};
}

/// Reads the projections' lag from /metrics until told to stop.
struct metrics_lag {
  std::mutex mtx;
  std::condition_variable cv;
  bool stopping = false;
  std::vector<bench::lag_sample> samples;
  /// This process's CPU and memory when the measured part begins.
  bench::resource_sample at_start;

  /// Samples every 250 ms, and once more when stopped.
  void run(http_pool& pool, clock_type::time_point from) {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait_until(guard, from, [this] { return stopping; });
    at_start = bench::sample_resources();
    for (bool last = false; !last;) {
      last = cv.wait_for(guard, std::chrono::milliseconds{250},
                         [this] { return stopping; });
      guard.unlock();
      auto page = pool.send_wait("GET", "/metrics", "");
      guard.lock();
      if (!ok(page) || clock_type::now() < from)
        continue;
      bench::lag_sample s;
      s.at = std::chrono::duration<double>(clock_type::now() - from).count();
      s.events = static_cast<int64_t>(largest(page->body, "mink_projection_lag_events"));
      s.seconds = largest(page->body, "mink_projection_lag_seconds");
      samples.push_back(s);
    }
  }
};

/// Seconds until /metrics shows no projection behind; -1 when it shows no
/// projection, -2 when they were still behind after two minutes.
double catch_up(http_pool& pool) {
  auto start = clock_type::now();
  while (clock_type::now() - start < std::chrono::minutes{2}) {
    auto page = pool.send_wait("GET", "/metrics", "");
    if (!ok(page) || page->body.find("mink_projection_lag_events") == std::string::npos)
      return -1;
    if (largest(page->body, "mink_projection_lag_events") == 0)
      return std::chrono::duration<double>(clock_type::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return -2;
}

/// The writes acknowledged per account: the highest version and position.
struct acknowledged {
  std::mutex mtx;
  std::unordered_map<size_t, std::pair<int64_t, int64_t>> by_account;
};

bench::operation http_operation(http_pool& pool, const options& opt,
                                std::shared_ptr<acknowledged> acks) {
  auto accounts = opt.aggregates_or_default();
  auto ratio = opt.workload == "mixed" ? opt.read_ratio : 0.0;
  return [&pool, accounts, ratio, acks](uint64_t n, bench::operation_done done) {
    auto z = (n + 1) * 0x9e3779b97f4a7c15ULL;
    auto k = static_cast<size_t>((z ^ (z >> 29)) % accounts);
    auto id = "acc" + std::to_string(k);
    bool read = static_cast<uint64_t>(static_cast<double>(n + 1) * ratio)
                > static_cast<uint64_t>(static_cast<double>(n) * ratio);
    if (!read)
      return pool.send("POST", "/accounts/" + id + "/deposit", R"({"amount":1})",
                       [acks, k, done](caf::expected<http_answer> a) {
                         if (!ok(a))
                           return done(failed(a));
                         auto doc = object_of(a->body);
                         std::lock_guard<std::mutex> guard{acks->mtx};
                         auto& known = acks->by_account[k];
                         known.first = std::max(known.first, int_field(doc.get(), "version"));
                         known.second = std::max(known.second, int_field(doc.get(), "position"));
                         done({});
                       });
    std::pair<int64_t, int64_t> known;
    {
      std::lock_guard<std::mutex> guard{acks->mtx};
      known = acks->by_account[k];
    }
    pool.send("GET", "/accounts/" + id + "?position=" + std::to_string(known.second),
              "", [known, id, done](caf::expected<http_answer> a) {
                if (!ok(a))
                  return done(failed(a));
                auto doc = object_of(a->body);
                auto version = int_field(doc.get(), "version");
                if (version < known.first)
                  return done({make_error(errc::projection_failed,
                                          "read-your-writes: " + id + " at version "
                                            + std::to_string(version) + ", wrote "
                                            + std::to_string(known.first)),
                               "stale read"});
                done({});
              });
  };
}

} // namespace

caf::expected<bench::run_report> run_http(const options& opt) {
  if (opt.domain != "bank")
    return make_error(errc::invalid_argument,
                      "over HTTP the domain is the bank service's: --domain bank");
  if (opt.workload != "write" && opt.workload != "hot" && opt.workload != "mixed")
    return make_error(errc::invalid_argument,
                      "over HTTP the workload is write, hot or mixed, not '"
                        + opt.workload + "'");
  auto pool = http_pool::open(opt.url, opt.in_flight);
  if (!pool)
    return pool.error();
  auto metrics = http_pool::open(opt.url, 1);
  if (!metrics)
    return metrics.error();
  if (auto err = open_accounts(**pool, opt.aggregates_or_default()))
    return err;
  auto cfg = opt.load();
  if (!opt.quiet)
    cfg.on_progress = bench::progress_line();
  bench::run_report out;
  out.name = "bank " + opt.workload + " over HTTP";
  out.started_at = bench::utc_now();
  out.machine = bench::describe_machine();
  out.store = opt.url;
  out.parameters = bench::describe_load(cfg);
  out.parameters["aggregates"] = std::to_string(opt.aggregates_or_default());
  if (opt.workload == "mixed")
    out.parameters["read_ratio"] = std::to_string(opt.read_ratio);
  out.notes.push_back("CPU of this process is the client's; the service's "
                      "is not measured from here. Retries, actors spawned and "
                      "projection lag are the service's, from its /metrics");
  metrics_lag lag;
  std::thread sampler{[&] { lag.run(**metrics, clock_type::now() + cfg.warmup); }};
  auto counted = service_counters(**metrics);
  auto res = bench::run_operations(
    http_operation(**pool, opt, std::make_shared<acknowledged>()), cfg);
  {
    std::lock_guard<std::mutex> guard{lag.mtx};
    lag.stopping = true;
  }
  lag.cv.notify_all();
  sampler.join();
  if (!opt.quiet)
    std::fputc('\n', stderr);
  if (!res)
    return res.error();
  out.catch_up_seconds = catch_up(**metrics);
  if (out.catch_up_seconds == -2) {
    out.catch_up_seconds = -1;
    out.notes.push_back("the service's projections were still behind two "
                        "minutes after the run");
  }
  auto counted_after = service_counters(**metrics);
  out.retries = counted_after.first - counted.first;
  out.spawned = counted_after.second - counted.second;
  out.resources = bench::resources_between(lag.at_start, bench::sample_resources());
  out.lag = std::move(lag.samples);
  bench::take_load_result(out, *res);
  return out;
}

} // namespace mink_bench

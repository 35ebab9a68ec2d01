// Benchmarking your own decider with mink::bench: declare it, say how to
// make the n-th command, and call one function. Prints the summary and
// writes a JSON and an HTML report beside the database, e.g.
// `example_bench_counter postgresql://me@localhost/app?schema=bench 10`
// (store URL, seconds; default: a SQLite file in ./data, 3 seconds).

#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "mink/bench/benchmark.hpp"
#include "mink/bench/html_report.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/uuid.hpp"

namespace demo {

struct counted { int64_t by = 0; };
MINK_EVENT(counted, "Counted", by)

struct count { int64_t by = 0; };
MINK_COMMAND(count, by)

struct total { int64_t value = 0; };
MINK_FIELDS(total, value)

/// A counter that takes steps of 1 to 100.
struct counter {
  using state_type = total;
  using event_type = std::variant<counted>;
  using command_type = std::variant<count>;
  static constexpr const char* category = "counter";

  static caf::expected<std::vector<event_type>> decide(const total&,
                                                       const command_type& c) {
    auto by = std::get<count>(c).by;
    if (by < 1 || by > 100)
      return mink::make_error(mink::errc::invalid_argument, "step out of range");
    return std::vector<event_type>{counted{by}};
  }

  static void evolve(total& st, const event_type& ev) {
    st.value += std::get<counted>(ev).by;
  }
};

} // namespace demo

int main(int argc, char** argv) {
  std::string url = argc > 1 ? argv[1] : "sqlite:./data/example-bench.db";
  auto registry = std::make_shared<mink::event_registry>();
  if (auto err = mink::register_events<demo::counter::event_type>(*registry))
    return std::puts(mink::to_text(err).c_str()), 1;
  mink::bench::benchmark_config cfg;
  cfg.name = "counters";
  cfg.store = url;
  cfg.load.in_flight = 64;
  cfg.load.duration = std::chrono::seconds{argc > 2 ? std::atoi(argv[2]) : 3};
  cfg.load.warmup = std::chrono::seconds{1};
  // The n-th command: one of 1 000 counters, a step of 1 to 100.
  auto next = [](uint64_t n) {
    return mink::make_command<demo::counter>(
      "c" + std::to_string(n % 1000), demo::count{int64_t(n % 100) + 1},
      mink::make_uuid());
  };
  auto report = mink::bench::benchmark<demo::counter>(registry, next, cfg);
  if (!report)
    return std::puts(mink::to_text(report.error()).c_str()), 1;
  std::fputs(mink::bench::summary_text(*report).c_str(), stdout);
  auto base = url.rfind("sqlite:", 0) == 0 ? url.substr(7) : "example-bench";
  if (auto err = mink::bench::write_report(*report, base + ".json",
                                           base + ".html"))
    return std::puts(mink::to_text(err).c_str()), 1;
  std::printf("report: %s.json, %s.html\n", base.c_str(), base.c_str());
  return report->ok > 0 && report->failed() == 0 ? 0 : 1;
}

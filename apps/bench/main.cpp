// mink-bench: load benchmarks of mink with built-in workloads on the bank's
// account and a ledger, in process on any store or over HTTP against a
// running bank service, with a live progress line, a summary, JSON and a
// self-contained HTML report; and `compare` of two runs (docs/bench.md).
//
//   mink-bench run --domain ledger --workload write --store sqlite:./b.db
//   mink-bench http --url http://127.0.0.1:8080 --workload mixed
//   mink-bench compare a.json b.json --html ab.html

#include <cstdio>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "baselines.hpp"
#include "domains.hpp"
#include "http_workload.hpp"
#include "mink/bench/html_report.hpp"
#include "mink/business_error.hpp"
#include "mink/errc.hpp"

using namespace mink_bench;
namespace bench = mink::bench;

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "mink-bench: %s\n", what.c_str());
  return 1;
}

void add_load_options(CLI::App& app, options& o) {
  app.add_option("--workload", o.workload, "write, mixed, hot or cold")
    ->capture_default_str();
  app.add_option("--in-flight,-c", o.in_flight,
                 "operations in flight (clients, connections)")
    ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--rate", o.rate,
                 "open loop: operations per second (0: closed loop)")
    ->check(CLI::NonNegativeNumber);
  app.add_option("--aggregates", o.aggregates,
                 "aggregates (default: write, mixed 10000; hot 20; cold 50000)");
  app.add_option("--duration,-d", o.duration, "seconds measured")
    ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--count,-n", o.count,
                 "operations measured (instead of --duration)");
  app.add_option("--warmup", o.warmup, "seconds before measuring")
    ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--read-ratio", o.read_ratio, "mixed: share of reads")
    ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--json", o.json, "write the report as JSON here");
  app.add_option("--html", o.html, "write the report as HTML here");
  app.add_flag("--quiet,-q", o.quiet, "no live progress line");
}

int finish(bench::run_report& r, const options& o) {
  std::fputs(bench::summary_text(r).c_str(), stdout);
  if (auto err = bench::write_report(r, o.json, o.html))
    return fail(mink::to_text(err));
  return 0;
}

int run_in_process(const options& o) {
  auto where = mink::parse_store_url(o.store);
  if (!where)
    return fail(mink::to_text(where.error()));
  auto work = make_workload(o);
  if (!work)
    return fail(mink::to_text(work.error()));
  bench::benchmark_config cfg;
  cfg.name = o.domain + " " + o.workload;
  cfg.store = o.store;
  cfg.load = o.load();
  cfg.progress = !o.quiet;
  if (o.workload == "cold") { // keep few actors alive: most commands rehydrate
    cfg.runtime.routers.max_alive = o.max_alive;
    cfg.runtime.routers.min_idle_to_evict = std::chrono::milliseconds{0};
    cfg.runtime.routers.tick_interval = std::chrono::milliseconds{100};
    cfg.parameters["events_per_aggregate"] = std::to_string(o.events_per_aggregate);
    cfg.parameters["max_alive"] = std::to_string(o.max_alive);
  }
  cfg.parameters["aggregates"] = std::to_string(o.aggregates_or_default());
  cfg.parameters["projections"] = o.projections ? "on" : "off";
  if (o.domain == "ledger")
    cfg.parameters["payload"] = std::to_string(o.payload) + " bytes";
  if (o.workload == "mixed")
    cfg.parameters["read_ratio"] = std::to_string(o.read_ratio);
  auto report = bench::run_benchmark(work->work, work->registry, cfg);
  if (!report)
    return fail(mink::to_text(report.error()));
  if (o.baselines) {
    report->baselines = run_baselines(*where, o.baseline_events);
    if (report->baselines.empty())
      report->notes.push_back("no baselines on the memory store");
  }
  return finish(*report, o);
}

caf::expected<bench::run_report> read_report(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(mink::errc::invalid_argument, "cannot read '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  auto r = bench::report_from_json(text.str());
  if (!r)
    return make_error(mink::errc::decode_failed,
                      path + ": " + mink::explanation_of(r.error()));
  return r;
}

int compare(const std::string& a_path, const std::string& b_path,
            const std::string& html) {
  auto a = read_report(a_path);
  if (!a)
    return fail(mink::to_text(a.error()));
  auto b = read_report(b_path);
  if (!b)
    return fail(mink::to_text(b.error()));
  std::fputs(bench::compare_text(*a, *b).c_str(), stdout);
  if (html.empty())
    return 0;
  std::ofstream out{html, std::ios::binary | std::ios::trunc};
  out << bench::render_compare_html(*a, *b);
  out.close();
  return out ? 0 : fail("cannot write '" + html + "'");
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"mink-bench: load benchmarks of mink (docs/bench.md)"};
  app.require_subcommand(1);
  options o;
  auto* run = app.add_subcommand("run", "run a workload in process");
  run->add_option("--domain", o.domain, "bank or ledger")->capture_default_str();
  run->add_option("--store", o.store, "store URL")->capture_default_str();
  add_load_options(*run, o);
  run->add_option("--payload", o.payload, "ledger: bytes per note")
    ->capture_default_str();
  run->add_flag("--projections", o.projections,
                "run read models while writing (and report their lag)");
  run->add_option("--events-per-aggregate", o.events_per_aggregate,
                  "cold: events each aggregate has first")->capture_default_str();
  run->add_option("--max-alive", o.max_alive,
                  "cold: live aggregate actors at most")->capture_default_str();
  run->add_flag("--baselines", o.baselines,
                "also measure raw COPY (or batched INSERTs) and one "
                "transaction per event on the same database");
  run->add_option("--baseline-events", o.baseline_events,
                  "events of the raw baseline (a tenth for the other)")
    ->capture_default_str();
  auto* http = app.add_subcommand("http", "run a workload against a bank service");
  http->add_option("--url", o.url, "the service's base URL")->capture_default_str();
  add_load_options(*http, o);
  std::string a, b, html;
  auto* cmp = app.add_subcommand("compare", "two JSON reports side by side");
  cmp->add_option("a", a, "report A (JSON)")->required();
  cmp->add_option("b", b, "report B (JSON)")->required();
  cmp->add_option("--html", html, "write the comparison as HTML here");
  bool verbose = false;
  app.add_flag("--verbose,-v", verbose, "log mink's progress (info level)");
  CLI11_PARSE(app, argc, argv);
  // The summary goes to stdout; mink's logs only when asked for.
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn);
  if (run->parsed())
    return run_in_process(o);
  if (http->parsed()) {
    o.domain = "bank";
    auto r = run_http(o);
    return r ? finish(*r, o) : fail(mink::to_text(r.error()));
  }
  return compare(a, b, html);
}

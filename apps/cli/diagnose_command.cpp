// mink diagnose: connectivity, schema version, last position, storage,
// projection lag, faulted projections. Exit 3 when something is wrong.

#include <cstdio>
#include <iostream>
#include <iterator>
#include <limits>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "validators.hpp"
#include "mink/clock.hpp"
#include "mink/adapters/store_adapter.hpp"

namespace mink::cli {

namespace {

struct args {
  int64_t max_lag = 0;
  double stale_s = 60;
};

args a;

struct report {
  int problems = 0;

  void ok(const std::string& what) { std::cout << "ok    " << what << '\n'; }

  void warn(const std::string& what) {
    std::cout << "warn  " << what << '\n';
  }

  void problem(const std::string& what) {
    std::cout << "FAIL  " << what << '\n';
    ++problems;
  }
};

/// `n` bytes for people: 1536 -> "1.5 KiB".
std::string human_bytes(int64_t n) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  auto x = static_cast<double>(n);
  size_t u = 0;
  while (x >= 1024 && u + 1 < std::size(units)) {
    x /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", x, units[u]);
  return buf;
}

/// Events and bytes the store holds, by part (the `mink_store_*` metrics
/// of a running service).
void report_storage(event_store& store, report& r) {
  auto x = store.storage_usage();
  if (!x)
    return r.problem("measure the storage: " + message_of(x.error()));
  auto text = "storage: " + std::to_string(x->events) + " events";
  if (!x->parts.empty()) {
    text += ", " + human_bytes(x->total_bytes()) + " (";
    for (size_t i = 0; i < x->parts.size(); ++i)
      text += (i == 0 ? "" : ", ") + x->parts[i].name + " "
              + human_bytes(x->parts[i].bytes);
    text += ")";
  }
  r.ok(text);
}

/// Returns the schema version and the newest this build knows, without
/// migrating; reports whether the store is there. Nothing when it is not.
std::optional<schema_version> stored_schema(context& ctx, report& r) {
  auto opts = ctx.store.options();
  auto v = read_schema_version(ctx.store.location(), opts);
  if (!v) {
    r.problem("reach " + ctx.store.describe() + ": " + message_of(v.error()));
    return std::nullopt;
  }
  r.ok("reached " + ctx.store.describe());
  return *v;
}

void diagnose(context& ctx) {
  ctx.resolve();
  report r;
  if (auto v = stored_schema(ctx, r)) {
    auto [current, latest] = *v;
    auto text = "schema version " + std::to_string(current) + " of "
                + std::to_string(latest);
    if (current < latest)
      r.problem(text + ": pending migrations (run: mink migrate up)");
    else if (current > latest)
      r.problem(text + ": the database is newer than this mink");
    else
      r.ok(text);
    if (current == latest)
      [&] {
        // Opening the stores changes nothing now: the schema is current.
        auto store = ctx.store.open_events();
        if (!store)
          return r.problem("open the event store: "
                           + message_of(store.error()));
        auto head = (*store)->last_position();
        if (!head)
          return r.problem("read the last position: "
                           + message_of(head.error()));
        r.ok("last position " + std::to_string(*head));
        report_storage(**store, r);
        auto ck = ctx.store.open_checkpoints();
        if (!ck)
          return r.problem("open the checkpoint store: "
                           + message_of(ck.error()));
        auto records = (*ck)->list();
        if (!records)
          return r.problem("list projections: "
                           + message_of(records.error()));
        if (records->empty())
          r.ok("no projections recorded");
        auto now = now_us();
        for (const auto& p : *records) {
          auto lag = std::max<int64_t>(0, *head - p.position);
          auto text = "projection " + p.name + ": "
                      + std::string{to_string(p.state)} + ", position "
                      + std::to_string(p.position) + ", lag "
                      + std::to_string(lag);
          if (p.state == projection_state::faulted)
            r.problem(text + ", faulted: " + p.last_error);
          else if (a.max_lag > 0 && lag > a.max_lag)
            r.problem(text + " (over --max-lag "
                      + std::to_string(a.max_lag) + ")");
          else if (p.state != projection_state::stopped
                   && p.state != projection_state::paused
                   && p.reported_us > 0
                   && static_cast<double>(now - p.reported_us) / 1e6
                        > a.stale_s)
            r.warn(text + ", no report for "
                   + std::to_string((now - p.reported_us) / 1000000)
                   + " s (its process may be gone)");
          else if (p.state == projection_state::paused
                   || p.state == projection_state::stopped)
            r.warn(text);
          else
            r.ok(text);
        }
        auto letters = (*ck)->dead_letters("", 1000);
        if (letters && !letters->empty())
          r.warn(std::to_string(letters->size())
                 + (letters->size() == 1000 ? "+" : "")
                 + " dead letter(s) (mink projections dead-letters list)");
      }();
    else
      std::cout << "skip  store checks until the schema is current\n";
  }
  std::cout << (r.problems == 0 ? "healthy" : "unhealthy: "
                                                + std::to_string(r.problems)
                                                + " problem(s)")
            << '\n';
  if (r.problems > 0)
    throw failure{exit_unhealthy, "diagnose found " + std::to_string(r.problems)
                                    + " problem(s)"};
}

} // namespace

void add_diagnose(CLI::App& app, context& ctx) {
  auto cmd = app.add_subcommand(
    "diagnose", "Check connectivity, schema version, last position, "
                "storage, projection lag and faults; exit 3 when something "
                "is wrong");
  cmd->add_option("--max-lag", a.max_lag,
                  "A projection more than this many events behind is a "
                  "problem (default: no limit)")
    ->check(int64_in(0, std::numeric_limits<int64_t>::max()));
  cmd->add_option("--stale-after", a.stale_s,
                  "Warn when a running projection has not reported for this "
                  "many seconds (default 60)")
    ->check(finite_non_negative());
  cmd->callback([&ctx] { diagnose(ctx); });
}

} // namespace mink::cli

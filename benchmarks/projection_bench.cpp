// Projection benchmark on PostgreSQL (durable commits), in two parts.
//
// Lag: measures the most single-event appends per second that the
// persistence actor commits (feed attached), then writes at half that rate,
// open loop, while three projections run: an async projection fed by the
// feed, a SQL projection fed by the feed (read model and checkpoint in one
// transaction), and the same async projection without the feed (polling
// the store, the baseline). Lag = when the handler saw an event minus the
// event's commit timestamp.
//
// Rebuild: for each store size (500 000 and 1 000 000 events by default),
// fills a fresh schema with deposits over account streams, runs a SQL
// balances read model (one set-based statement per batch) to the head,
// then alternately, several times: (a) reads every event with `read_all`
// alone, in the pages the runner asks for, and (c) requests a rebuild and
// times it to the head, with the runner's default settings. Each phase
// reports its peak RSS (VmHWM, reset before it). The read model is then
// checked against the events. A projection that runs one statement per
// event (on a smaller store) is the other baseline.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "balances.hpp"
#include "bench_load.hpp"
#include "bench_pg.hpp"
#include "bench_util.hpp"
#include "mink/actors/atoms.hpp"
#include "mink/actors/feed.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/actors/projection_runner.hpp"
#include "mink/footprint.hpp"
#include "mink/adapters/postgres/postgres_checkpoint_store.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"

using namespace mink;
using namespace mink::bench;

namespace {

using steady = std::chrono::steady_clock;

/// What a load generator does: `rate` appends per second, open loop, when
/// above 0; otherwise keeps `in_flight` appends outstanding. Each append
/// is one deposit to a random one of `accounts` streams. Sends for
/// `seconds`, then waits for every answer.
struct load_spec {
  double rate = 0;
  size_t in_flight = 0;
  double seconds = 0;
  size_t accounts = 0;
};

struct load_state {
  size_t sent = 0;
  size_t answered = 0;
  bool sending = true;
  load_summary summary;
  steady::time_point start;
  std::mt19937_64 rng{42};
  caf::typed_response_promise<load_summary> done;
};

using load_actor = caf::stateful_actor<load_state>;

void finish_if_done(load_actor* self) {
  auto& st = self->state;
  if (!st.sending && st.answered == st.sent && st.done.pending()) {
    st.summary.seconds = seconds_since(st.start);
    st.done.deliver(std::move(st.summary));
  }
}

void send_deposit(load_actor* self, const persistence& writer,
                  const load_spec& spec);

/// Closed loop: each answer sends the next append until the time is up.
void refill(load_actor* self, const persistence& writer,
            const load_spec& spec) {
  auto& st = self->state;
  if (!st.sending || spec.rate > 0)
    return;
  if (seconds_since(st.start) >= spec.seconds) {
    st.sending = false;
    return;
  }
  send_deposit(self, writer, spec);
}

void send_deposit(load_actor* self, const persistence& writer,
                  const load_spec& spec) {
  auto& st = self->state;
  stream_append sa;
  sa.stream_id = "account-" + std::to_string(st.rng() % spec.accounts);
  sa.expected = expected_version::any();
  sa.events.push_back(make_deposit(static_cast<int64_t>(1 + st.rng() % 1000)));
  ++st.sent;
  auto reserved = writer.try_reserve(std::move(sa));
  if (!reserved) {
    ++st.answered;
    if (st.summary.failed++ == 0)
      st.summary.first_error = "overloaded";
    return;
  }
  auto t0 = steady::now();
  auto answered = [self, writer, spec, t0](const caf::error* err) {
    auto& st = self->state;
    ++st.answered;
    st.summary.record(err, t0);
    refill(self, writer, spec);
    finish_if_done(self);
  };
  self->request(writer.actor, caf::infinite, append_atom::value,
                std::move(*reserved))
    .then([=](append_result&) { answered(nullptr); },
          [=](caf::error& err) { answered(&err); });
}

caf::behavior load_generator(load_actor* self, persistence writer,
                             load_spec spec) {
  return {
    [=](run_atom) {
      auto& st = self->state;
      st.start = steady::now();
      st.done = self->make_response_promise<load_summary>();
      if (spec.rate > 0)
        self->send(self, tick_atom::value);
      else
        for (size_t i = 0; i < spec.in_flight; ++i)
          send_deposit(self, writer, spec);
      return st.done;
    },
    // Open loop: every millisecond, send what the rate says is due.
    [=](tick_atom) {
      auto& st = self->state;
      auto elapsed = seconds_since(st.start);
      if (elapsed >= spec.seconds) {
        st.sending = false;
        finish_if_done(self);
        return;
      }
      auto due = static_cast<size_t>(spec.rate * elapsed);
      while (st.sent < due)
        send_deposit(self, writer, spec);
      self->delayed_send(self, std::chrono::milliseconds{1}, tick_atom::value);
    },
  };
}

load_summary run_load(caf::actor_system& sys, const persistence& writer,
                      load_spec spec) {
  auto gen = sys.spawn(load_generator, writer, spec);
  caf::scoped_actor self{sys};
  load_summary sum;
  self->request(gen, caf::infinite, run_atom::value)
    .receive([&](load_summary& x) { sum = std::move(x); },
             [&](caf::error& err) { die(to_text(err)); });
  caf::anon_send_exit(gen, caf::exit_reason::user_shutdown);
  if (sum.failed > 0)
    die("appends failed (" + std::to_string(sum.failed)
        + "): " + sum.first_error);
  return sum;
}

struct options {
  std::string pg_conninfo;
  size_t accounts = 10000;
  double probe_seconds = 3;
  size_t probe_in_flight = 1024;
  double load_seconds = 10;
  double rate = 0;
  std::vector<size_t> rebuild_events{500000, 1000000};
  size_t repeats = 3;
  size_t naive_events = 20000;
  /// 0: the runner's default.
  size_t catchup_batch = 0;
  size_t catchup_bytes = 0;
  size_t read_page = 0;
  size_t fill_batch = 10000;
  size_t scheduler_threads = 2;
  bool lag = true;
  bool rebuild = true;
  bool keep = false;
};

/// A fresh, migrated event store and checkpoint store in `schema`.
struct stores {
  std::shared_ptr<event_store> events;
  std::shared_ptr<postgres_checkpoint_store> checkpoints;

  /// Drops `schema` first unless `keep`.
  stores(const options& opt, const std::string& schema, size_t pool_size,
         bool keep = false) {
    if (!keep)
      pg_drop_schema(opt.pg_conninfo, schema);
    auto es = postgres_event_store::open(
      pg_store_config(opt.pg_conninfo, schema, pool_size));
    if (!es)
      die(to_text(es.error()));
    events = std::move(*es);
    auto ck = postgres_checkpoint_store::open(
      pg_store_config(opt.pg_conninfo, schema, 2));
    if (!ck)
      die(to_text(ck.error()));
    checkpoints = std::move(*ck);
  }

  int64_t head() const {
    auto x = events->last_position();
    if (!x)
      die(to_text(x.error()));
    return *x;
  }
};

void wait_for(projection_engine& engine, const std::string& name,
              int64_t position, std::chrono::seconds timeout) {
  if (auto err = engine.wait_for(name, position, timeout))
    die(name + " did not reach position " + std::to_string(position) + ": "
        + to_text(err));
}

void print_lag(const char* what, const lag_recorder& rec) {
  auto lags = rec.lags_ms();
  auto span = rec.span_seconds();
  std::printf("%-38s %8zu %9.0f %7.2f %7.2f %7.2f %8.2f\n", what, lags.size(),
              span > 0 ? static_cast<double>(lags.size()) / span : 0.0,
              percentile(lags, 0.50), percentile(lags, 0.95),
              percentile(lags, 0.99), percentile(lags, 1.0));
}

void run_lag(caf::actor_system& sys, const options& opt) {
  const std::string schema = "bench_proj_lag";
  // Persistence, feed, three runners and the operators' calls.
  stores st{opt, schema, 6};
  auto feed = spawn_feed(sys, st.events);
  persistence_config pcfg;
  pcfg.feed = feed;
  auto writer = spawn_persistence(sys, st.events, pcfg);
  // The most the write path does, with nothing else running.
  auto probe = run_load(sys, writer,
                        {0, opt.probe_in_flight, opt.probe_seconds,
                         opt.accounts});
  auto max_rate = static_cast<double>(probe.ok) / probe.seconds;
  auto rate = opt.rate > 0 ? opt.rate : max_rate / 2;
  std::printf("== lag: %zu accounts, one 200-byte deposit per append ==\n",
              opt.accounts);
  std::printf("maximum: %zu appends in flight for %.1f s: %.0f appends/s "
              "(p50 %.2f ms, p99 %.2f ms)\n",
              opt.probe_in_flight, probe.seconds, max_rate,
              percentile(probe.latencies_ms, 0.50),
              percentile(probe.latencies_ms, 0.99));
  auto fed = std::make_shared<memory_balances>("lag_feed");
  auto sql = std::make_shared<sql_balances>("lag_sql", schema, "balances");
  auto polled = std::make_shared<memory_balances>("lag_poll");
  auto told = std::make_shared<memory_balances>("lag_told");
  auto feed_polled = std::make_shared<memory_balances>("lag_feed_polled");
  runner_config rcfg;
  if (opt.catchup_batch > 0)
    rcfg.catchup_batch = opt.catchup_batch;
  // Another node, as it were: a store of its own on the schema, whose
  // feeds learn of the commits from PostgreSQL only: told by NOTIFY, or
  // polling every 50 ms (as before the commit watch).
  stores node2{opt, schema, 3, true};
  feed_config poll_only;
  poll_only.watch_commits = false;
  auto told_feed = spawn_feed(sys, node2.events);
  auto polled_feed = spawn_feed(sys, node2.events, poll_only);
  {
    projection_engine with_feed{sys, st.events, st.checkpoints, feed, rcfg};
    projection_engine polling{sys, st.events, st.checkpoints, {}, rcfg};
    projection_engine on_told{sys, node2.events, node2.checkpoints, told_feed,
                              rcfg};
    projection_engine on_polled{sys, node2.events, node2.checkpoints,
                                polled_feed, rcfg};
    for (auto err : {with_feed.add(fed), with_feed.add(sql),
                     polling.add(polled), on_told.add(told),
                     on_polled.add(feed_polled)})
      if (err)
        die(to_text(err));
    std::vector<std::pair<projection_engine*, std::string>> all{
      {&with_feed, fed->name()}, {&with_feed, sql->name()},
      {&polling, polled->name()}, {&on_told, told->name()},
      {&on_polled, feed_polled->name()}};
    auto wait_all = [&](int64_t position, std::chrono::seconds timeout) {
      for (auto& [engine, name] : all)
        wait_for(*engine, name, position, timeout);
    };
    // Everything caught up on the probe's events before the load starts.
    auto head = st.head();
    wait_all(head, std::chrono::seconds{120});
    for (auto* rec : {&fed->lags, &sql->lags, &polled->lags, &told->lags,
                      &feed_polled->lags})
      rec->start_at(head + 1);
    auto load = run_load(sys, writer,
                         {rate, 0, opt.load_seconds, opt.accounts});
    auto last = st.head();
    wait_all(last, std::chrono::seconds{60});
    std::printf("load: %.0f appends/s (%s) for %.1f s, open "
                "loop: %zu appends, %.0f/s done (commit p50 %.2f ms, p99 %.2f "
                "ms)\n\n",
                rate, opt.rate > 0 ? "--rate" : "half the maximum",
                load.seconds, load.ok,
                static_cast<double>(load.ok) / load.seconds,
                percentile(load.latencies_ms, 0.50),
                percentile(load.latencies_ms, 0.99));
    for (auto* engine : {&with_feed, &polling, &on_told, &on_polled})
      engine->stop();
  }
  std::printf("%-38s %8s %9s %7s %7s %7s %8s\n", "projection (lag = seen - commit)",
              "events", "events/s", "p50 ms", "p95 ms", "p99 ms", "max ms");
  print_lag("(a) async, fed by the feed", fed->lags);
  print_lag("(b) SQL read model, fed by the feed", sql->lags);
  print_lag("(c) async, polling the store (50 ms)", polled->lags);
  print_lag("(d) other node's feed, told (NOTIFY)", told->lags);
  print_lag("(e) other node's feed, polling (50 ms)", feed_polled->lags);
  caf::anon_send_exit(writer.actor, caf::exit_reason::user_shutdown);
  for (const auto& f : {feed, told_feed, polled_feed})
    caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
  pg_drop_schema(opt.pg_conninfo, schema);
}

/// Appends `n` deposits of random amounts to random accounts, `batch`
/// events per call. Returns the seconds it took.
double fill(event_store& store, size_t n, size_t accounts, size_t batch) {
  auto start = steady::now();
  std::mt19937_64 rng{7};
  for (size_t done = 0; done < n;) {
    std::unordered_map<size_t, size_t> slot;
    std::vector<stream_append> call;
    for (size_t k = 0; k < batch && done < n; ++k, ++done) {
      auto account = rng() % accounts;
      auto [it, added] = slot.emplace(account, call.size());
      if (added) {
        call.emplace_back();
        call.back().stream_id = "account-" + std::to_string(account);
        call.back().expected = expected_version::any();
      }
      call[it->second].events.push_back(
        make_deposit(static_cast<int64_t>(1 + rng() % 1000)));
    }
    for (auto& res : store.append(std::move(call)))
      if (!res)
        die("fill: " + to_text(res.error()));
  }
  return seconds_since(start);
}

/// Compares the read model with the events, account by account. Returns
/// whether they agree.
bool verify(const options& opt, const std::string& schema,
            const std::string& table) {
  auto conn = pg_connect(opt.pg_conninfo);
  auto events = pg::quote_ident(schema) + ".events";
  auto one = [&](const std::string& sql) {
    auto res = pg::exec(conn, sql);
    if (!res)
      die(to_text(res.error()));
    return res->str(0, 0);
  };
  auto expected = one("SELECT coalesce(sum((data->>'amount')::bigint), 0) || '/'"
                      " || count(*) FROM " + events);
  auto actual = one("SELECT coalesce(sum(balance), 0) || '/'"
                    " || coalesce(sum(events), 0) FROM " + table);
  auto wrong = one("SELECT count(*) FROM (SELECT stream_id,"
                   " sum((data->>'amount')::bigint) AS s, count(*) AS c FROM "
                   + events + " GROUP BY stream_id) e FULL JOIN " + table
                   + " b ON b.account = e.stream_id WHERE b.account IS NULL"
                     " OR e.stream_id IS NULL OR b.balance <> e.s"
                     " OR b.events <> e.c");
  PQfinish(conn);
  auto ok = expected == actual && wrong == "0";
  std::printf("check: sum/count over the events %s, read model %s, accounts "
              "that differ %s: %s\n",
              expected.c_str(), actual.c_str(), wrong.c_str(),
              ok ? "OK" : "MISMATCH");
  return ok;
}

/// Runs `p` from an empty read model to the head; returns the seconds.
double project_to_head(caf::actor_system& sys, stores& st,
                       std::shared_ptr<sql_projection> p,
                       const runner_config& rcfg) {
  auto head = st.head();
  auto start = steady::now();
  projection_engine engine{sys, st.events, st.checkpoints, {}, rcfg};
  if (auto err = engine.add(p))
    die(to_text(err));
  wait_for(engine, p->name(), head, std::chrono::seconds{3600});
  return seconds_since(start);
}

/// A `kB` field of /proc/self/status (0 when missing).
size_t status_kb(const std::string& field) {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, field.size() + 1, field + ":") == 0)
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
  return 0;
}

/// Memory of one phase: the resident set when it started and its peak
/// (VmHWM, reset at the start through /proc/self/clear_refs).
struct rss_watch {
  size_t start_kb = 0;
  bool reset = false;

  rss_watch() {
    std::ofstream out{"/proc/self/clear_refs"};
    out << "5";
    out.flush();
    reset = static_cast<bool>(out);
    start_kb = status_kb("VmRSS");
  }

  /// The peak in MiB since the start (since the process started when the
  /// kernel refused the reset).
  double peak_mib() const {
    return static_cast<double>(status_kb("VmHWM")) / 1024.0;
  }
};

/// CPU seconds (user + system) of this process, and of the PostgreSQL
/// server's processes (the children of its postmaster) when this process
/// can see them (same machine, /proc readable): a cost per event that
/// other work on a shared machine disturbs far less than the wall time.
class cpu_clock {
public:
  explicit cpu_clock(const std::string& conninfo) {
    auto conn = pg_connect(conninfo);
    auto res = pg::exec(conn, "SELECT setting FROM pg_settings"
                              " WHERE name = 'data_directory'");
    if (res && res->rows() == 1) {
      std::ifstream in{res->str(0, 0) + "/postmaster.pid"};
      in >> postmaster_;
    }
    PQfinish(conn);
  }

  static double self() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return seconds(ru.ru_utime) + seconds(ru.ru_stime);
  }

  /// Negative when the server's processes cannot be seen.
  double server() const {
    if (postmaster_ <= 0)
      return -1;
    auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    double total = 0;
    auto* dir = opendir("/proc");
    if (dir == nullptr)
      return -1;
    while (auto* entry = readdir(dir)) {
      std::ifstream in{std::string{"/proc/"} + entry->d_name + "/stat"};
      std::string stat;
      if (!std::getline(in, stat))
        continue;
      auto close = stat.rfind(')');
      if (close == std::string::npos)
        continue;
      std::istringstream fields{stat.substr(close + 2)};
      std::string state;
      long ppid = 0;
      fields >> state >> ppid;
      if (ppid != postmaster_)
        continue;
      std::string skip;
      for (int i = 5; i < 14; ++i)
        fields >> skip;
      unsigned long long utime = 0, stime = 0;
      fields >> utime >> stime;
      total += static_cast<double>(utime + stime) / ticks;
    }
    closedir(dir);
    return total;
  }

private:
  static double seconds(const timeval& tv) {
    return static_cast<double>(tv.tv_sec)
           + static_cast<double>(tv.tv_usec) / 1e6;
  }

  long postmaster_ = 0;
};

/// One timed phase.
struct phase_result {
  double seconds = 0;
  double peak_mib = 0;
  double start_mib = 0;
  /// CPU seconds of this process and of the server (negative: unknown).
  double client_cpu = 0;
  double server_cpu = -1;
};

/// Measures a phase: its wall time, peak RSS and CPU.
class phase_watch {
public:
  explicit phase_watch(const cpu_clock& cpu)
    : cpu_(cpu),
      start_(steady::now()),
      self_(cpu_clock::self()),
      server_(cpu.server()) {
    // nop
  }

  phase_result done() const {
    phase_result r;
    r.seconds = seconds_since(start_);
    r.peak_mib = rss_.peak_mib();
    r.start_mib = static_cast<double>(rss_.start_kb) / 1024.0;
    r.client_cpu = cpu_clock::self() - self_;
    if (server_ >= 0)
      r.server_cpu = cpu_.server() - server_;
    return r;
  }

private:
  const cpu_clock& cpu_;
  rss_watch rss_;
  steady::time_point start_;
  double self_;
  double server_;
};

/// Baseline: reads every event in position order as the runner does
/// (`read_catchup`: batches sized by `catchup_limit` from the batch
/// before, each read with `read_all` queries of `read_page` events), and
/// does nothing else.
phase_result read_all_alone(stores& st, const runner_config& rcfg,
                            const cpu_clock& cpu, int64_t head,
                            size_t& event_bytes) {
  phase_watch watch{cpu};
  int64_t read = 0;
  event_bytes = 0;
  // The runner's reading: each batch's vector gathers the next one.
  std::vector<recorded_event> spare;
  for (int64_t from = 1;;) {
    auto batch = read_catchup(*st.events, from,
                              catchup_limit(rcfg, event_bytes),
                              rcfg.read_page, std::move(spare));
    if (!batch)
      die(to_text(batch.error()));
    if (batch->empty())
      break;
    size_t total = 0;
    for (const auto& ev : *batch)
      total += footprint(ev);
    event_bytes = total / batch->size();
    read += static_cast<int64_t>(batch->size());
    from = batch->back().global_position + 1;
    spare = std::move(*batch);
  }
  auto r = watch.done();
  if (read != head)
    die("read_all read " + std::to_string(read) + " events of "
        + std::to_string(head));
  return r;
}

/// Requests a rebuild of `name` and waits until its stored checkpoint is
/// back at `head` with the request done. Returns the seconds from the
/// request; `noticed` gets those until the runner had reset it.
phase_result rebuild_to_head(stores& st, projection_engine& engine,
                             const cpu_clock& cpu, const std::string& name,
                             int64_t head, double& noticed) {
  phase_watch watch{cpu};
  auto start = steady::now();
  if (auto err = st.checkpoints->request_rebuild(name))
    die(to_text(err));
  noticed = -1;
  for (;;) {
    auto status = engine.status(name);
    if (noticed < 0 && status->position() < head)
      noticed = seconds_since(start);
    if (status->position() == head
        && status->state() == projection_state::running) {
      auto rec = st.checkpoints->load(name);
      if (!rec || !*rec)
        die(name + ": no record");
      if (!(*rec)->rebuild_requested && (*rec)->position == head)
        break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  return watch.done();
}

/// A store of `n` deposits in `schema`: kept from the last run with
/// `--keep` when it holds exactly `n`, filled otherwise.
void ensure_filled(const options& opt, stores& st, const std::string& schema,
                   size_t n) {
  auto head = st.head();
  if (opt.keep && head == static_cast<int64_t>(n)) {
    std::printf("kept the events of the last run\n");
    auto conn = pg_connect(opt.pg_conninfo);
    pg_must(conn, "DROP TABLE IF EXISTS " + pg::quote_ident(schema)
                    + ".balances; DELETE FROM " + pg::quote_ident(schema)
                    + ".projections");
    PQfinish(conn);
    return;
  }
  if (head != 0)
    die(schema + " holds other events: run without --keep");
  auto fill_s = fill(*st.events, n, opt.accounts, opt.fill_batch);
  std::printf("filled in %.1f s (%.0f events/s, not the measurement)\n",
              fill_s, static_cast<double>(n) / fill_s);
}

double median(std::vector<double> xs) {
  return percentile(std::move(xs), 0.5);
}

std::string range(const std::vector<double>& xs, double scale = 1) {
  auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f-%.0f", *lo * scale, *hi * scale);
  return buf;
}

/// The rebuild of a store of `n` events: `read_all` alone and the rebuild,
/// alternately, `opt.repeats` times each, in the same process.
bool rebuild_one(caf::actor_system& sys, const options& opt,
                 const runner_config& rcfg, size_t n) {
  const std::string schema = "bench_proj_rebuild_" + std::to_string(n);
  std::printf("\n== rebuild: %zu deposits over %zu accounts ==\n", n,
              opt.accounts);
  stores st{opt, schema, 2, opt.keep};
  ensure_filled(opt, st, schema, n);
  auto head = st.head();
  {
    auto conn = pg_connect(opt.pg_conninfo);
    pg_checkpoint(conn);
    PQfinish(conn);
  }
  auto balances = std::make_shared<sql_balances>("balances", schema,
                                                 "balances");
  // The lags of a rebuild mean nothing; keeping them would cost memory.
  balances->lags.start_at(std::numeric_limits<int64_t>::max());
  std::vector<double> read_rates, rebuild_rates, ratios, read_peaks,
    rebuild_peaks, read_cpu, rebuild_cpu;
  size_t event_bytes = 0;
  cpu_clock cpu{opt.pg_conninfo};
  std::printf("%-4s %-30s %8s %10s %8s %8s %11s %11s\n", "run", "phase",
              "seconds", "events/s", "RSS MiB", "peak MiB", "client s/1M",
              "server s/1M");
  // CPU: seconds per million events.
  auto per_m = 1e6 / static_cast<double>(head);
  auto row = [&](size_t run, const char* what, const phase_result& r) {
    std::printf("%-4zu %-30s %8.2f %10.0f %8.0f %8.0f %9.2f s %9.2f s\n",
                run, what, r.seconds, static_cast<double>(head) / r.seconds,
                r.start_mib, r.peak_mib, r.client_cpu * per_m,
                r.server_cpu * per_m);
  };
  {
    projection_engine engine{sys, st.events, st.checkpoints, {}, rcfg};
    auto start = steady::now();
    if (auto err = engine.add(balances))
      die(to_text(err));
    wait_for(engine, "balances", head, std::chrono::seconds{3600});
    std::printf("first run to the head: %.2f s (%.0f events/s)\n",
                seconds_since(start),
                static_cast<double>(head) / seconds_since(start));
    for (size_t run = 1; run <= opt.repeats; ++run) {
      auto raw = read_all_alone(st, rcfg, cpu, head, event_bytes);
      row(run, "(a) read_all alone", raw);
      double noticed = 0;
      auto rb = rebuild_to_head(st, engine, cpu, "balances", head, noticed);
      row(run, "(c) rebuild, request to head", rb);
      std::printf("     (the runner reset the read model %.0f ms after the "
                  "request)\n",
                  noticed * 1e3);
      read_rates.push_back(static_cast<double>(head) / raw.seconds);
      rebuild_rates.push_back(static_cast<double>(head) / rb.seconds);
      ratios.push_back(raw.seconds / rb.seconds);
      read_peaks.push_back(raw.peak_mib);
      read_cpu.push_back((raw.client_cpu + raw.server_cpu) * per_m);
      rebuild_cpu.push_back((rb.client_cpu + rb.server_cpu) * per_m);
      rebuild_peaks.push_back(rb.peak_mib);
    }
    engine.stop();
  }
  std::printf("%zu events, %zu runs: read_all alone median %.0f/s (%s), "
              "rebuild median %.0f/s (%s), rebuild / read_all median %.2f "
              "(%s %%), peak RSS read_all %.0f MiB, rebuild %.0f MiB\n",
              n, opt.repeats, median(read_rates), range(read_rates).c_str(),
              median(rebuild_rates), range(rebuild_rates).c_str(),
              median(ratios), range(ratios, 100).c_str(),
              *std::max_element(read_peaks.begin(), read_peaks.end()),
              *std::max_element(rebuild_peaks.begin(), rebuild_peaks.end()));
  std::printf("CPU (client + server) per million events, median: read_all "
              "alone %.2f s, rebuild %.2f s\n",
              median(read_cpu), median(rebuild_cpu));
  std::printf("batches: %zu events (%zu bytes each by footprint)\n",
              catchup_limit(rcfg, event_bytes), event_bytes);
  auto ok = verify(opt, schema, balances->table());
  if (!opt.keep)
    pg_drop_schema(opt.pg_conninfo, schema);
  return ok;
}

bool run_rebuild(caf::actor_system& sys, const options& opt) {
  runner_config rcfg;
  if (opt.catchup_batch > 0)
    rcfg.catchup_batch = opt.catchup_batch;
  if (opt.catchup_bytes > 0)
    rcfg.catchup_bytes = opt.catchup_bytes;
  if (opt.read_page > 0)
    rcfg.read_page = opt.read_page;
  std::printf("\n== rebuild: runner_config catchup_batch %zu events, "
              "catchup_bytes %zu MiB, read_page %zu events%s ==\n",
              rcfg.catchup_batch, rcfg.catchup_bytes >> 20, rcfg.read_page,
              opt.catchup_batch > 0 || opt.catchup_bytes > 0
                  || opt.read_page > 0
                ? " (NOT the defaults)"
                : " (the defaults)");
  auto ok = true;
  for (auto n : opt.rebuild_events)
    ok = rebuild_one(sys, opt, rcfg, n) && ok;
  if (opt.naive_events == 0)
    return ok;
  // Baseline: one statement per event, on a smaller store.
  const std::string naive_schema = "bench_proj_naive";
  stores small{opt, naive_schema, 2};
  fill(*small.events, opt.naive_events, opt.accounts, opt.fill_batch);
  auto p = std::make_shared<sql_balances>("balances_naive", naive_schema,
                                          "balances", false);
  auto seconds = project_to_head(sys, small, p, rcfg);
  ok = verify(opt, naive_schema, p->table()) && ok;
  pg_drop_schema(opt.pg_conninfo, naive_schema);
  std::printf("(b) one upsert per event: %zu events in %.2f s, %.0f events/s\n",
              opt.naive_events, seconds,
              static_cast<double>(opt.naive_events) / seconds);
  return ok;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"mink projection benchmark (PostgreSQL): projection lag under "
               "a paced write load, and the rebuild speed of a SQL read model"};
  add_pg_option(app, opt.pg_conninfo);
  app.add_option("--accounts", opt.accounts, "account streams")
    ->check(CLI::Range(1, 10000000));
  app.add_option("--probe-seconds", opt.probe_seconds,
                 "how long the maximum append rate is measured")
    ->check(CLI::Range(0.1, 600.0));
  app.add_option("--probe-in-flight", opt.probe_in_flight,
                 "appends kept in flight while measuring the maximum")
    ->check(CLI::Range(1, 100000));
  app.add_option("--load-seconds", opt.load_seconds,
                 "how long the paced load runs")
    ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--rate", opt.rate,
                 "appends per second of the paced load (default: half the "
                 "measured maximum)")
    ->check(CLI::Range(0.0, 10000000.0));
  app.add_option("--rebuild-events", opt.rebuild_events,
                 "store sizes (events) the rebuilt read model replays, one "
                 "store each")
    ->check(CLI::Range(100, 100000000));
  app.add_option("--repeats", opt.repeats,
                 "read_all-alone and rebuild runs per store, alternately")
    ->check(CLI::Range(1, 100));
  app.add_option("--naive-events", opt.naive_events,
                 "events of the one-statement-per-event baseline (0: skip)")
    ->check(CLI::Range(0, 10000000));
  app.add_option("--catchup-batch", opt.catchup_batch,
                 "most events per batch (and transaction) while catching up "
                 "(default: the runner's)")
    ->check(CLI::Range(1, 10000000));
  app.add_option("--catchup-bytes", opt.catchup_bytes,
                 "memory budget of a catch-up batch in bytes (default: the "
                 "runner's)")
    ->check(CLI::Range(1024, 1 << 30));
  app.add_option("--read-page", opt.read_page,
                 "most events per store query while catching up (default: "
                 "the runner's)")
    ->check(CLI::Range(1, 10000000));
  app.add_option("--fill-batch", opt.fill_batch,
                 "events per append call while filling the store")
    ->check(CLI::Range(1, 1000000));
  app.add_option("--scheduler-threads", opt.scheduler_threads,
                 "CAF scheduler threads")
    ->check(CLI::Range(1, 64));
  app.add_flag("!--no-lag", opt.lag, "skip the lag part");
  app.add_flag("!--no-rebuild", opt.rebuild, "skip the rebuild part");
  app.add_flag("--keep", opt.keep,
               "keep the rebuild part's events for the next run, and reuse "
               "those of the last run when their number matches");
  CLI11_PARSE(app, argc, argv);
  require_pg(opt.pg_conninfo);
  // Runners log every state change; only problems matter here.
  spdlog::set_level(spdlog::level::warn);
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", opt.scheduler_threads);
  caf::actor_system sys{cfg};
  std::printf("projection benchmark: PostgreSQL, synchronous_commit on\n");
  if (opt.lag)
    run_lag(sys, opt);
  auto ok = true;
  if (opt.rebuild)
    ok = run_rebuild(sys, opt);
  return ok ? 0 : 1;
}

// mink streams list | show, mink events

#include <atomic>
#include <csignal>
#include <iostream>
#include <limits>
#include <thread>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "validators.hpp"
#include "event_output.hpp"
#include "ndjson.hpp"

namespace mink::cli {

void print_event(std::ostream& out, const recorded_event& ev, bool json) {
  if (json) {
    if (auto err = check_exportable(ev))
      fail("cannot write an event as JSON", err);
    out << to_ndjson(ev) << '\n';
    return;
  }
  out << ev.global_position << "  " << ev.stream_id << '@' << ev.stream_version
      << "  " << ev.type;
  if (ev.schema_version != 1)
    out << " (v" << ev.schema_version << ')';
  out << "  " << format_timestamp(ev.timestamp_us) << "  " << ev.data << '\n';
}

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
  interrupted = true;
}

struct list_args {
  std::string category;
  std::string after;
  size_t limit = 100;
};

void list_streams(context& ctx, const list_args& args) {
  auto store = ctx.events();
  auto page = value_or_fail(store->list_streams(args.after, args.limit,
                                                args.category),
                            "cannot list streams");
  std::cout << "STREAM\tVERSION\tLAST_POSITION\n";
  for (const auto& s : page)
    std::cout << s.stream_id << '\t' << s.version << '\t' << s.last_position
              << '\n';
  if (page.size() == args.limit && args.limit > 0)
    std::cerr << "(more may follow: --after '" << page.back().stream_id
              << "')\n";
}

struct show_args {
  std::string stream;
  int64_t from = 1;
  size_t limit = 1000;
  bool backward = false;
  bool json = false;
};

void show_stream(context& ctx, const show_args& args) {
  auto store = ctx.events();
  auto from = args.from;
  if (args.backward && from == 1)
    from = end_of_stream;
  auto events = store->read_stream(args.stream, from, args.limit,
                                   args.backward ? read_direction::backward
                                                 : read_direction::forward);
  if (!events)
    fail("cannot read stream " + args.stream, events.error());
  for (const auto& ev : *events)
    print_event(std::cout, ev, args.json);
}

struct events_args {
  int64_t from = 1;
  size_t limit = 100;
  bool all = false;
  bool follow = false;
  bool json = false;
  std::string category;
  std::vector<std::string> types;
  int poll_ms = 200;
};

void read_events(context& ctx, const events_args& args, bool limit_given) {
  auto store = ctx.events();
  read_filter filter{args.category, args.types};
  // Without --follow, 100 events unless --limit or --all; with --follow,
  // no limit unless --limit.
  auto unlimited = args.all || (args.follow && !limit_given);
  size_t left = unlimited ? std::numeric_limits<size_t>::max() : args.limit;
  auto next = args.from;
  if (args.follow) {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
  }
  constexpr size_t page = 1000;
  while (left > 0 && !interrupted) {
    // Read before the page: a short page scanned at least up to here.
    auto head = args.follow ? store->last_position() : caf::expected<int64_t>{0};
    if (!head)
      fail("cannot read the last position", head.error());
    auto n = std::min(left, page);
    auto events = store->read_all(next, n, filter);
    if (!events)
      fail("cannot read events from position " + std::to_string(next),
           events.error());
    for (const auto& ev : *events)
      print_event(std::cout, ev, args.json);
    left -= events->size();
    if (!events->empty())
      next = events->back().global_position + 1;
    if (events->size() == n)
      continue; // a full page: there may be more at once
    if (!args.follow)
      break;
    // A filter may leave the page short of the head: skip what was scanned.
    next = std::max(next, *head + 1);
    std::cout.flush();
    for (int waited = 0; waited < args.poll_ms && !interrupted; waited += 10)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  std::cout.flush();
}

} // namespace

void add_streams(CLI::App& app, context& ctx) {
  auto cmd = app.add_subcommand("streams", "List streams or show one stream");
  cmd->require_subcommand(1);
  static list_args la;
  auto list = cmd->add_subcommand("list", "List streams by id (bytes order) "
                                          "with version and last position");
  list->add_option("-c,--category", la.category, "Only this category");
  list->add_option("-a,--after", la.after,
                   "Start after this stream id (paging; a prefix works too)");
  list->add_option("-n,--limit", la.limit, "At most this many (default 100)")
    ->check(CLI::Range(size_t{1}, size_t{1} << 40));
  list->callback([&ctx] { list_streams(ctx, la); });
  static show_args sa;
  auto show = cmd->add_subcommand("show", "Print one stream's events");
  show->add_option("stream", sa.stream, "Stream id")->required();
  show->add_option("--from", sa.from, "From this version (default: first, or "
                                      "last with --backward)")
    ->check(int64_in(1, std::numeric_limits<int64_t>::max()));
  show->add_option("-n,--limit", sa.limit, "At most this many (default 1000)")
    ->check(CLI::Range(size_t{1}, size_t{1} << 40));
  show->add_flag("--backward", sa.backward, "Newest first");
  show->add_flag("--json", sa.json, "NDJSON, as mink export writes it");
  show->callback([&ctx] { show_stream(ctx, sa); });
}

void add_events(CLI::App& app, context& ctx) {
  static events_args ea;
  auto cmd = app.add_subcommand("events", "Print events in global order; "
                                          "--follow keeps printing new ones "
                                          "until interrupted");
  cmd->add_option("--from", ea.from, "From this global position (default 1)")
    ->check(int64_in(1, std::numeric_limits<int64_t>::max()));
  auto limit = cmd->add_option("-n,--limit", ea.limit,
                               "At most this many (default 100; none with "
                               "--follow)")
                 ->check(CLI::Range(size_t{1}, size_t{1} << 40));
  cmd->add_flag("--all", ea.all, "No limit")->excludes(limit);
  cmd->add_flag("-f,--follow", ea.follow,
                "Keep printing new events until SIGINT/SIGTERM");
  cmd->add_option("-c,--category", ea.category, "Only this category");
  cmd->add_option("-t,--type", ea.types, "Only these event types");
  cmd->add_flag("--json", ea.json, "NDJSON, as mink export writes it");
  cmd->add_option("--poll-ms", ea.poll_ms,
                  "With --follow: how often to look for new events (200)")
    ->check(CLI::Range(10, 60000));
  cmd->callback([&ctx, limit] { read_events(ctx, ea, limit->count() > 0); });
}

} // namespace mink::cli

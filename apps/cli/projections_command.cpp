// mink projections list | pause | resume | reset | rebuild | dead-letters

#include <iostream>
#include <limits>
#include <thread>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "validators.hpp"
#include "mink/errc.hpp"
#include "ndjson.hpp"
#include "progress.hpp"

namespace mink::cli {

namespace {

struct args {
  std::string name;
  int64_t to = 0;
  bool wait = false;
  double timeout_s = 0;
  size_t limit = 100;
  int64_t position = 0;
};

args a;

int64_t head_of(context& ctx) {
  return value_or_fail(ctx.events()->last_position(),
                       "cannot read the last position");
}

/// Fails with a clear message for a name without a record.
void check(const caf::error& err, const std::string& what,
           const std::string& name) {
  if (!err)
    return;
  if (code_of(err) == errc::projection_not_found)
    fail("unknown projection '" + name
         + "' (mink projections list shows the known ones)");
  fail(what, err);
}

void list(context& ctx) {
  auto head = head_of(ctx);
  auto records = value_or_fail(ctx.checkpoints()->list(),
                               "cannot list projections");
  std::cout << "NAME\tSTATE\tDESIRED\tPOSITION\tLAG\tREQUESTS\tRUNNER\t"
               "LAST_ERROR\n";
  for (const auto& r : records) {
    std::string requests;
    if (r.reset_to)
      requests += "reset_to=" + std::to_string(*r.reset_to);
    if (r.rebuild_requested)
      requests += std::string{requests.empty() ? "" : ","} + "rebuild";
    std::cout << r.name << '\t' << to_string(r.state) << '\t'
              << to_string(r.desired) << '\t' << r.position << '\t'
              << std::max<int64_t>(0, head - r.position) << '\t'
              << (requests.empty() ? "-" : requests) << '\t'
              << (r.runner.empty() ? "-" : r.runner) << '\t'
              << (r.last_error.empty() ? "-" : r.last_error) << '\n';
  }
  std::cout << "head position: " << head << '\n';
}

void set_desired(context& ctx, projection_desired d) {
  check(ctx.checkpoints()->set_desired(a.name, d), "cannot set " + a.name,
        a.name);
  std::cout << (d == projection_desired::paused ? "pause" : "resume")
            << " requested for " << a.name
            << "; its runner obeys within its control interval\n";
}

void reset(context& ctx) {
  auto head = head_of(ctx);
  if (a.to > head)
    fail("cannot reset " + a.name + " to " + std::to_string(a.to)
           + ": the last position is " + std::to_string(head),
         exit_usage);
  check(ctx.checkpoints()->request_reset(a.name, a.to),
        "cannot reset " + a.name, a.name);
  std::cout << "reset of " << a.name << " to position " << a.to
            << " requested\n";
}

void rebuild(context& ctx) {
  auto store = ctx.checkpoints();
  auto target = head_of(ctx);
  check(store->request_rebuild(a.name), "cannot rebuild " + a.name, a.name);
  std::cout << "rebuild of " << a.name << " requested (head position "
            << target << ")\n";
  if (!a.wait)
    return;
  std::cout.flush();
  progress bar{"rebuild " + a.name, target, !ctx.quiet};
  auto start = std::chrono::steady_clock::now();
  bool warned = false;
  for (;;) {
    auto rec = value_or_fail(store->load(a.name), "cannot read " + a.name);
    if (!rec)
      fail("projection " + a.name + " disappeared");
    // The runner clears the request and sets the position to 0 at once,
    // then replays: past the target with no request pending means done.
    if (!rec->rebuild_requested) {
      if (rec->state == projection_state::faulted)
        fail("rebuild of " + a.name + " faulted: " + rec->last_error);
      bar.update(rec->position, rec->position);
      if (rec->position >= target) {
        bar.finish(rec->position);
        std::cout << "rebuilt " << a.name << " up to position "
                  << rec->position << '\n';
        return;
      }
    } else if (!warned && rec->state == projection_state::stopped) {
      std::cerr << "note: no runner reports for " << a.name
                << "; the rebuild starts when a service runs it\n";
      warned = true;
    }
    auto elapsed = std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    if (a.timeout_s > 0 && elapsed > a.timeout_s)
      fail("timed out waiting for the rebuild of " + a.name + " (position "
           + std::to_string(rec->position) + " of "
           + std::to_string(target) + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
}

void dead_letters(context& ctx) {
  auto store = ctx.checkpoints();
  if (!a.name.empty()) {
    auto rec = value_or_fail(store->load(a.name), "cannot read " + a.name);
    if (!rec)
      check(make_error(errc::projection_not_found), "", a.name);
  }
  auto letters = value_or_fail(store->dead_letters(a.name, a.limit),
                               "cannot list dead letters");
  std::cout << "PROJECTION\tPOSITION\tSTREAM\tTYPE\tPARKED\tREPLAY\tERROR\n";
  for (const auto& x : letters)
    std::cout << x.projection << '\t' << x.position << '\t' << x.stream_id
              << '\t' << x.event_type << '\t' << format_timestamp(x.parked_us)
              << '\t' << (x.replay_requested ? "requested" : "-") << '\t'
              << x.error << '\n';
}

void replay(context& ctx) {
  auto store = ctx.checkpoints();
  auto rec = value_or_fail(store->load(a.name), "cannot read " + a.name);
  if (!rec)
    check(make_error(errc::projection_not_found), "", a.name);
  check(store->request_replay(a.name, a.position),
        "cannot replay the dead letter of " + a.name + " at position "
          + std::to_string(a.position),
        a.name);
  std::cout << "replay of " << a.name << " position " << a.position
            << " requested\n";
}

void remove(context& ctx) {
  check(ctx.checkpoints()->remove_dead_letter(a.name, a.position),
        "cannot remove the dead letter", a.name);
  std::cout << "removed the dead letter of " << a.name << " at position "
            << a.position << '\n';
}

CLI::App* with_name(CLI::App* cmd) {
  cmd->add_option("name", a.name, "Projection name")->required();
  return cmd;
}

} // namespace

void add_projections(CLI::App& app, context& ctx) {
  auto cmd = app.add_subcommand("projections",
                                "List and control projections (a running "
                                "service obeys within its control interval)");
  cmd->require_subcommand(1);
  cmd->add_subcommand("list", "State, position and lag of every projection")
    ->callback([&ctx] { list(ctx); });
  with_name(cmd->add_subcommand("pause", "Stop applying events; keeps the "
                                         "position"))
    ->callback([&ctx] { set_desired(ctx, projection_desired::paused); });
  with_name(cmd->add_subcommand("resume", "Resume a paused projection"))
    ->callback([&ctx] { set_desired(ctx, projection_desired::running); });
  auto reset_cmd = with_name(cmd->add_subcommand(
    "reset", "Move the checkpoint to --to N; events after N are applied "
             "again (the read model is not cleared)"));
  reset_cmd->add_option("--to", a.to, "Position (0 = from the start)")
    ->required()
    ->check(int64_in(0, std::numeric_limits<int64_t>::max()));
  reset_cmd->callback([&ctx] { reset(ctx); });
  auto rebuild_cmd = with_name(cmd->add_subcommand(
    "rebuild", "Clear the read model and replay every event"));
  rebuild_cmd->add_flag("-w,--wait", a.wait,
                        "Wait until it caught up with the head, with "
                        "progress");
  rebuild_cmd->add_option("--timeout", a.timeout_s,
                          "With --wait: give up after this many seconds "
                          "(exit 1; default: wait forever)")
    ->check(finite_non_negative());
  rebuild_cmd->callback([&ctx] { rebuild(ctx); });
  auto dl = cmd->add_subcommand("dead-letters", "Events parked by a "
                                                "projection's skip policy");
  dl->require_subcommand(1);
  auto dl_list = dl->add_subcommand("list", "List dead letters");
  dl_list->add_option("name", a.name, "Only this projection");
  dl_list->add_option("-n,--limit", a.limit, "At most this many (default 100)")
    ->check(CLI::Range(size_t{1}, size_t{1} << 40));
  dl_list->callback([&ctx] { dead_letters(ctx); });
  auto dl_replay = with_name(dl->add_subcommand(
    "replay", "Ask the runner to apply a parked event again"));
  dl_replay->add_option("position", a.position, "The event's position")
    ->required()
    ->check(int64_in(1, std::numeric_limits<int64_t>::max()));
  dl_replay->callback([&ctx] { replay(ctx); });
  auto dl_remove = with_name(dl->add_subcommand("remove",
                                                "Delete a dead letter"));
  dl_remove->add_option("position", a.position, "The event's position")
    ->required()
    ->check(int64_in(1, std::numeric_limits<int64_t>::max()));
  dl_remove->callback([&ctx] { remove(ctx); });
}

} // namespace mink::cli

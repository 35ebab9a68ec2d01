// mink: the operator's command-line tool for a mink event store.

#include <cstdio>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "mink/version.hpp"
#include "commands.hpp"

namespace mink::cli {

void context::resolve() {
  if (resolved_)
    return;
  if (auto err = store.resolve())
    fail(message_of(err), exit_usage);
  resolved_ = true;
}

std::unique_ptr<event_store> context::events() {
  resolve();
  return value_or_fail(store.open_events(),
                       "cannot open the event store " + store.describe());
}

std::unique_ptr<snapshot_store> context::snapshots() {
  resolve();
  return value_or_fail(store.open_snapshots(),
                       "cannot open the snapshot store " + store.describe());
}

std::unique_ptr<checkpoint_store> context::checkpoints() {
  resolve();
  return value_or_fail(store.open_checkpoints(),
                       "cannot open the checkpoint store " + store.describe());
}

/// When the deepest command given needs a subcommand and the next word is
/// none of its subcommands, says so, naming the word and the subcommands;
/// otherwise returns an empty string.
std::string unknown_command(CLI::App& app) {
  auto* cur = &app;
  std::string path;
  while (!cur->get_subcommands().empty()) {
    cur = cur->get_subcommands().front();
    path += cur->get_name() + " ";
  }
  if (cur->get_require_subcommand_min() == 0)
    return {};
  auto rest = cur->remaining();
  if (rest.empty())
    rest = app.remaining(true);
  if (rest.empty())
    return {};
  std::string known;
  for (auto* sub : cur->get_subcommands({}))
    known += (known.empty() ? "" : ", ") + sub->get_name();
  return "unknown command '" + path + rest.front() + "' (commands"
         + (path.empty() ? std::string{} : " of " + path.substr(0, path.size() - 1))
         + ": " + known + ")";
}

} // namespace mink::cli

int main(int argc, char** argv) {
  using namespace mink::cli;
  CLI::App app{"mink: inspect and operate a mink event store (SQLite or "
               "PostgreSQL)",
               "mink"};
  app.fallthrough();
  app.set_version_flag("--version",
                       std::string{"mink "} + mink::version_string);
  app.require_subcommand(1);
  context ctx;
  ctx.store.add_to(app);
  app.add_flag("-q,--quiet", ctx.quiet, "No progress output");
  app.footer("Exit codes: 0 ok, 1 failure, 2 bad usage, 3 diagnose found "
             "problems. Docs: docs/cli.md\n");
  add_migrate(app, ctx);
  add_streams(app, ctx);
  add_events(app, ctx);
  add_projections(app, ctx);
  add_snapshots(app, ctx);
  add_export(app, ctx);
  add_import(app, ctx);
  add_diagnose(app, ctx);
  add_init(app, ctx);
  add_serve(app, ctx);
  add_cluster(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return exit_ok;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return exit_ok;
  } catch (const CLI::ParseError& e) {
    // CLI11 prints a subcommand's help for --help through app.exit.
    if (e.get_exit_code() == 0)
      return app.exit(e);
    // CLI11 says "A subcommand is required" for `mink frobnicate` and
    // `mink streams frobnicate`: name the word it did not know instead.
    if (auto msg = unknown_command(app); !msg.empty()) {
      std::cerr << "mink: " << msg << "\nRun with --help for more "
                                     "information.\n";
      return exit_usage;
    }
    std::cerr << "mink: " << e.what() << "\nRun with --help for more "
                                         "information.\n";
    return exit_usage;
  } catch (const failure& f) {
    std::cout.flush();
    std::cerr << "mink: " << f.message << '\n';
    return f.exit_code;
  } catch (const std::exception& e) {
    std::cerr << "mink: unexpected error: " << e.what() << '\n';
    return exit_failure;
  }
  std::cout.flush();
  return std::cout.good() ? exit_ok : exit_failure;
}

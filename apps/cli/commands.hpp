#pragma once

// The command groups of the mink CLI; each file adds its subcommands.

#include <memory>

#include "store_options.hpp"

namespace CLI {
class App;
} // namespace CLI

namespace mink::cli {

/// What every command shares: the store selection and output switches.
struct context {
  store_options store;
  /// No progress output (`--quiet`).
  bool quiet = false;

  /// Resolves the store options and opens the event store; SQLite files
  /// must exist.
  std::unique_ptr<event_store> events();
  std::unique_ptr<snapshot_store> snapshots();
  std::unique_ptr<checkpoint_store> checkpoints();

  /// Resolves the store options once; fails with exit code 2 on bad ones.
  void resolve();

private:
  bool resolved_ = false;
};

void add_migrate(CLI::App& app, context& ctx);
void add_streams(CLI::App& app, context& ctx);
void add_events(CLI::App& app, context& ctx);
void add_projections(CLI::App& app, context& ctx);
void add_snapshots(CLI::App& app, context& ctx);
void add_export(CLI::App& app, context& ctx);
void add_import(CLI::App& app, context& ctx);
void add_diagnose(CLI::App& app, context& ctx);
void add_init(CLI::App& app, context& ctx);
void add_serve(CLI::App& app, context& ctx);
void add_cluster(CLI::App& app, context& ctx);

} // namespace mink::cli

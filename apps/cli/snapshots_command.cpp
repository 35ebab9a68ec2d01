// mink snapshots list | purge

#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "ndjson.hpp"

namespace mink::cli {

namespace {

struct args {
  std::string category;
  std::string after;
  size_t limit = 100;
};

args a;

void list(context& ctx) {
  auto page = value_or_fail(ctx.snapshots()->list(a.after, a.limit,
                                                  a.category),
                            "cannot list snapshots");
  std::cout << "STREAM\tVERSION\tSTATE_TYPE\tSCHEMA\tBYTES\tWRITTEN\n";
  for (const auto& s : page)
    std::cout << s.stream_id << '\t' << s.version << '\t' << s.state_type
              << '\t' << s.schema_version << '\t' << s.size_bytes << '\t'
              << format_timestamp(s.timestamp_us) << '\n';
  if (page.size() == a.limit)
    std::cerr << "(more may follow: --after '" << page.back().stream_id
              << "')\n";
}

void purge(context& ctx) {
  auto n = value_or_fail(ctx.snapshots()->purge(a.category),
                         "cannot purge snapshots");
  std::cout << "purged " << n << " snapshot(s)"
            << (a.category.empty() ? "" : " of category " + a.category)
            << '\n';
}

} // namespace

void add_snapshots(CLI::App& app, context& ctx) {
  auto cmd = app.add_subcommand("snapshots", "List or purge snapshots");
  cmd->require_subcommand(1);
  auto list_cmd = cmd->add_subcommand("list", "List snapshots by stream id");
  list_cmd->add_option("-c,--category", a.category, "Only this category");
  list_cmd->add_option("-a,--after", a.after, "Start after this stream id");
  list_cmd->add_option("-n,--limit", a.limit, "At most this many (default 100)")
    ->check(CLI::Range(size_t{1}, size_t{1} << 40));
  list_cmd->callback([&ctx] { list(ctx); });
  auto purge_cmd = cmd->add_subcommand(
    "purge", "Delete all snapshots, or one category's (aggregates then load "
             "from their events and write new ones)");
  purge_cmd->add_option("-c,--category", a.category, "Only this category");
  purge_cmd->callback([&ctx] { purge(ctx); });
}

} // namespace mink::cli

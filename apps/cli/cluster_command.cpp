// mink cluster status: the members of a cluster of nodes on one PostgreSQL
// schema, their liveness, and who owns each slice (mink/cluster/).

#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "mink/adapters/open_stores.hpp"

namespace mink::cli {

namespace {

struct args {
  bool slices = false;
};

args a;

void status(context& ctx) {
  ctx.resolve();
  auto leases = value_or_fail(open_lease_store(ctx.store.location(),
                                               ctx.store.options()),
                              "cannot open the cluster's leases in "
                                + ctx.store.describe());
  auto view = value_or_fail(leases->view(), "cannot read the cluster");
  std::map<std::string, int> owned;
  for (auto& x : view.slices)
    ++owned[x.owner];
  auto count = [&](const std::string& owner) {
    auto i = owned.find(owner);
    return i == owned.end() ? 0 : i->second;
  };
  std::cout << "NODE\tADDRESS\tLIVE\tLEASE_MS\tSLICES\n";
  for (auto& m : view.members)
    std::cout << m.node_id << '\t' << m.address << '\t'
              << (m.live ? "yes" : "no") << '\t' << m.lease_left_ms << '\t'
              << count(m.node_id) << '\n';
  auto free = count("");
  std::cout << view.slices.size() << " slices, " << free << " without owner";
  for (auto& [owner, n] : owned)
    if (!owner.empty() && !view.is_live(owner))
      std::cout << ", " << n << " held by " << owner << " (not live)";
  std::cout << '\n';
  if (!a.slices)
    return;
  std::cout << "SLICE\tOWNER\tEPOCH\n";
  for (auto& x : view.slices)
    std::cout << x.slice << '\t' << (x.owner.empty() ? "-" : x.owner) << '\t'
              << x.epoch << '\n';
}

} // namespace

void add_cluster(CLI::App& app, context& ctx) {
  auto cmd = app.add_subcommand("cluster", "Show a cluster of nodes on one "
                                           "PostgreSQL schema");
  cmd->require_subcommand(1);
  auto st = cmd->add_subcommand("status", "Members, their liveness and how "
                                          "many slices each owns");
  st->add_flag("--slices", a.slices, "Also list every slice's owner and epoch");
  st->callback([&ctx] { status(ctx); });
}

} // namespace mink::cli

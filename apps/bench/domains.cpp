#include "domains.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "bank/account.hpp"
#include "bank/events.hpp"
#include "bank/projections.hpp"
#include "mink/uuid.hpp"
#include "test_ledger.hpp"
#include "write_counts.hpp"

namespace mink_bench {

namespace {

using namespace mink;
using bench::operation;
using bench::operation_done;
using mink::test_domain::ledger_decider;

/// What the workloads need of a domain.
struct domain {
  std::string category;
  caf::error (*register_events)(event_registry&);
  caf::error (*add_aggregates)(runtime&);
  /// The command that writes to aggregate `id` (one counted event).
  std::function<command_envelope(const std::string& id)> write;
  /// The command that creates aggregate `id`, if it needs one.
  std::function<command_envelope(const std::string& id)> create;
  /// The read model that counts the writes.
  std::shared_ptr<write_counts> (*counts)(std::shared_ptr<const event_registry>);
  /// The domain's own read models on SQL stores, if any.
  caf::error (*sql_projections)(runtime&, std::shared_ptr<const event_registry>);
};

template <class Added>
caf::error error_of(const Added& added) {
  return added ? caf::error{} : added.error();
}

domain bank_domain() {
  domain d;
  d.category = bank::account_decider::category;
  d.register_events = &bank::register_events;
  d.add_aggregates = [](runtime& rt) {
    return error_of(rt.add_aggregate<bank::account_decider>());
  };
  d.write = [](const std::string& id) {
    return make_command<bank::account_decider>(id, bank::deposit{1},
                                               make_uuid());
  };
  d.create = [](const std::string& id) {
    return make_command<bank::account_decider>(id, bank::open_account{"bench"},
                                               make_uuid());
  };
  d.counts = [](std::shared_ptr<const event_registry> reg) {
    return write_counts::of<bank::money_deposited>(std::move(reg), "account");
  };
  d.sql_projections = [](runtime& rt,
                         std::shared_ptr<const event_registry> reg) {
    auto prefix = rt.stores().table_prefix;
    if (auto err = rt.projections().add(
          std::make_shared<bank::accounts_projection>(prefix, reg)))
      return err;
    return rt.projections().add(
      std::make_shared<bank::totals_projection>(prefix, reg));
  };
  return d;
}

domain ledger_domain(size_t payload) {
  domain d;
  d.category = "ledger";
  d.register_events = [](event_registry& reg) {
    return test_domain::register_ledger(reg, true);
  };
  d.add_aggregates = [](runtime& rt) {
    return error_of(rt.add_aggregate<ledger_decider>("ledger", {"note"}));
  };
  auto text = std::make_shared<std::string>(std::max<size_t>(payload, 1), 'x');
  d.write = [text](const std::string& id) {
    command_envelope env;
    env.type = "note";
    env.aggregate_type = "ledger";
    env.aggregate_id = id;
    env.command_id = make_uuid();
    env.payload = test_domain::note{*text};
    return env;
  };
  d.counts = [](std::shared_ptr<const event_registry> reg) {
    return write_counts::of<test_domain::noted>(std::move(reg), "ledger");
  };
  d.sql_projections = nullptr;
  return d;
}

/// Which aggregate operation n goes to: spread at random (a fixed mix of
/// n), or, for cold, each of them once per round in a scattered order.
size_t pick(uint64_t n, size_t aggregates, bool each_once) {
  if (each_once) // 2654435761 is prime: n -> n * p mod a is a permutation
    return static_cast<size_t>((n * 2654435761ULL) % aggregates);
  auto z = n + 0x9e3779b97f4a7c15ULL; // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<size_t>((z ^ (z >> 31)) % aggregates);
}

/// Sends `make(i)` for i in [0, n) in rounds of 1000; the first failure
/// is the error.
caf::error send_each(runtime& rt, size_t n,
                     const std::function<command_envelope(size_t)>& make) {
  for (size_t from = 0; from < n; from += 1000) {
    std::vector<command_envelope> round;
    for (size_t i = from; i < std::min(n, from + 1000); ++i)
      round.push_back(make(i));
    for (auto& res : rt.commands()->send_all(std::move(round)))
      if (!res)
        return res.error();
  }
  return {};
}

/// The writes acknowledged per aggregate: how many, up to which position.
struct acknowledged {
  std::mutex mtx;
  std::unordered_map<size_t, std::pair<int64_t, int64_t>> by_aggregate;
};

/// A read of aggregate `k` that waits for the last write acknowledged to
/// it and checks that the read model shows it.
void read_your_writes(runtime& rt, write_counts& counts, acknowledged& acks,
                      size_t k, std::string id, operation_done done) {
  std::pair<int64_t, int64_t> known;
  {
    std::lock_guard<std::mutex> guard{acks.mtx};
    known = acks.by_aggregate[k];
  }
  rt.projections().when_reached(
    write_counts_name, known.second, std::chrono::seconds{30},
    [&counts, known, id = std::move(id), done = std::move(done)](caf::error err) {
      if (!err && counts.count(id) < known.first)
        err = make_error(errc::projection_failed,
                         "read-your-writes: aggregate " + id + " shows "
                           + std::to_string(counts.count(id)) + " of "
                           + std::to_string(known.first) + " writes");
      done({std::move(err), {}});
    });
}

caf::error check(const options& opt) {
  auto bad = [](const std::string& what) {
    return make_error(errc::invalid_argument, what);
  };
  if (opt.domain != "bank" && opt.domain != "ledger")
    return bad("unknown domain '" + opt.domain + "' (bank or ledger)");
  if (opt.workload != "write" && opt.workload != "mixed"
      && opt.workload != "hot" && opt.workload != "cold")
    return bad("unknown workload '" + opt.workload
               + "' (write, mixed, hot or cold)");
  if (!(opt.read_ratio >= 0 && opt.read_ratio <= 1))
    return bad("--read-ratio must be between 0 and 1");
  return {};
}

} // namespace

caf::expected<prepared_workload> make_workload(const options& opt) {
  if (auto err = check(opt))
    return err;
  auto d = opt.domain == "bank" ? bank_domain() : ledger_domain(opt.payload);
  auto reg = std::make_shared<event_registry>();
  if (auto err = d.register_events(*reg))
    return err;
  prepared_workload out;
  out.registry = reg;
  auto aggregates = opt.aggregates_or_default();
  bool cold = opt.workload == "cold";
  bool reads = opt.workload == "mixed";
  auto prefix = d.category == "account" ? std::string{"acc"} : std::string{};
  auto id_of = [prefix](size_t k) { return prefix + std::to_string(k); };
  auto counts = d.counts(reg);
  auto acks = std::make_shared<acknowledged>();
  out.work.add_aggregates = d.add_aggregates;
  out.work.add_projections = [=](runtime& rt) -> caf::error {
    if (reads || opt.projections)
      if (auto err = rt.projections().add(counts))
        return err;
    if (opt.projections && d.sql_projections && rt.stores().sql)
      return d.sql_projections(rt, reg);
    return {};
  };
  out.work.prepare = [=](runtime& rt) -> caf::error {
    if (d.create)
      if (auto err = send_each(rt, aggregates,
                               [&](size_t k) { return d.create(id_of(k)); }))
        return err;
    if (!cold)
      return {};
    return send_each(rt, aggregates * opt.events_per_aggregate,
                     [&](size_t i) { return d.write(id_of(i % aggregates)); });
  };
  auto read_every = opt.read_ratio;
  out.work.operations = [=](runtime& rt) -> operation {
    return [=, &rt](uint64_t n, operation_done done) {
      auto k = pick(n, aggregates, cold);
      // Reads at an even spacing: operation n reads when the share of
      // reads so far would fall below the ratio.
      bool is_read = reads
                     && static_cast<uint64_t>(static_cast<double>(n + 1) * read_every)
                          > static_cast<uint64_t>(static_cast<double>(n) * read_every);
      if (is_read)
        return read_your_writes(rt, *counts, *acks, k, id_of(k), std::move(done));
      rt.commands()->send(d.write(id_of(k)), [acks, k, reads, done](
                                               caf::expected<command_result> res) {
        if (res && reads) {
          std::lock_guard<std::mutex> guard{acks->mtx};
          auto& known = acks->by_aggregate[k];
          ++known.first;
          known.second = std::max(known.second, res->position);
        }
        done({res ? caf::error{} : res.error(), {}});
      });
    };
  };
  return out;
}

} // namespace mink_bench

#include "mink/aggregate.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <caf/sec.hpp>

#include "../support/test_account.hpp"
#include "mink/aggregate_events.hpp"
#include "mink/business_error.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/memory/memory_event_store.hpp"
#include "../support/error_text.hpp"

using namespace mink;
using namespace mink::test_support;
using namespace mink::test_domain;

namespace {

/// Registered, but not an event of the account.
struct interest_rate_changed {
  int64_t basis_points = 0;
};

/// Not registered at all.
struct never_registered {};

/// An event without a default constructor.
struct no_default {
  explicit no_default(int x) : value(x) {
    // nop
  }
  int value;
};

struct aggregate_fixture {
  event_registry reg;
  memory_event_store store;

  aggregate_fixture() {
    BOOST_REQUIRE(!register_events(reg));
    BOOST_REQUIRE(!reg.add<interest_rate_changed>(
      "InterestRateChanged", 1,
      [](const interest_rate_changed& x, rapidjson::Document& doc) {
        doc.SetObject();
        doc.AddMember("basis_points", x.basis_points, doc.GetAllocator());
      },
      [](const rapidjson::Value& v) -> caf::expected<interest_rate_changed> {
        if (!v.IsObject() || !v.HasMember("basis_points")
            || !v["basis_points"].IsInt64())
          return make_error(errc::invalid_argument, "basis_points missing");
        return interest_rate_changed{v["basis_points"].GetInt64()};
      }));
  }

  /// Runs `cmd` the way the aggregate actor does: decide, store, apply.
  void execute(account& acc, const std::string& stream,
               const account_command& cmd) {
    auto evs = acc.decide(cmd);
    BOOST_REQUIRE_MESSAGE(evs, why(evs));
    auto data = to_event_data(reg, *evs);
    BOOST_REQUIRE_MESSAGE(data, why(data));
    auto res = store.append(stream, expected_version::exact(acc.version()),
                            std::move(*data));
    BOOST_REQUIRE_MESSAGE(res, why(res));
    acc.apply(*evs);
    BOOST_REQUIRE_EQUAL(res->version, acc.version());
  }

  /// Opens `Account-1` for Ada and runs deposit 100, withdraw 30,
  /// deposit 5: four events, balance 75.
  account write_history() {
    account acc;
    execute(acc, "Account-1", open_account{"Ada"});
    execute(acc, "Account-1", deposit{100});
    execute(acc, "Account-1", withdraw{30});
    execute(acc, "Account-1", deposit{5});
    return acc;
  }

  std::vector<recorded_event> read(const std::string& stream,
                                   int64_t from = 1) {
    auto evs = store.read_stream(stream, from, 1000);
    BOOST_REQUIRE_MESSAGE(evs, why(evs));
    return std::move(*evs);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(aggregate_tests, aggregate_fixture)

BOOST_AUTO_TEST_CASE(a_new_aggregate_has_the_default_state_at_version_0) {
  account acc;
  BOOST_TEST(acc.version() == 0);
  BOOST_TEST((acc.state().status == account_status::unopened));
  BOOST_TEST(acc.state().balance == 0);
  account_state initial;
  initial.balance = 7;
  account acc2{initial};
  BOOST_TEST(acc2.version() == 0);
  BOOST_TEST(acc2.state().balance == 7);
}

BOOST_AUTO_TEST_CASE(decide_leaves_the_aggregate_unchanged) {
  account acc;
  acc.apply({account_opened{"Ada"}, money_deposited{10}});
  auto evs = acc.decide(deposit{5});
  BOOST_REQUIRE_MESSAGE(evs, why(evs));
  BOOST_REQUIRE_EQUAL(evs->size(), 1u);
  BOOST_TEST(std::get<money_deposited>(evs->front()).amount == 5);
  BOOST_TEST(acc.version() == 2);
  BOOST_TEST(acc.state().balance == 10);
  auto failed = acc.decide(withdraw{11});
  BOOST_REQUIRE(!failed);
  BOOST_TEST((failed.error() == bank_errc::insufficient_funds));
  BOOST_TEST(acc.version() == 2);
  BOOST_TEST(acc.state().balance == 10);
}

BOOST_AUTO_TEST_CASE(apply_counts_events) {
  account acc;
  acc.apply(account_opened{"Ada"});
  BOOST_TEST(acc.version() == 1);
  acc.apply({money_deposited{10}, money_deposited{20}, money_withdrawn{5}});
  BOOST_TEST(acc.version() == 4);
  acc.apply(std::vector<account_event>{});
  BOOST_TEST(acc.version() == 4);
  BOOST_TEST(acc.state().balance == 25);
  BOOST_TEST(acc.state().owner == "Ada");
  BOOST_TEST((acc.state().status == account_status::open));
}

BOOST_AUTO_TEST_CASE(restore_from_a_snapshot_then_apply) {
  account_state snap;
  snap.status = account_status::open;
  snap.owner = "Ada";
  snap.balance = 40;
  account acc;
  BOOST_REQUIRE(!acc.restore(snap, 5));
  BOOST_TEST(acc.version() == 5);
  BOOST_TEST(acc.state().balance == 40);
  acc.apply(money_withdrawn{15});
  BOOST_TEST(acc.version() == 6);
  BOOST_TEST(acc.state().balance == 25);
  // A negative version is refused and changes nothing.
  snap.balance = 1;
  auto err = acc.restore(snap, -1);
  BOOST_TEST((code_of(err) == errc::invalid_argument));
  BOOST_TEST(acc.version() == 6);
  BOOST_TEST(acc.state().balance == 25);
}

BOOST_AUTO_TEST_CASE(business_errors) {
  BOOST_TEST(is_business_error(make_error(bank_errc::insufficient_funds)));
  BOOST_TEST(is_business_error(
    make_error(bank_errc::insufficient_funds, "balance 1, requested 2")));
  BOOST_TEST(!is_business_error(caf::error{}));
  BOOST_TEST(!is_business_error(make_error(errc::wrong_expected_version)));
  BOOST_TEST(!is_business_error(make_error(errc::timeout, "slow")));
  BOOST_TEST(!is_business_error(caf::error{caf::sec::request_timeout}));
  // The decider's errors are business errors.
  account acc;
  auto res = acc.decide(deposit{1});
  BOOST_REQUIRE(!res);
  BOOST_TEST(is_business_error(res.error()));
  BOOST_TEST(describe(res.error()) == "bank.account_not_open");
}

BOOST_AUTO_TEST_CASE(to_event_data_encodes_each_alternative) {
  metadata meta;
  meta.correlation_id = "corr-1";
  meta.causation_id = "cmd-1";
  std::vector<account_event> evs{account_opened{"Ada"}, money_deposited{3},
                                 money_withdrawn{2}, account_closed{}};
  auto data = to_event_data(reg, evs, meta);
  BOOST_REQUIRE_MESSAGE(data, why(data));
  BOOST_REQUIRE_EQUAL(data->size(), 4u);
  BOOST_TEST((*data)[0].type == "AccountOpened");
  BOOST_TEST((*data)[0].data == R"({"owner":"Ada"})");
  BOOST_TEST((*data)[1].type == "MoneyDeposited");
  BOOST_TEST((*data)[1].data == R"({"amount":3})");
  BOOST_TEST((*data)[2].type == "MoneyWithdrawn");
  BOOST_TEST((*data)[3].type == "AccountClosed");
  BOOST_TEST((*data)[3].data == "{}");
  for (const auto& x : *data) {
    BOOST_TEST((x.meta == meta));
    BOOST_TEST(x.schema_version == 1);
    BOOST_TEST(x.event_id.empty());
  }
  auto none = to_event_data(reg, std::vector<account_event>{});
  BOOST_REQUIRE(none);
  BOOST_TEST(none->empty());
}

BOOST_AUTO_TEST_CASE(to_event_data_names_an_unregistered_alternative) {
  using odd_event = std::variant<account_opened, never_registered>;
  std::vector<odd_event> evs{account_opened{"Ada"}, never_registered{}};
  auto data = to_event_data(reg, evs);
  BOOST_REQUIRE(!data);
  BOOST_TEST((code_of(data.error()) == errc::unknown_event_type));
  auto text = to_text(data.error());
  BOOST_TEST(text.find("decided event 1 of 2") != std::string::npos, text);
  // The code is not repeated inside the explanation.
  BOOST_TEST(text.find("unknown_event_type", 1) == std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(replay_rebuilds_from_the_store) {
  auto original = write_history();
  BOOST_TEST(original.version() == 4);
  BOOST_TEST(original.state().balance == 75);
  account acc;
  BOOST_REQUIRE(!replay(acc, reg, read("Account-1")));
  BOOST_TEST(acc.version() == 4);
  BOOST_TEST(acc.state().balance == 75);
  BOOST_TEST(acc.state().owner == "Ada");
  BOOST_TEST((acc.state().status == account_status::open));
  // The const& overload gives the same.
  account acc2;
  const auto evs = read("Account-1");
  BOOST_REQUIRE(!replay(acc2, reg, evs));
  BOOST_TEST(acc2.version() == 4);
  BOOST_TEST(acc2.state().balance == 75);
  // The rebuilt aggregate goes on where the original left off.
  execute(acc, "Account-1", close_account{});
  BOOST_TEST(acc.version() == 6);
  BOOST_TEST(acc.state().balance == 0);
  BOOST_TEST((acc.state().status == account_status::closed));
}

BOOST_AUTO_TEST_CASE(replay_after_a_snapshot_reads_only_later_events) {
  write_history();
  account_state snap; // the state after events 1 and 2
  snap.status = account_status::open;
  snap.owner = "Ada";
  snap.balance = 100;
  account acc;
  BOOST_REQUIRE(!acc.restore(snap, 2));
  BOOST_REQUIRE(!replay(acc, reg, read("Account-1", 3)));
  BOOST_TEST(acc.version() == 4);
  BOOST_TEST(acc.state().balance == 75);
  // Events from the start do not follow a snapshot at version 2.
  account again;
  BOOST_REQUIRE(!again.restore(snap, 2));
  auto err = replay(again, reg, read("Account-1"));
  BOOST_TEST((code_of(err) == errc::decode_failed));
  BOOST_TEST(again.version() == 2);
}

BOOST_AUTO_TEST_CASE(replay_rejects_a_gap) {
  write_history();
  auto evs = read("Account-1");
  evs.erase(evs.begin() + 2); // version 3 is missing
  account acc;
  auto err = replay(acc, reg, evs);
  BOOST_TEST((code_of(err) == errc::decode_failed));
  auto text = to_text(err);
  BOOST_TEST(text.find("stream Account-1, version 4") != std::string::npos,
             text);
  BOOST_TEST(text.find("expected stream version 3") != std::string::npos,
             text);
  // The events before the gap are applied; the version says how far.
  BOOST_TEST(acc.version() == 2);
  // A repeated event is rejected as well.
  auto twice = read("Account-1");
  twice.insert(twice.begin() + 1, twice[1]);
  account acc2;
  BOOST_TEST((code_of(replay(acc2, reg, twice)) == errc::decode_failed));
  BOOST_TEST(acc2.version() == 2);
}

BOOST_AUTO_TEST_CASE(replay_rejects_an_event_of_another_type) {
  {
    account acc;
    execute(acc, "Account-2", open_account{"Bob"});
    auto foreign = reg.encode(interest_rate_changed{150});
    BOOST_REQUIRE(foreign);
    auto res = store.append("Account-2", expected_version::exact(1),
                            {*foreign});
    BOOST_REQUIRE_MESSAGE(res, why(res));
  }
  account acc;
  auto err = replay(acc, reg, read("Account-2"));
  BOOST_TEST((code_of(err) == errc::decode_failed));
  auto text = to_text(err);
  BOOST_TEST(text.find("\"InterestRateChanged\"") != std::string::npos, text);
  BOOST_TEST(text.find("not an event of this aggregate") != std::string::npos,
             text);
  BOOST_TEST(acc.version() == 1);
}

BOOST_AUTO_TEST_CASE(replay_passes_on_registry_errors) {
  account acc;
  execute(acc, "Account-3", open_account{"Cy"});
  event_data unknown;
  unknown.type = "SomethingElse";
  unknown.data = "{}";
  event_data broken;
  broken.type = "MoneyDeposited";
  broken.data = R"({"amount":"ten"})";
  BOOST_REQUIRE(store.append("Account-3", expected_version::exact(1),
                             {unknown}));
  BOOST_REQUIRE(store.append("Account-4", expected_version::no_stream(),
                             {broken}));
  account a3;
  BOOST_TEST((code_of(replay(a3, reg, read("Account-3")))
              == errc::unknown_event_type));
  BOOST_TEST(a3.version() == 1);
  account a4;
  BOOST_TEST((code_of(replay(a4, reg, read("Account-4")))
              == errc::decode_failed));
  BOOST_TEST(a4.version() == 0);
}

BOOST_AUTO_TEST_CASE(decode_event_into_the_variant) {
  auto data = encode_event(reg, account_event{money_withdrawn{9}});
  BOOST_REQUIRE_MESSAGE(data, why(data));
  recorded_event ev;
  ev.stream_id = "Account-9";
  ev.stream_version = 1;
  ev.type = data->type;
  ev.data = data->data;
  auto back = decode_event<account_event>(reg, ev);
  BOOST_REQUIRE_MESSAGE(back, why(back));
  BOOST_REQUIRE(std::holds_alternative<money_withdrawn>(*back));
  BOOST_TEST(std::get<money_withdrawn>(*back).amount == 9);
  // Alternatives need no default constructor.
  BOOST_REQUIRE(!reg.add<no_default>(
    "NoDefault", 1,
    [](const no_default& x, rapidjson::Document& doc) { doc.SetInt(x.value); },
    [](const rapidjson::Value& v) -> caf::expected<no_default> {
      if (!v.IsInt())
        return make_error(errc::invalid_argument, "not an int");
      return no_default{v.GetInt()};
    }));
  ev.type = "NoDefault";
  ev.data = "42";
  auto nd = decode_event<std::variant<no_default, account_closed>>(reg, ev);
  BOOST_REQUIRE_MESSAGE(nd, why(nd));
  BOOST_TEST(std::get<no_default>(*nd).value == 42);
}

BOOST_AUTO_TEST_SUITE_END()

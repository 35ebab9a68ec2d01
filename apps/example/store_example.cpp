// A small tour of the event store on the embedded SQLite default: register
// event types (with an upcaster), append with expected versions, see a
// conflict, and read the stream back decoded.

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "mink/errc.hpp"
#include "mink/serialization/event_reader.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/uuid.hpp"

using namespace mink;

namespace {

struct account_opened {
  std::string owner;
};

/// Schema version 2 added the currency; version 1 events were all in EUR.
struct money_deposited {
  int64_t amount = 0;
  std::string currency;
};

caf::error register_events(event_registry& registry) {
  if (auto err = registry.add<account_opened>(
        "AccountOpened", 1,
        [](const account_opened& x, rapidjson::Document& doc) {
          doc.SetObject();
          doc.AddMember("owner", rapidjson::Value{x.owner.c_str(),
                                                  doc.GetAllocator()},
                        doc.GetAllocator());
        },
        [](const rapidjson::Value& v) -> caf::expected<account_opened> {
          if (!v.IsObject() || !v.HasMember("owner") || !v["owner"].IsString())
            return make_error(errc::decode_failed, "AccountOpened.owner");
          return account_opened{v["owner"].GetString()};
        }))
    return err;
  if (auto err = registry.add<money_deposited>(
        "MoneyDeposited", 2,
        [](const money_deposited& x, rapidjson::Document& doc) {
          auto& a = doc.GetAllocator();
          doc.SetObject();
          doc.AddMember("amount", x.amount, a);
          doc.AddMember("currency", rapidjson::Value{x.currency.c_str(), a}, a);
        },
        [](const rapidjson::Value& v) -> caf::expected<money_deposited> {
          if (!v.IsObject() || !v.HasMember("amount") || !v["amount"].IsInt64()
              || !v.HasMember("currency") || !v["currency"].IsString())
            return make_error(errc::decode_failed, "MoneyDeposited fields");
          return money_deposited{v["amount"].GetInt64(),
                                 v["currency"].GetString()};
        }))
    return err;
  return registry.add_upcaster("MoneyDeposited", 1,
                               [](rapidjson::Document& doc) -> caf::error {
                                 doc.AddMember("currency", "EUR",
                                               doc.GetAllocator());
                                 return {};
                               });
}

int fail(const std::string& what, const caf::error& err) {
  std::fprintf(stderr, "mink_example: %s: %s\n", what.c_str(),
               to_text(err).c_str());
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  std::string db = "./data/mink.db";
  CLI::App app{"mink example: the event store on embedded SQLite"};
  app.add_option("--db", db, "SQLite database file (created when missing)");
  CLI11_PARSE(app, argc, argv);

  event_registry registry;
  if (auto err = register_events(registry))
    return fail("registering event types", err);
  auto opened = sqlite_event_store::open(sqlite_config{db});
  if (!opened)
    return fail("opening " + db, opened.error());
  auto& store = **opened;
  std::printf("opened SQLite event store %s\n", db.c_str());

  // A fresh stream per run, so the example can run again and again.
  auto stream = "account-" + make_uuid().substr(0, 8);
  metadata meta;
  meta.correlation_id = make_uuid();
  meta.user_id = "example";

  auto opened_ev = registry.encode(account_opened{"Ada"}, meta);
  if (!opened_ev)
    return fail("encode AccountOpened", opened_ev.error());
  auto res = store.append(stream, expected_version::no_stream(),
                          {*opened_ev});
  if (!res)
    return fail("append AccountOpened", res.error());
  std::printf("appended AccountOpened to %s: version %lld, position %lld\n",
              stream.c_str(), static_cast<long long>(res->version),
              static_cast<long long>(res->positions.back()));

  // An event as an older release wrote it: schema version 1, no currency.
  event_data legacy;
  legacy.type = "MoneyDeposited";
  legacy.schema_version = 1;
  legacy.data = R"({"amount": 100})";
  legacy.meta = meta;
  auto deposit = registry.encode(money_deposited{250, "USD"}, meta);
  if (!deposit)
    return fail("encode MoneyDeposited", deposit.error());
  res = store.append(stream, expected_version::exact(res->version),
                     {legacy, *deposit});
  if (!res)
    return fail("append deposits", res.error());
  std::printf("appended 2 deposits (one at schema version 1): version %lld\n",
              static_cast<long long>(res->version));

  // A writer that read the stream at version 1 is now out of date.
  auto stale = store.append(stream, expected_version::exact(1), {*deposit});
  if (stale)
    return fail("stale append", make_error(errc::storage_failure,
                                           "a stale append was accepted"));
  std::printf("stale append rejected as expected: %s\n",
              to_text(stale.error()).c_str());

  event_reader reader{store, registry};
  auto events = reader.read_stream(stream, 1, 100);
  if (!events)
    return fail("read " + stream, events.error());
  std::printf("read %s back:\n", stream.c_str());
  int64_t balance = 0;
  for (const auto& ev : *events) {
    const auto& env = ev.envelope;
    std::printf("  v%lld @%lld %s (schema %d) %s correlation=%s\n",
                static_cast<long long>(env.stream_version),
                static_cast<long long>(env.global_position), env.type.c_str(),
                env.schema_version, env.data.c_str(),
                env.meta.correlation_id.c_str());
    if (auto dep = ev.get<money_deposited>())
      balance += dep->amount;
  }
  std::printf("sum of deposits: %lld\n", static_cast<long long>(balance));
  auto last = store.last_position();
  if (!last)
    return fail("last position", last.error());
  std::printf("the store at %s holds %lld events\n", db.c_str(),
              static_cast<long long>(*last));
  return 0;
}

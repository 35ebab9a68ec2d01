// The event store without actors, on the embedded SQLite default: declared
// events with an upcaster, appends with expected versions, a conflict, and
// the stream read back decoded. `example_store_tour [database file]`.

#include <cstdio>
#include <string>

#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/serialization/event_reader.hpp"
#include "mink/uuid.hpp"

namespace demo {

struct account_opened { std::string owner; };
MINK_EVENT(account_opened, "AccountOpened", owner)

/// Schema version 2 added the currency; version 1 events were all in EUR.
struct money_deposited { int64_t amount = 0; std::string currency; };
MINK_EVENT(money_deposited, "MoneyDeposited", amount, currency)
MINK_SCHEMA_VERSION(money_deposited, 2)

} // namespace demo

using namespace mink;

int fail(const std::string& what, const caf::error& err) {
  std::fprintf(stderr, "store_tour: %s: %s\n", what.c_str(),
               to_text(err).c_str());
  return 1;
}

int main(int argc, char** argv) {
  std::string db = argc > 1 ? argv[1] : "./data/mink.db";
  event_registry registry;
  auto err = register_events<demo::account_opened, demo::money_deposited>(
    registry);
  if (!err) // version 1 -> 2: the currency that was implied
    err = registry.add_upcaster("MoneyDeposited", 1, [](auto& doc) {
      doc.AddMember("currency", "EUR", doc.GetAllocator());
      return caf::error{};
    });
  if (err)
    return fail("registering event types", err);
  auto opened = sqlite_event_store::open(sqlite_config{db});
  if (!opened)
    return fail("opening " + db, opened.error());
  auto& store = **opened;
  auto stream = "account-" + make_uuid().substr(24); // fresh each run
  metadata meta;
  meta.correlation_id = make_uuid();
  auto first = registry.encode(demo::account_opened{"Ada"}, meta);
  auto res = store.append(stream, expected_version::no_stream(), {*first});
  if (!res)
    return fail("append AccountOpened", res.error());
  // An event as an older release wrote it (schema 1, no currency) and one
  // of today.
  event_data legacy{"", "MoneyDeposited", 1, R"({"amount":100})", meta};
  auto deposit = registry.encode(demo::money_deposited{250, "USD"}, meta);
  res = store.append(stream, expected_version::exact(res->version),
                     {legacy, *deposit});
  if (!res)
    return fail("append deposits", res.error());
  std::printf("appended 3 events to %s: version %lld\n", stream.c_str(),
              static_cast<long long>(res->version));
  // A writer that read the stream at version 1 is now out of date.
  auto stale = store.append(stream, expected_version::exact(1), {*deposit});
  if (stale)
    return fail("stale append", make_error(errc::storage_failure, "accepted"));
  std::printf("stale append refused: %s\n", to_text(stale.error()).c_str());
  event_reader reader{store, registry};
  auto events = reader.read_stream(stream, 1, 100);
  if (!events)
    return fail("read " + stream, events.error());
  int64_t euros = 0;
  for (const auto& ev : *events) {
    std::printf("  v%lld %s (schema %d) %s\n",
                static_cast<long long>(ev.envelope.stream_version),
                ev.envelope.type.c_str(), ev.envelope.schema_version,
                ev.envelope.data.c_str());
    if (auto dep = ev.get<demo::money_deposited>(); dep && dep->currency == "EUR")
      euros += dep->amount;
  }
  bool ok = events->size() == 3 && euros == 100;
  std::puts(ok ? "as expected" : "UNEXPECTED");
  return ok ? 0 : 1;
}

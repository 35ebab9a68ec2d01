// Store adapters outside mink's own (mink/adapters/store_adapter.hpp): one that
// registers its URL scheme opens through parse_store_url and open_stores
// like mink's own, which is all a new adapter folder needs besides its
// stores; bad registrations are refused with a reason.

#include <boost/test/unit_test.hpp>

#include <string>

#include "mink/adapters/memory/memory_checkpoint_store.hpp"
#include "mink/adapters/memory/memory_event_store.hpp"
#include "mink/adapters/memory/memory_snapshot_store.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/open_stores.hpp"
#include "mink/adapters/store_adapter.hpp"
#include "../support/error_text.hpp"

using namespace mink;
using namespace mink::test_support;

namespace {

/// `scratch:NAME` (NAME not empty): the memory stores, under another name.
caf::expected<store_location> parse_scratch(const std::string& url) {
  store_location x;
  x.path = url.substr(url.find(':') + 1);
  if (x.path.empty())
    return make_error(errc::invalid_argument, "scratch: needs a name");
  return x;
}

template <class Port, class Memory>
caf::expected<std::unique_ptr<Port>> open_scratch(const store_location&,
                                                  const open_options&) {
  return std::unique_ptr<Port>{new Memory};
}

caf::expected<schema_version> scratch_schema(const store_location& where,
                                             const open_options&) {
  return schema_version{where.path == "old" ? 1 : 2, 2};
}

store_adapter scratch_adapter() {
  store_adapter x;
  x.kind = store_kind::other;
  x.scheme = "scratch";
  x.parse = parse_scratch;
  x.read_schema = scratch_schema;
  x.open_events = open_scratch<event_store, memory_event_store>;
  x.open_snapshots = open_scratch<snapshot_store, memory_snapshot_store>;
  x.open_checkpoints = open_scratch<checkpoint_store, memory_checkpoint_store>;
  return x;
}

bool contains(const std::string& x, const std::string& part) {
  return x.find(part) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(store_adapters)

BOOST_AUTO_TEST_CASE(an_adapter_of_ones_own_opens_from_its_url) {
  BOOST_REQUIRE(!register_store_adapter(scratch_adapter()));
  auto where = parse_store_url("scratch:one");
  BOOST_REQUIRE_MESSAGE(where, why(where));
  BOOST_TEST((where->kind == store_kind::other));
  BOOST_TEST(where->scheme == "scratch");
  BOOST_TEST(where->path == "one");
  BOOST_TEST(where->describe() == "scratch (one)");
  auto stores = open_stores("scratch:one");
  BOOST_REQUIRE_MESSAGE(stores, why(stores));
  BOOST_TEST(stores->description == "scratch (one)");
  BOOST_TEST(!stores->sql);
  auto res = stores->events->append("s-1", expected_version::no_stream(),
                                    {event_data{"", "e", 1, "{}", {}}});
  BOOST_REQUIRE(res);
  BOOST_TEST(*stores->events->last_position() == 1);
  // Its parser's errors and its schema check apply.
  auto empty = parse_store_url("scratch:");
  BOOST_REQUIRE(!empty);
  BOOST_TEST(contains(to_text(empty.error()), "scratch: needs a name"));
  open_options no_migrate;
  no_migrate.migrate = false;
  auto old = open_stores("scratch:old", no_migrate);
  BOOST_REQUIRE(!old);
  BOOST_TEST(contains(to_text(old.error()), "mink migrate up"));
  BOOST_TEST(static_cast<bool>(open_stores("scratch:new", no_migrate)));
  // Unknown schemes are told the registered ones.
  auto unknown = parse_store_url("nosuch:x");
  BOOST_REQUIRE(!unknown);
  BOOST_TEST(contains(to_text(unknown.error()), "scratch:..."));
}

BOOST_AUTO_TEST_CASE(bad_registrations_are_refused_with_a_reason) {
  auto reserved = scratch_adapter();
  reserved.scheme = "sqlite";
  auto err = register_store_adapter(reserved);
  BOOST_TEST((code_of(err) == errc::invalid_argument));
  BOOST_TEST(contains(to_text(err), "not one of mink's own"));
  auto malformed = scratch_adapter();
  malformed.scheme = "Has Space";
  BOOST_TEST((code_of(register_store_adapter(malformed))
              == errc::invalid_argument));
  auto no_parser = scratch_adapter();
  no_parser.scheme = "noparse";
  no_parser.parse = nullptr;
  err = register_store_adapter(no_parser);
  BOOST_TEST(contains(to_text(err), "needs parse"));
  // None of them took a scheme.
  BOOST_TEST(!parse_store_url("noparse:x"));
  BOOST_TEST((parse_store_url("sqlite:x.db")->kind == store_kind::sqlite));
}

BOOST_AUTO_TEST_SUITE_END()

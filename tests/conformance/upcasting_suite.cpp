// Conformance: events stored at an old schema version come back upcast and
// decoded through `event_reader`, whatever store holds them. The store itself
// returns what was written.

#include "fixture.hpp"

#include <rapidjson/document.h>

#include "mink/serialization/decoded_event.hpp"
#include "mink/serialization/event_reader.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/serialization/upcaster.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

/// Version 1 stored `{"name": "First Last"}`; version 2 splits the name;
/// version 3 adds `vip`.
struct user_registered {
  std::string first;
  std::string last;
  bool vip = false;
};

/// Never upcast; version 1 is current.
struct user_renamed {
  std::string first;
};

std::string get_string(const rapidjson::Value& x, const char* key) {
  auto i = x.FindMember(key);
  if (i == x.MemberEnd() || !i->value.IsString())
    return {};
  return {i->value.GetString(), i->value.GetStringLength()};
}

/// Splits `name` into `first` and `last` (1 -> 2).
caf::error split_name(rapidjson::Document& d) {
  if (!d.IsObject() || !d.HasMember("name") || !d["name"].IsString())
    return make_error(errc::decode_failed, "version 1 needs a name");
  auto name = get_string(d, "name");
  auto space = name.find(' ');
  auto first = name.substr(0, space);
  auto last = space == std::string::npos ? std::string{}
                                         : name.substr(space + 1);
  auto& alloc = d.GetAllocator();
  d.RemoveMember("name");
  d.AddMember("first", rapidjson::Value{first.c_str(), alloc}, alloc);
  d.AddMember("last", rapidjson::Value{last.c_str(), alloc}, alloc);
  return {};
}

/// Adds `vip: false` (2 -> 3).
caf::error add_vip(rapidjson::Document& d) {
  if (!d.IsObject())
    return make_error(errc::decode_failed, "version 2 must be an object");
  d.AddMember("vip", false, d.GetAllocator());
  return {};
}

void encode_user(const user_registered& x, rapidjson::Document& d) {
  d.SetObject();
  auto& alloc = d.GetAllocator();
  d.AddMember("first", rapidjson::Value{x.first.c_str(), alloc}, alloc);
  d.AddMember("last", rapidjson::Value{x.last.c_str(), alloc}, alloc);
  d.AddMember("vip", x.vip, alloc);
}

caf::expected<user_registered> decode_user(const rapidjson::Value& x) {
  if (!x.IsObject() || !x.HasMember("first") || !x.HasMember("last"))
    return make_error(errc::decode_failed, "user_registered: missing fields");
  user_registered result;
  result.first = get_string(x, "first");
  result.last = get_string(x, "last");
  if (auto i = x.FindMember("vip"); i != x.MemberEnd() && i->value.IsBool())
    result.vip = i->value.GetBool();
  return result;
}

void encode_renamed(const user_renamed& x, rapidjson::Document& d) {
  d.SetObject();
  d.AddMember("first", rapidjson::Value{x.first.c_str(), d.GetAllocator()},
              d.GetAllocator());
}

caf::expected<user_renamed> decode_renamed(const rapidjson::Value& x) {
  if (!x.IsObject())
    return make_error(errc::decode_failed, "user_renamed: not an object");
  return user_renamed{get_string(x, "first")};
}

/// Stores raw events and reads them through a registry.
struct upcasting_fixture : store_fixture {
  /// Registers `user_registered` at `version` with the steps up to it.
  void register_user(int32_t version) {
    auto err = registry.add<user_registered>("user_registered", version,
                                             encode_user, decode_user);
    BOOST_REQUIRE_MESSAGE(!err, "add: " << describe(err));
    std::vector<upcast_fn> steps{split_name, add_vip};
    if (version >= 2) {
      steps.resize(static_cast<size_t>(version - 1));
      err = registry.add_upcasters("user_registered", 1, std::move(steps));
      BOOST_REQUIRE_MESSAGE(!err, "add_upcasters: " << describe(err));
    }
    err = registry.add<user_renamed>("user_renamed", 1, encode_renamed,
                                     decode_renamed);
    BOOST_REQUIRE_MESSAGE(!err, "add: " << describe(err));
  }

  /// Makes an event as an old writer stored it.
  static event_data raw(std::string type, int32_t version, std::string data) {
    auto result = make_event(std::move(type), std::move(data));
    result.schema_version = version;
    return result;
  }

  event_registry registry;
};

/// Checks a decoded `user_registered`.
void check_user(const decoded_event& x, const std::string& first,
                const std::string& last, bool vip = false) {
  auto user = x.get<user_registered>();
  BOOST_REQUIRE_MESSAGE(user != nullptr,
                        "position " << x.envelope.global_position
                                    << " is not a user_registered");
  BOOST_TEST(user->first == first);
  BOOST_TEST(user->last == last);
  BOOST_TEST(user->vip == vip);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(upcasting_suite, upcasting_fixture)

BOOST_AUTO_TEST_CASE(v1_events_are_upcast_to_v2_on_read) {
  register_user(2);
  auto meta = metadata{};
  meta.correlation_id = "corr-1";
  auto old = raw("user_registered", 1, R"({"name": "Ada Lovelace"})");
  old.meta = meta;
  old.event_id = make_uuid();
  append_n("other-1", 1);
  append_ok("user-1", {old}, ev::no_stream());
  event_reader reader{*store, registry};
  auto res = reader.read_stream("user-1", 1, 10);
  MINK_REQUIRE_OK(res);
  BOOST_REQUIRE_EQUAL(res->size(), 1u);
  const auto& x = res->front();
  check_user(x, "Ada", "Lovelace");
  BOOST_TEST(x.envelope.schema_version == 2);
  BOOST_TEST(x.envelope.type == "user_registered");
  BOOST_TEST(x.envelope.event_id == old.event_id);
  BOOST_TEST(x.envelope.stream_id == "user-1");
  BOOST_TEST(x.envelope.stream_version == 1);
  BOOST_TEST(x.envelope.global_position == 2);
  BOOST_TEST(x.envelope.timestamp_us > 0);
  BOOST_CHECK(x.envelope.meta == meta);
  // The envelope's data is the upcast document.
  rapidjson::Document doc;
  doc.Parse(x.envelope.data.c_str());
  BOOST_REQUIRE_MESSAGE(!doc.HasParseError() && doc.IsObject(),
                        "envelope data: " << x.envelope.data);
  BOOST_TEST(!doc.HasMember("name"));
  BOOST_TEST(get_string(doc, "first") == "Ada");
  BOOST_TEST(get_string(doc, "last") == "Lovelace");
}

BOOST_AUTO_TEST_CASE(store_keeps_the_stored_version) {
  register_user(2);
  const std::string data = R"({"name": "Ada Lovelace"})";
  append_ok("user-1", {raw("user_registered", 1, data)});
  event_reader reader{*store, registry};
  MINK_REQUIRE_OK(reader.read_stream("user-1", 1, 10));
  // Upcasting happens on read only: the store still holds version 1.
  auto events = read_stream_all("user-1");
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  BOOST_TEST(events[0].schema_version == 1);
  BOOST_TEST(events[0].data == data);
}

BOOST_AUTO_TEST_CASE(mixed_versions_in_one_stream) {
  register_user(2);
  std::vector<event_data> events;
  events.push_back(raw("user_registered", 1, R"({"name":"Ada Lovelace"})"));
  events.push_back(
    raw("user_registered", 2, R"({"first":"Grace","last":"Hopper"})"));
  events.push_back(raw("user_renamed", 1, R"({"first":"Augusta"})"));
  events.push_back(raw("user_registered", 1, R"({"name":"Alan Turing"})"));
  append_ok("user-1", std::move(events));
  event_reader reader{*store, registry};
  auto res = reader.read_stream("user-1", 1, 10);
  MINK_REQUIRE_OK(res);
  BOOST_REQUIRE_EQUAL(res->size(), 4u);
  check_user((*res)[0], "Ada", "Lovelace");
  check_user((*res)[1], "Grace", "Hopper");
  auto renamed = (*res)[2].get<user_renamed>();
  BOOST_REQUIRE(renamed != nullptr);
  BOOST_TEST(renamed->first == "Augusta");
  BOOST_TEST((*res)[2].get<user_registered>() == nullptr);
  check_user((*res)[3], "Alan", "Turing");
  BOOST_TEST((*res)[0].envelope.schema_version == 2);
  BOOST_TEST((*res)[1].envelope.schema_version == 2);
  BOOST_TEST((*res)[2].envelope.schema_version == 1);
  BOOST_TEST((*res)[3].envelope.schema_version == 2);
  // Backward reads upcast as well.
  auto back = reader.read_stream("user-1", mink::end_of_stream, 2,
                                 read_direction::backward);
  MINK_REQUIRE_OK(back);
  BOOST_REQUIRE_EQUAL(back->size(), 2u);
  check_user((*back)[0], "Alan", "Turing");
  BOOST_TEST((*back)[0].envelope.stream_version == 4);
  BOOST_TEST((*back)[1].get<user_renamed>() != nullptr);
}

BOOST_AUTO_TEST_CASE(upcasters_chain_across_versions) {
  register_user(3);
  append_ok("user-1",
            {raw("user_registered", 1, R"({"name":"Ada Lovelace"})"),
             raw("user_registered", 2, R"({"first":"Grace","last":"Hopper"})"),
             raw("user_registered", 3,
                 R"({"first":"Alan","last":"Turing","vip":true})")});
  event_reader reader{*store, registry};
  auto res = reader.read_stream("user-1", 1, 10);
  MINK_REQUIRE_OK(res);
  BOOST_REQUIRE_EQUAL(res->size(), 3u);
  check_user((*res)[0], "Ada", "Lovelace", false);
  check_user((*res)[1], "Grace", "Hopper", false);
  check_user((*res)[2], "Alan", "Turing", true);
  for (const auto& x : *res)
    BOOST_TEST(x.envelope.schema_version == 3);
}

BOOST_AUTO_TEST_CASE(read_all_decodes_and_filters) {
  register_user(2);
  append_ok("user-1", {raw("user_registered", 1, R"({"name":"Ada L"})")});
  append_ok("team-1", {raw("user_renamed", 1, R"({"first":"x"})")});
  append_ok("user-2", {raw("user_registered", 1, R"({"name":"Bo M"})"),
                       raw("user_renamed", 1, R"({"first":"Bob"})")});
  event_reader reader{*store, registry};
  auto all = reader.read_all(1, 100);
  MINK_REQUIRE_OK(all);
  BOOST_REQUIRE_EQUAL(all->size(), 4u);
  check_user((*all)[0], "Ada", "L");
  check_user((*all)[2], "Bo", "M");
  BOOST_TEST((*all)[2].envelope.schema_version == 2);
  BOOST_TEST((*all)[2].envelope.global_position == 3);
  read_filter f;
  f.category = "user";
  f.event_types = {"user_registered"};
  auto filtered = reader.read_all(2, 100, f);
  MINK_REQUIRE_OK(filtered);
  BOOST_REQUIRE_EQUAL(filtered->size(), 1u);
  check_user((*filtered)[0], "Bo", "M");
}

BOOST_AUTO_TEST_CASE(encoded_events_round_trip) {
  register_user(3);
  auto x = registry.encode(user_registered{"Edsger", "Dijkstra", true});
  MINK_REQUIRE_OK(x);
  BOOST_TEST(x->schema_version == 3);
  BOOST_TEST(x->type == "user_registered");
  append_ok("user-1", {*x});
  event_reader reader{*store, registry};
  auto res = reader.read_stream("user-1", 1, 10);
  MINK_REQUIRE_OK(res);
  BOOST_REQUIRE_EQUAL(res->size(), 1u);
  check_user(res->front(), "Edsger", "Dijkstra", true);
  BOOST_TEST(res->front().envelope.schema_version == 3);
  BOOST_TEST(res->front().envelope.data == x->data);
}

BOOST_AUTO_TEST_CASE(unknown_type_fails_decoding_reads_only) {
  register_user(2);
  append_ok("user-1", {raw("user_registered", 1, R"({"name":"Ada L"})"),
                       raw("user_deleted", 4, R"({"why": "gdpr"})")});
  event_reader reader{*store, registry};
  MINK_CHECK_ERRC(reader.read_stream("user-1", 1, 10),
                  errc::unknown_event_type);
  MINK_CHECK_ERRC(reader.read_all(1, 10), errc::unknown_event_type);
  // Reads that stop before the unknown event succeed.
  auto first = reader.read_stream("user-1", 1, 1);
  MINK_REQUIRE_OK(first);
  BOOST_TEST(first->size() == 1u);
  // Raw reads return every event: known types upcast, unknown unchanged.
  auto raw_events = reader.read_stream_raw("user-1", 1, 10);
  MINK_REQUIRE_OK(raw_events);
  BOOST_REQUIRE_EQUAL(raw_events->size(), 2u);
  BOOST_TEST((*raw_events)[0].schema_version == 2);
  BOOST_TEST((*raw_events)[1].type == "user_deleted");
  BOOST_TEST((*raw_events)[1].schema_version == 4);
  BOOST_TEST((*raw_events)[1].data == R"({"why": "gdpr"})");
  auto raw_all = reader.read_all_raw(1, 10);
  MINK_REQUIRE_OK(raw_all);
  BOOST_REQUIRE_EQUAL(raw_all->size(), 2u);
  BOOST_TEST((*raw_all)[1].type == "user_deleted");
  BOOST_TEST((*raw_all)[1].global_position == 2);
  read_filter f;
  f.event_types = {"user_deleted"};
  auto raw_filtered = reader.read_all_raw(1, 10, f);
  MINK_REQUIRE_OK(raw_filtered);
  BOOST_REQUIRE_EQUAL(raw_filtered->size(), 1u);
  BOOST_TEST(raw_filtered->front().data == R"({"why": "gdpr"})");
}

BOOST_AUTO_TEST_CASE(undecodable_events_fail_with_decode_failed) {
  register_user(2);
  // Version 1 without a name: the upcaster refuses it.
  append_ok("user-1", {raw("user_registered", 1, R"({"nom":"x"})")});
  // Stored at a version newer than the registered one.
  append_ok("user-2", {raw("user_registered", 5, R"({"first":"a"})")});
  event_reader reader{*store, registry};
  MINK_CHECK_ERRC(reader.read_stream("user-1", 1, 10), errc::decode_failed);
  MINK_CHECK_ERRC(reader.read_stream_raw("user-1", 1, 10),
                  errc::decode_failed);
  MINK_CHECK_ERRC(reader.read_stream("user-2", 1, 10), errc::decode_failed);
  // The store still returns them.
  BOOST_TEST(read_everything().size() == 2u);
}

BOOST_AUTO_TEST_CASE(store_errors_pass_through_the_reader) {
  register_user(2);
  event_reader reader{*store, registry};
  MINK_CHECK_ERRC(reader.read_stream("user-1", 1, 10), errc::stream_not_found);
  MINK_CHECK_ERRC(reader.read_stream_raw("user-1", 1, 10),
                  errc::stream_not_found);
  MINK_CHECK_ERRC(reader.read_stream("user-1", 0, 10), errc::invalid_argument);
  MINK_CHECK_ERRC(reader.read_stream("", 1, 10), errc::invalid_argument);
  MINK_CHECK_ERRC(reader.read_all(0, 10), errc::invalid_argument);
  MINK_CHECK_ERRC(reader.read_all_raw(0, 10), errc::invalid_argument);
  auto empty = reader.read_all(1, 10);
  MINK_REQUIRE_OK(empty);
  BOOST_TEST(empty->empty());
}

BOOST_AUTO_TEST_SUITE_END()

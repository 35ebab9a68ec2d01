#include "mink/serialization/upcaster.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "mink/errc.hpp"
#include "mink/serialization/event_reader.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/adapters/memory/memory_event_store.hpp"
#include "../support/error_text.hpp"

using namespace mink;
using namespace mink::test_support;

namespace {

/// Version 1: {"name": "Ada Lovelace"}
/// Version 2: {"first": "Ada", "last": "Lovelace"}
/// Version 3: {"first": "Ada", "last": "Lovelace", "email": ""}
struct user_registered {
  std::string first;
  std::string last;
  std::string email;
};

std::string get_string(const rapidjson::Value& v, const char* key) {
  auto i = v.FindMember(key);
  if (i == v.MemberEnd() || !i->value.IsString())
    return {};
  return {i->value.GetString(), i->value.GetStringLength()};
}

/// Registers `UserRegistered` at `version` (2 or 3) without upcasters.
void add_user(event_registry& reg, int32_t version) {
  auto encode = [version](const user_registered& x, rapidjson::Document& doc) {
    auto& alloc = doc.GetAllocator();
    doc.SetObject();
    doc.AddMember("first", json_string(x.first, alloc), alloc);
    doc.AddMember("last", json_string(x.last, alloc), alloc);
    if (version >= 3)
      doc.AddMember("email", json_string(x.email, alloc), alloc);
  };
  auto decode = [version](const rapidjson::Value& v)
    -> caf::expected<user_registered> {
    if (!v.IsObject() || !v.HasMember("first") || !v.HasMember("last")
        || (version >= 3 && !v.HasMember("email")))
      return make_error(errc::invalid_argument, "field missing");
    return user_registered{get_string(v, "first"), get_string(v, "last"),
                           get_string(v, "email")};
  };
  BOOST_REQUIRE(!reg.add<user_registered>("UserRegistered", version, encode,
                                          decode));
}

/// 1 -> 2: splits `name` into `first` and `last`.
caf::error split_name(rapidjson::Document& doc) {
  if (!doc.IsObject() || !doc.HasMember("name") || !doc["name"].IsString())
    return make_error(errc::invalid_argument, "v1 without a name");
  auto name = get_string(doc, "name");
  auto space = name.find(' ');
  auto& alloc = doc.GetAllocator();
  doc.RemoveMember("name");
  doc.AddMember("first", json_string(name.substr(0, space), alloc), alloc);
  doc.AddMember("last",
                json_string(space == std::string::npos ? "" : name.substr(space + 1),
                    alloc),
                alloc);
  return {};
}

/// 2 -> 3: adds an empty `email`.
caf::error add_email(rapidjson::Document& doc) {
  doc.AddMember("email", "", doc.GetAllocator());
  return {};
}

caf::error noop(rapidjson::Document&) {
  return {};
}

recorded_event stored(int32_t version, std::string data,
                      std::string type = "UserRegistered") {
  recorded_event ev;
  ev.event_id = "6f1c2a0e-0000-4000-8000-000000000002";
  ev.stream_id = "User-1";
  ev.stream_version = 1;
  ev.global_position = 1;
  ev.type = std::move(type);
  ev.schema_version = version;
  ev.data = std::move(data);
  return ev;
}

event_data raw_event(std::string type, int32_t version, std::string data) {
  event_data x;
  x.type = std::move(type);
  x.schema_version = version;
  x.data = std::move(data);
  return x;
}

} // namespace

BOOST_AUTO_TEST_SUITE(upcaster_tests)

BOOST_AUTO_TEST_CASE(bad_steps_are_rejected) {
  event_registry reg;
  add_user(reg, 3);
  BOOST_TEST(code(reg.add_upcaster("Mystery", 1, noop)) == "invalid_argument");
  BOOST_TEST(code(reg.add_upcaster("UserRegistered", 0, noop))
             == "invalid_argument");
  BOOST_TEST(code(reg.add_upcaster("UserRegistered", -1, noop))
             == "invalid_argument");
  BOOST_TEST(code(reg.add_upcaster("UserRegistered", 1, nullptr))
             == "invalid_argument");
  // 3 -> 4 is above the current version 3.
  auto err = reg.add_upcaster("UserRegistered", 3, noop);
  BOOST_TEST(code(err) == "invalid_argument");
  BOOST_TEST(to_text(err).find("UserRegistered") != std::string::npos);
  BOOST_TEST(code(reg.add_upcaster("UserRegistered", INT32_MAX, noop))
             == "invalid_argument");
}

BOOST_AUTO_TEST_CASE(duplicate_step_is_rejected) {
  event_registry reg;
  add_user(reg, 3);
  BOOST_TEST(!reg.add_upcaster("UserRegistered", 2, add_email));
  BOOST_TEST(code(reg.add_upcaster("UserRegistered", 2, add_email))
             == "invalid_argument");
}

BOOST_AUTO_TEST_CASE(gap_is_rejected) {
  event_registry reg;
  add_user(reg, 3);
  // 1 -> 2 first would leave 2 -> 3 missing.
  BOOST_TEST(code(reg.add_upcaster("UserRegistered", 1, split_name))
             == "invalid_argument");
  event_registry reg5;
  BOOST_REQUIRE(!reg5.add<user_registered>(
    "U", 5, [](const user_registered&, rapidjson::Document&) {},
    [](const rapidjson::Value&) -> caf::expected<user_registered> {
      return user_registered{};
    }));
  BOOST_TEST(code(reg5.add_upcaster("U", 2, noop)) == "invalid_argument");
  BOOST_TEST(!reg5.add_upcaster("U", 4, noop));
  // 2 -> 3 would leave 3 -> 4 missing.
  BOOST_TEST(code(reg5.add_upcaster("U", 2, noop)) == "invalid_argument");
  // Directly below the lowest step is fine, down to version 1.
  BOOST_TEST(!reg5.add_upcaster("U", 3, noop));
  BOOST_TEST(!reg5.add_upcaster("U", 2, noop));
  BOOST_TEST(!reg5.add_upcaster("U", 1, noop));
}

BOOST_AUTO_TEST_CASE(whole_chains_must_reach_the_current_version) {
  event_registry reg;
  add_user(reg, 4);
  // 1 -> 2 -> 3 stops short of version 4.
  BOOST_TEST(code(reg.add_upcasters("UserRegistered", 1, {noop, noop}))
             == "invalid_argument");
  BOOST_TEST(code(reg.add_upcasters("UserRegistered", 1, {})) == "invalid_argument");
  BOOST_TEST(code(reg.add_upcasters("UserRegistered", 2, {noop, nullptr}))
             == "invalid_argument");
  // Nothing of a rejected chain was registered.
  BOOST_TEST(!reg.add_upcasters("UserRegistered", 2, {noop, noop}));
  // A lower chain must end where the registered steps start.
  BOOST_TEST(code(reg.add_upcasters("UserRegistered", 1, {noop, noop}))
             == "invalid_argument");
  BOOST_TEST(!reg.add_upcasters("UserRegistered", 1, {noop}));
  BOOST_TEST(code(reg.add_upcaster("UserRegistered", 1, noop))
             == "invalid_argument");
}

BOOST_AUTO_TEST_CASE(chain_is_applied_on_decode) {
  event_registry reg;
  add_user(reg, 3);
  int first_calls = 0;
  int second_calls = 0;
  // Registered top-down to check that order does not matter.
  BOOST_REQUIRE(!reg.add_upcaster("UserRegistered", 2,
                                  [&](rapidjson::Document& doc) {
                                    ++second_calls;
                                    return add_email(doc);
                                  }));
  BOOST_REQUIRE(!reg.add_upcaster("UserRegistered", 1,
                                  [&](rapidjson::Document& doc) {
                                    ++first_calls;
                                    return split_name(doc);
                                  }));
  auto v1 = reg.decode(stored(1, R"({"name":"Ada Lovelace"})"));
  BOOST_REQUIRE_MESSAGE(v1, why(v1));
  BOOST_TEST(v1->envelope.schema_version == 3);
  BOOST_TEST(v1->envelope.data
             == R"({"first":"Ada","last":"Lovelace","email":""})");
  const auto* user = v1->get<user_registered>();
  BOOST_REQUIRE(user != nullptr);
  BOOST_TEST(user->first == "Ada");
  BOOST_TEST(user->last == "Lovelace");
  BOOST_TEST(first_calls == 1);
  BOOST_TEST(second_calls == 1);
  // A version 2 event only takes the last step.
  auto v2 = reg.decode(stored(2, R"({"first":"Grace","last":"Hopper"})"));
  BOOST_REQUIRE(v2);
  BOOST_TEST(v2->envelope.schema_version == 3);
  BOOST_TEST(v2->get<user_registered>()->first == "Grace");
  BOOST_TEST(first_calls == 1);
  BOOST_TEST(second_calls == 2);
  // A current event takes none and keeps its stored text.
  auto v3_data = R"({"first":"A", "last":"B", "email":"a@b"})";
  auto v3 = reg.decode(stored(3, v3_data));
  BOOST_REQUIRE(v3);
  BOOST_TEST(v3->envelope.data == v3_data);
  BOOST_TEST(v3->get<user_registered>()->email == "a@b");
  BOOST_TEST(second_calls == 2);
  // Raw upcast raises the data the same way.
  auto up = reg.upcast(stored(1, R"({"name":"Ada Lovelace"})"));
  BOOST_REQUIRE(up);
  BOOST_TEST(up->schema_version == 3);
  BOOST_TEST(up->data == R"({"first":"Ada","last":"Lovelace","email":""})");
}

BOOST_AUTO_TEST_CASE(newer_stored_version_is_decode_failed) {
  event_registry reg;
  add_user(reg, 2);
  BOOST_REQUIRE(!reg.add_upcaster("UserRegistered", 1, split_name));
  auto decoded = reg.decode(stored(3, R"({"first":"A","last":"B"})"));
  BOOST_REQUIRE(!decoded);
  BOOST_TEST(code(decoded.error()) == "decode_failed");
  auto text = to_text(decoded.error());
  BOOST_TEST(text.find("UserRegistered") != std::string::npos);
  BOOST_TEST(text.find("version 3") != std::string::npos);
  BOOST_TEST(text.find("version 2") != std::string::npos);
  auto up = reg.upcast(stored(3, "{}"));
  BOOST_REQUIRE(!up);
  BOOST_TEST(code(up.error()) == "decode_failed");
}

BOOST_AUTO_TEST_CASE(missing_step_is_decode_failed) {
  event_registry reg;
  add_user(reg, 3);
  BOOST_REQUIRE(!reg.add_upcaster("UserRegistered", 2, add_email));
  auto decoded = reg.decode(stored(1, R"({"name":"Ada Lovelace"})"));
  BOOST_REQUIRE(!decoded);
  BOOST_TEST(code(decoded.error()) == "decode_failed");
  auto text = to_text(decoded.error());
  BOOST_TEST(text.find("UserRegistered") != std::string::npos);
  BOOST_TEST(text.find("from version 1 to 2") != std::string::npos);
  // Without any step, the highest step is the missing one too.
  event_registry bare;
  add_user(bare, 3);
  auto none = bare.decode(stored(2, R"({"first":"A","last":"B"})"));
  BOOST_REQUIRE(!none);
  BOOST_TEST(code(none.error()) == "decode_failed");
  BOOST_TEST(to_text(none.error()).find("from version 2 to 3")
             != std::string::npos);
  // Version 0 cannot be upcast either.
  auto zero = bare.decode(stored(0, "{}"));
  BOOST_REQUIRE(!zero);
  BOOST_TEST(code(zero.error()) == "decode_failed");
}

BOOST_AUTO_TEST_CASE(upcaster_error_is_decode_failed) {
  event_registry reg;
  add_user(reg, 3);
  BOOST_REQUIRE(!reg.add_upcasters("UserRegistered", 1,
                                   {split_name, add_email}));
  // split_name fails on a v1 event without a name.
  auto decoded = reg.decode(stored(1, R"({"nom":"x"})"));
  BOOST_REQUIRE(!decoded);
  BOOST_TEST(code(decoded.error()) == "decode_failed");
  auto text = to_text(decoded.error());
  BOOST_TEST(text.find("v1 without a name") != std::string::npos);
  BOOST_TEST(text.find("from version 1 to 2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(upcaster_exception_is_decode_failed) {
  event_registry reg;
  add_user(reg, 2);
  BOOST_REQUIRE(!reg.add_upcaster("UserRegistered", 1,
                                  [](rapidjson::Document&) -> caf::error {
                                    throw std::runtime_error("kaputt");
                                  }));
  auto decoded = reg.decode(stored(1, "{}"));
  BOOST_REQUIRE(!decoded);
  BOOST_TEST(code(decoded.error()) == "decode_failed");
  BOOST_TEST(to_text(decoded.error()).find("kaputt") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_old_json_is_decode_failed) {
  event_registry reg;
  add_user(reg, 2);
  BOOST_REQUIRE(!reg.add_upcaster("UserRegistered", 1, split_name));
  for (auto data : {"{\"name\":", "{\"name\":\"x\"} x", "\"\xc3\x28\""}) {
    auto decoded = reg.decode(stored(1, data));
    BOOST_REQUIRE(!decoded);
    BOOST_TEST(code(decoded.error()) == "decode_failed");
    auto up = reg.upcast(stored(1, data));
    BOOST_REQUIRE(!up);
    BOOST_TEST(code(up.error()) == "decode_failed");
  }
}

BOOST_AUTO_TEST_CASE(upcast_producing_nan_is_decode_failed) {
  event_registry reg;
  add_user(reg, 2);
  BOOST_REQUIRE(!reg.add_upcaster("UserRegistered", 1,
                                  [](rapidjson::Document& doc) {
                                    doc.SetDouble(std::nan(""));
                                    return caf::error{};
                                  }));
  auto up = reg.upcast(stored(1, "{}"));
  BOOST_REQUIRE(!up);
  BOOST_TEST(code(up.error()) == "decode_failed");
}

BOOST_AUTO_TEST_CASE(event_reader_over_memory_store) {
  event_registry reg;
  add_user(reg, 2);
  BOOST_REQUIRE(!reg.add_upcaster("UserRegistered", 1, split_name));
  memory_event_store store;
  // Two events written by an old version of the program, one by this one.
  std::vector<event_data> events;
  events.push_back(raw_event("UserRegistered", 1, R"({"name":"Ada Lovelace"})"));
  events.push_back(raw_event("UserRegistered", 1, R"({"name":"Alan Turing"})"));
  auto current = reg.encode(user_registered{"Grace", "Hopper", ""});
  BOOST_REQUIRE(current);
  events.push_back(*current);
  BOOST_REQUIRE(store.append("User-1", expected_version::no_stream(),
                             std::move(events)));
  event_reader reader{store, reg};
  auto users = reader.read_stream("User-1", 1, 10);
  BOOST_REQUIRE_MESSAGE(users, why(users));
  BOOST_REQUIRE_EQUAL(users->size(), 3u);
  const char* firsts[] = {"Ada", "Alan", "Grace"};
  for (size_t i = 0; i < 3; ++i) {
    const auto& x = (*users)[i];
    BOOST_TEST(x.envelope.schema_version == 2);
    BOOST_TEST(x.envelope.stream_version == static_cast<int64_t>(i + 1));
    BOOST_TEST(x.get<user_registered>()->first == firsts[i]);
  }
  BOOST_TEST((*users)[0].get<user_registered>()->last == "Lovelace");
  auto backward = reader.read_stream("User-1", end_of_stream, 2,
                                     read_direction::backward);
  BOOST_REQUIRE(backward);
  BOOST_REQUIRE_EQUAL(backward->size(), 2u);
  BOOST_TEST((*backward)[0].get<user_registered>()->first == "Grace");
  BOOST_TEST((*backward)[1].get<user_registered>()->first == "Alan");
  auto all = reader.read_all(1, 100);
  BOOST_REQUIRE(all);
  BOOST_TEST(all->size() == 3u);
  // Store errors pass through.
  auto missing = reader.read_stream("User-2", 1, 10);
  BOOST_REQUIRE(!missing);
  BOOST_TEST(code(missing.error()) == "stream_not_found");
  auto bad = reader.read_all(0, 10);
  BOOST_REQUIRE(!bad);
  BOOST_TEST(code(bad.error()) == "invalid_argument");
  // An event of a type that no one registered.
  BOOST_REQUIRE(store.append("Other-1", expected_version::any(),
                             {raw_event("Mystery", 4, R"({"x":1})")}));
  auto decoded = reader.read_all(1, 100);
  BOOST_REQUIRE(!decoded);
  BOOST_TEST(code(decoded.error()) == "unknown_event_type");
  BOOST_TEST(to_text(decoded.error()).find("Mystery") != std::string::npos);
  auto other = reader.read_stream("Other-1", 1, 10);
  BOOST_REQUIRE(!other);
  BOOST_TEST(code(other.error()) == "unknown_event_type");
  // Skipping it with a filter works.
  read_filter only_users;
  only_users.category = "User";
  auto filtered = reader.read_all(1, 100, only_users);
  BOOST_REQUIRE(filtered);
  BOOST_TEST(filtered->size() == 3u);
  // Raw reads see every event: upcast where known, unchanged otherwise.
  auto raw = reader.read_all_raw(1, 100);
  BOOST_REQUIRE_MESSAGE(raw, why(raw));
  BOOST_REQUIRE_EQUAL(raw->size(), 4u);
  BOOST_TEST((*raw)[0].schema_version == 2);
  BOOST_TEST((*raw)[0].data == R"({"first":"Ada","last":"Lovelace"})");
  BOOST_TEST((*raw)[3].type == "Mystery");
  BOOST_TEST((*raw)[3].schema_version == 4);
  BOOST_TEST((*raw)[3].data == R"({"x":1})");
  auto raw_stream = reader.read_stream_raw("Other-1", 1, 10);
  BOOST_REQUIRE(raw_stream);
  BOOST_REQUIRE_EQUAL(raw_stream->size(), 1u);
  BOOST_TEST(raw_stream->front().type == "Mystery");
  auto raw_missing = reader.read_stream_raw("User-2", 1, 10);
  BOOST_REQUIRE(!raw_missing);
  BOOST_TEST(code(raw_missing.error()) == "stream_not_found");
}

BOOST_AUTO_TEST_SUITE_END()

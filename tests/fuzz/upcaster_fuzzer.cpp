// libFuzzer target: the upcaster chain. A type `UserRegistered` is at schema
// version 4 with a chain registered one step at a time (1->2 splits `name`
// into `first` and `last`, 2->3 adds `email`, 3->4 turns `age` from a string
// into a number) and refuses what it cannot raise with an error, as a
// careful application's upcaster does. A second type has a whole chain
// registered at once (add_upcasters) whose middle step throws on request.
// Input (text): the type selector on line 1 ("u" or "t"; anything else is
// an unknown type), the stored schema version on line 2, the data after.
// Properties: upcast and decode never crash; they fail only with
// decode_failed; what upcasts is at the current version, valid JSON when it
// was raised, and decoding it equals decoding the original.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "fuzz_input.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/serialization/json_codec.hpp"

using namespace mink;

namespace {

using doc_t = rapidjson::Document;

struct user {
  std::string first;
  std::string last;
  std::string email;
  int64_t age = 0;
};

struct tagged {
  int64_t n = 0;
};

caf::error refuse(const char* why) {
  return make_error(errc::decode_failed, why);
}

bool is_string_member(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsString();
}

caf::error split_name(doc_t& d) {
  if (!is_string_member(d, "name"))
    return refuse("name missing");
  std::string name{d["name"].GetString(), d["name"].GetStringLength()};
  auto space = name.find(' ');
  auto first = name.substr(0, space);
  auto last = space == std::string::npos ? "" : name.substr(space + 1);
  d.RemoveMember("name");
  auto& a = d.GetAllocator();
  d.AddMember("first", rapidjson::Value{first.c_str(), a}, a);
  d.AddMember("last", rapidjson::Value{last.c_str(), a}, a);
  return {};
}

caf::error add_email(doc_t& d) {
  if (!d.IsObject())
    return refuse("not an object");
  if (!d.HasMember("email"))
    d.AddMember("email", "", d.GetAllocator());
  return {};
}

caf::error age_to_number(doc_t& d) {
  if (!is_string_member(d, "age"))
    return refuse("age missing");
  auto age = fuzz::to_int32(d["age"].GetString(), -1);
  if (age < 0)
    return refuse("age is not a number");
  d["age"].SetInt64(age);
  return {};
}

caf::expected<user> decode_user(const rapidjson::Value& v) {
  if (!v.IsObject())
    return refuse("not an object");
  auto get = [&](const char* key, std::string& out) {
    if (!is_string_member(v, key))
      return false;
    out.assign(v[key].GetString(), v[key].GetStringLength());
    return true;
  };
  user x;
  if (!get("first", x.first) || !get("last", x.last) || !get("email", x.email)
      || !v.HasMember("age") || !v["age"].IsInt64())
    return refuse("fields missing");
  x.age = v["age"].GetInt64();
  return x;
}

void encode_user(const user& x, doc_t& d) {
  auto& a = d.GetAllocator();
  d.SetObject();
  d.AddMember("first", rapidjson::Value{x.first.c_str(), a}, a);
  d.AddMember("last", rapidjson::Value{x.last.c_str(), a}, a);
  d.AddMember("email", rapidjson::Value{x.email.c_str(), a}, a);
  d.AddMember("age", x.age, a);
}

/// `Tagged` v1 {"n": x} -> v2 {"n": x, "v2": true} -> v3 (throws when
/// "boom" is present) -> v4 wraps everything in {"inner": ...}.
std::vector<upcast_fn> tagged_chain() {
  return {
    [](doc_t& d) -> caf::error {
      if (!d.IsObject())
        return refuse("not an object");
      d.AddMember("v2", true, d.GetAllocator());
      return {};
    },
    [](doc_t& d) -> caf::error {
      if (d.IsObject() && d.HasMember("boom"))
        throw std::runtime_error("boom");
      return {};
    },
    [](doc_t& d) -> caf::error {
      rapidjson::Value inner;
      inner.Swap(d);
      d.SetObject();
      d.AddMember("inner", inner, d.GetAllocator());
      return {};
    },
  };
}

const event_registry& registry() {
  static const event_registry reg = [] {
    event_registry r;
    caf::error err;
    auto add = [&](caf::error e) {
      if (!err && e)
        err = std::move(e);
    };
    add(r.add<user>("UserRegistered", 4, encode_user, decode_user));
    add(r.add_upcaster("UserRegistered", 3, age_to_number));
    add(r.add_upcaster("UserRegistered", 2, add_email));
    add(r.add_upcaster("UserRegistered", 1, split_name));
    add(r.add<tagged>(
      "Tagged", 4,
      [](const tagged& x, doc_t& d) {
        d.SetObject();
        d.AddMember("n", x.n, d.GetAllocator());
      },
      [](const rapidjson::Value& v) -> caf::expected<tagged> {
        if (!v.IsObject() || !v.HasMember("inner") || !v["inner"].IsObject()
            || !v["inner"].HasMember("n") || !v["inner"]["n"].IsInt64())
          return refuse("inner.n missing");
        return tagged{v["inner"]["n"].GetInt64()};
      }));
    add(r.add_upcasters("Tagged", 1, tagged_chain()));
    if (err)
      fuzz::fail("registration", to_text(err));
    return r;
  }();
  return reg;
}

std::string type_of(std::string_view selector) {
  if (selector == "u")
    return "UserRegistered";
  if (selector == "t")
    return "Tagged";
  return std::string{selector};
}

void expect_decode_failed(const caf::error& err, const char* what) {
  if (code_of(err) != errc::decode_failed)
    fuzz::fail(what, to_text(err));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  auto ev = fuzz::stored_event();
  ev.type = type_of(in.next_line());
  ev.schema_version = fuzz::to_int32(in.next_line(), 1);
  ev.data = std::string{in.rest()};
  const auto& reg = registry();
  auto up = reg.upcast(ev);
  auto decoded = reg.decode(ev);
  if (!reg.contains(ev.type)) {
    if (!up || !fuzz::same_event(*up, ev))
      fuzz::fail("upcast changed an event of an unknown type", ev.type);
    return 0;
  }
  if (!up) {
    expect_decode_failed(up.error(), "upcast failed with another code");
    if (decoded)
      fuzz::fail("decode succeeded where upcast failed", ev.data);
    return 0;
  }
  if (up->schema_version != reg.schema_version_of(ev.type))
    fuzz::fail("upcast left an old version", up->data);
  // An event at the current version is returned as stored, unparsed; one
  // that was raised was written by write_json and must parse.
  rapidjson::Document doc;
  if (ev.schema_version != up->schema_version && parse_json(up->data, doc))
    fuzz::fail("upcast wrote JSON that does not parse", up->data);
  auto decoded_up = reg.decode(*up);
  if (bool{decoded} != bool{decoded_up})
    fuzz::fail("decoding the upcast event differs", up->data);
  if (decoded && decoded->envelope.data != decoded_up->envelope.data)
    fuzz::fail("decode and upcast-then-decode differ", up->data);
  if (!decoded)
    expect_decode_failed(decoded.error(), "decode failed with another code");
  return 0;
}

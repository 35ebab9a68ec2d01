// libFuzzer target: the event JSON codec as a reader of stored events meets
// it. Input (text): the type name on line 1, the stored schema version on
// line 2, the metadata JSON on line 3 (empty: none), the data JSON after.
// The registry holds the bank's event types (apps/bank/domain), so decoders
// are real ones, and `Kinds`, a declared event with a field of every kind
// the declared codec supports (enum, optional, vector, map, nested type,
// time point, unsigned, double, bool). Properties checked beyond "no crash, no sanitizer report":
// - decode fails with unknown_event_type exactly for unregistered types and
//   with decode_failed otherwise;
// - what decodes re-encodes, and the re-encoding decodes to the same JSON;
// - parse_json/write_json and metadata JSON round-trip.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bank/account.hpp"
#include "bank/events.hpp"
#include "bank/transfer.hpp"
#include "fuzz_input.hpp"
#include "mink/errc.hpp"
#include "mink/metadata.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/serialization/json_codec.hpp"

using namespace mink;

namespace fuzz_kinds {

enum class shade { light, dark };
MINK_ENUM(shade, light, dark)

struct part {
  std::string name;
  uint16_t count = 0;
};
MINK_FIELDS(part, name, count)

struct kinds {
  shade tone = shade::light;
  std::optional<std::string> note;
  std::vector<part> parts;
  std::map<std::string, double> weights;
  std::chrono::system_clock::time_point at{};
  bool flag = false;
  int8_t small = 0;
};
MINK_EVENT(kinds, "Kinds", tone, note, parts, weights, at, flag, small)
MINK_DEFAULTS(kinds, weights, flag)

} // namespace fuzz_kinds

namespace {

const event_registry& registry() {
  static const event_registry reg = [] {
    event_registry r;
    if (auto err = bank::register_events(r))
      fuzz::fail("register_events", to_text(err));
    if (auto err = register_events<fuzz_kinds::kinds>(r))
      fuzz::fail("register_events", to_text(err));
    return r;
  }();
  return reg;
}

/// Encodes the decoded value again, trying each bank event type.
template <class... Ts>
std::optional<event_data> reencode(const decoded_event& d) {
  std::optional<event_data> out;
  auto try_one = [&](const auto* x) {
    if (x == nullptr)
      return false;
    auto enc = registry().encode(*x);
    if (!enc)
      fuzz::fail("a decoded event does not encode", to_text(enc.error()));
    out = std::move(*enc);
    return true;
  };
  (try_one(d.get<Ts>()) || ...);
  return out;
}

std::optional<event_data> reencode_bank(const decoded_event& d) {
  using namespace bank;
  return reencode<account_opened, money_deposited, money_withdrawn,
                  funds_debited, funds_credited, funds_refunded,
                  account_closed, transfer_initiated, transfer_debited,
                  transfer_credited, transfer_completed, transfer_rejected,
                  transfer_credit_failed, transfer_compensated,
                  fuzz_kinds::kinds>(d);
}

void check_json_round_trip(std::string_view data) {
  rapidjson::Document doc;
  if (parse_json(data, doc))
    return;
  auto first = write_json(doc);
  if (!first)
    fuzz::fail("parsed JSON does not write", to_text(first.error()));
  rapidjson::Document again;
  if (auto err = parse_json(*first, again))
    fuzz::fail("written JSON does not parse", *first + "\n" + to_text(err));
  auto second = write_json(again);
  if (!second || *second != *first)
    fuzz::fail("JSON round trip changed it", *first);
}

std::optional<metadata> check_metadata(std::string_view json) {
  if (json.empty())
    return metadata{};
  auto meta = metadata_from_json(std::string{json});
  if (!meta)
    return std::nullopt;
  auto again = metadata_from_json(to_json(*meta));
  if (!again || !(*again == *meta))
    fuzz::fail("metadata round trip changed it", to_json(*meta));
  return std::move(*meta);
}

void check_decode(const recorded_event& ev) {
  auto decoded = registry().decode(ev);
  if (!decoded) {
    auto code = code_of(decoded.error());
    auto expected = registry().contains(ev.type) ? errc::decode_failed
                                                 : errc::unknown_event_type;
    if (code != expected)
      fuzz::fail("decode failed with an unexpected code",
                 to_text(decoded.error()));
    return;
  }
  auto enc = reencode_bank(*decoded);
  if (!enc)
    fuzz::fail("decoded value of no bank type", ev.type);
  recorded_event again = ev;
  again.schema_version = enc->schema_version;
  again.data = enc->data;
  auto redecoded = registry().decode(again);
  if (!redecoded)
    fuzz::fail("re-encoded event does not decode", enc->data);
  auto enc2 = reencode_bank(*redecoded);
  if (!enc2 || enc2->data != enc->data || enc2->type != ev.type)
    fuzz::fail("decode/encode is not stable", enc->data);
}

void check_upcast(const recorded_event& ev) {
  auto up = registry().upcast(ev);
  if (!registry().contains(ev.type)
      && (!up || !fuzz::same_event(*up, ev)))
    fuzz::fail("upcast changed an event of an unknown type", ev.type);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  auto ev = fuzz::stored_event();
  ev.type = std::string{in.next_line()};
  ev.schema_version = fuzz::to_int32(in.next_line(), 1);
  auto meta = check_metadata(in.next_line());
  ev.data = std::string{in.rest()};
  check_json_round_trip(ev.data);
  if (meta)
    ev.meta = std::move(*meta);
  check_decode(ev);
  check_upcast(ev);
  return 0;
}

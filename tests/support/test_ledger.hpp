#pragma once

// The test domain's second aggregate, beside the account
// (test_account.hpp): a ledger that notes lines of text, one event per
// command, whose size the caller picks. The benchmarks drive it with
// 200-byte notes; tests/unit/test_ledger_test.cpp checks its rules and
// codecs.

#include <string>
#include <variant>
#include <vector>

#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "mink/errc.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/serialization/event_registry.hpp"

namespace mink::test_domain {

struct noted {
  std::string text;
};
MINK_EVENT(noted, "Noted", text)

struct note {
  std::string text;
};

struct ledger_state {
  int64_t lines = 0;
  size_t bytes = 0;
};

struct ledger_decider {
  using state_type = ledger_state;
  using event_type = std::variant<noted>;
  using command_type = note;

  static caf::expected<std::vector<event_type>> decide(const ledger_state&,
                                                       const note& cmd) {
    if (cmd.text.empty())
      return make_error(errc::invalid_argument, "empty note");
    return std::vector<event_type>{noted{cmd.text}};
  }

  static void evolve(ledger_state& st, const event_type& ev) {
    ++st.lines;
    st.bytes += std::get<noted>(ev).text.size();
  }

  static constexpr const char* state_type_name = "ledger";
  static constexpr int32_t state_schema_version = 1;

  static void encode_state(const ledger_state& st, rapidjson::Document& doc) {
    doc.SetObject();
    doc.AddMember("lines", st.lines, doc.GetAllocator());
    doc.AddMember("bytes", static_cast<uint64_t>(st.bytes), doc.GetAllocator());
  }

  static caf::expected<ledger_state> decode_state(const rapidjson::Value& v) {
    if (!v.IsObject() || !v.HasMember("lines") || !v["lines"].IsInt64()
        || !v.HasMember("bytes") || !v["bytes"].IsUint64())
      return make_error(errc::decode_failed, "ledger state");
    return ledger_state{v["lines"].GetInt64(),
                        static_cast<size_t>(v["bytes"].GetUint64())};
  }
};

/// Registers `Noted` with a hand-written codec, or with the one derived
/// from its declaration when `declared` (the command benchmark compares
/// the two).
inline caf::error register_ledger(event_registry& reg, bool declared = false) {
  if (declared)
    return register_events<noted>(reg);
  return reg.add<noted>(
    "Noted", 1,
    [](const noted& x, rapidjson::Document& doc) {
      doc.SetObject();
      doc.AddMember("text", rapidjson::Value{x.text.c_str(), doc.GetAllocator()},
                    doc.GetAllocator());
    },
    [](const rapidjson::Value& v) -> caf::expected<noted> {
      if (!v.IsObject() || !v.HasMember("text") || !v["text"].IsString())
        return make_error(errc::decode_failed, "Noted.text");
      return noted{v["text"].GetString()};
    });
}

} // namespace mink::test_domain

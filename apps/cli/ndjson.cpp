#include "ndjson.hpp"

#include <time.h>

#include <cstdio>
#include <optional>
#include <unordered_set>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mink/errc.hpp"
#include "mink/json_check.hpp"
#include "mink/utf8.hpp"
#include "mink/serialization/json_codec.hpp"

namespace mink::cli {

namespace {

// -- finding a member's raw text ----------------------------------------------

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void skip_ws(std::string_view s, size_t& i) {
  while (i < s.size() && is_ws(s[i]))
    ++i;
}

/// Skips a string starting at the quote at `i`; returns false when unclosed.
bool skip_string(std::string_view s, size_t& i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\')
      ++i;
    else if (s[i] == '"') {
      ++i;
      return true;
    }
  }
  return false;
}

/// Skips one JSON value starting at `i`.
bool skip_value(std::string_view s, size_t& i) {
  if (i >= s.size())
    return false;
  if (s[i] == '"')
    return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    size_t depth = 0;
    while (i < s.size()) {
      auto c = s[i];
      if (c == '"') {
        if (!skip_string(s, i))
          return false;
        continue;
      }
      if (c == '{' || c == '[')
        ++depth;
      else if ((c == '}' || c == ']') && --depth == 0) {
        ++i;
        return true;
      }
      ++i;
    }
    return false;
  }
  while (i < s.size() && !is_ws(s[i]) && s[i] != ',' && s[i] != '}'
         && s[i] != ']')
    ++i;
  return true;
}

/// Returns the raw text of the first top-level member `key` of the object
/// in `s` (already validated as JSON), or nothing.
std::optional<std::string_view> raw_member(std::string_view s,
                                           std::string_view key) {
  size_t i = 0;
  skip_ws(s, i);
  if (i >= s.size() || s[i] != '{')
    return std::nullopt;
  ++i;
  for (;;) {
    skip_ws(s, i);
    if (i >= s.size() || s[i] != '"')
      return std::nullopt;
    auto key_start = i + 1;
    if (!skip_string(s, i))
      return std::nullopt;
    auto name = s.substr(key_start, i - 1 - key_start);
    skip_ws(s, i);
    if (i >= s.size() || s[i] != ':')
      return std::nullopt;
    ++i;
    skip_ws(s, i);
    auto value_start = i;
    if (!skip_value(s, i))
      return std::nullopt;
    if (name == key)
      return s.substr(value_start, i - value_start);
    skip_ws(s, i);
    if (i >= s.size() || s[i] != ',')
      return std::nullopt;
    ++i;
  }
}

caf::error problem(std::string what) {
  return make_error(errc::invalid_argument, std::move(what));
}

/// The times that `format_timestamp` writes as RFC 3339 (years 0000 to
/// 9999), in microseconds since the epoch.
constexpr int64_t min_timestamp_us = -62167219200LL * 1000000;
constexpr int64_t max_timestamp_us = 253402300799LL * 1000000 + 999999;

/// Parses `YYYY-MM-DDThh:mm:ss.ffffffZ`, refusing anything but digits in
/// the fields and dates that do not exist (February 30, hour 24).
std::optional<int64_t> parse_timestamp(const std::string& x) {
  constexpr std::string_view pattern = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  if (x.size() != pattern.size())
    return std::nullopt;
  for (size_t i = 0; i < x.size(); ++i)
    if (pattern[i] == 'd' ? (x[i] < '0' || x[i] > '9') : x[i] != pattern[i])
      return std::nullopt;
  auto num = [&](size_t pos, size_t len) {
    int64_t v = 0;
    for (size_t i = pos; i < pos + len; ++i)
      v = v * 10 + (x[i] - '0');
    return v;
  };
  struct tm t = {};
  t.tm_year = static_cast<int>(num(0, 4)) - 1900;
  t.tm_mon = static_cast<int>(num(5, 2)) - 1;
  t.tm_mday = static_cast<int>(num(8, 2));
  t.tm_hour = static_cast<int>(num(11, 2));
  t.tm_min = static_cast<int>(num(14, 2));
  t.tm_sec = static_cast<int>(num(17, 2));
  auto fields = t;
  auto secs = timegm(&t);
  // timegm normalises (month 13 is January of the next year): a date
  // that exists comes back unchanged.
  if (t.tm_year != fields.tm_year || t.tm_mon != fields.tm_mon
      || t.tm_mday != fields.tm_mday || t.tm_hour != fields.tm_hour
      || t.tm_min != fields.tm_min || t.tm_sec != fields.tm_sec)
    return std::nullopt;
  return static_cast<int64_t>(secs) * 1000000 + num(20, 6);
}

} // namespace

std::string format_timestamp(int64_t us) {
  // Floor division without overflow (us - 999999 overflowed for the
  // smallest values).
  auto secs = us / 1000000;
  auto frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  auto t_secs = static_cast<time_t>(secs);
  struct tm t = {};
  gmtime_r(&t_secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                t.tm_min, t.tm_sec, static_cast<long long>(frac));
  return buf;
}

caf::error check_exportable(const recorded_event& ev) {
  auto where = "event at position " + std::to_string(ev.global_position)
               + " (" + ev.stream_id + "@" + std::to_string(ev.stream_version)
               + "): ";
  auto refuse = [&](std::string what) {
    return make_error(errc::decode_failed, where + std::move(what));
  };
  if (auto what = check_json(ev.data); !what.empty())
    return refuse("its data is not JSON: " + what);
  for (auto [name, text] : {std::pair<const char*, const std::string*>{
                              "stream id", &ev.stream_id},
                            {"event id", &ev.event_id},
                            {"type", &ev.type}})
    if (!is_valid_utf8(*text))
      return refuse(std::string{"its "} + name + " is not valid UTF-8");
  if (!is_valid_utf8(to_json(ev.meta)))
    return refuse("its metadata is not valid UTF-8");
  return {};
}

std::string to_ndjson(const recorded_event& ev) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  auto str = [&](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  w.Key("position");
  w.Int64(ev.global_position);
  str("stream_id", ev.stream_id);
  w.Key("version");
  w.Int64(ev.stream_version);
  str("event_id", ev.event_id);
  str("type", ev.type);
  w.Key("schema_version");
  w.Int(ev.schema_version);
  str("timestamp", format_timestamp(ev.timestamp_us));
  w.Key("timestamp_us");
  w.Int64(ev.timestamp_us);
  auto meta = to_json(ev.meta);
  w.Key("metadata");
  w.RawValue(meta.data(), meta.size(), rapidjson::kObjectType);
  // Raw only when the line gives it back byte for byte: no line breaks,
  // and no white space at either end (import reads the value alone, so
  // "3111111111 " would come back without its space; found by
  // tests/fuzz/ndjson_fuzzer, corpus: data_text_trailing_space).
  auto ws = [](char c) { return c == ' ' || c == '\t'; };
  if (!ev.data.empty() && ev.data.find_first_of("\r\n") == std::string::npos
      && !ws(ev.data.front()) && !ws(ev.data.back())) {
    w.Key("data");
    w.RawValue(ev.data.data(), ev.data.size(), rapidjson::kObjectType);
  } else {
    str("data_text", ev.data);
  }
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

caf::expected<recorded_event> from_ndjson(std::string_view line) {
  rapidjson::Document doc;
  // parse_json, not RapidJSON's Parse, which lets an escaped lone surrogate
  // ("\udeae") through as bytes that are not UTF-8: the export of such an
  // event_id could not be imported again (found by tests/fuzz/ndjson_fuzzer).
  if (auto err = parse_json(line, doc))
    return problem("not JSON: " + to_text(err));
  if (!doc.IsObject())
    return problem("not a JSON object");
  // A key given twice would be read from its first occurrence alone: refuse
  // rather than guess which one was meant.
  std::unordered_set<std::string_view> keys;
  for (auto i = doc.MemberBegin(); i != doc.MemberEnd(); ++i)
    if (!keys.emplace(i->name.GetString(), i->name.GetStringLength()).second)
      return problem("\"" + std::string{i->name.GetString(),
                                         i->name.GetStringLength()}
                     + "\" occurs twice");
  recorded_event ev;
  auto int_field = [&](const char* key, int64_t& out,
                       bool required) -> caf::error {
    auto i = doc.FindMember(key);
    if (i == doc.MemberEnd())
      return required ? problem(std::string{"missing \""} + key + "\"")
                      : caf::error{};
    if (!i->value.IsInt64())
      return problem(std::string{"\""} + key + "\" is not an integer");
    out = i->value.GetInt64();
    return {};
  };
  auto str_field = [&](const char* key, std::string& out) -> caf::error {
    auto i = doc.FindMember(key);
    if (i == doc.MemberEnd())
      return problem(std::string{"missing \""} + key + "\"");
    if (!i->value.IsString())
      return problem(std::string{"\""} + key + "\" is not a string");
    out.assign(i->value.GetString(), i->value.GetStringLength());
    return {};
  };
  int64_t schema_version = 1;
  if (auto err = int_field("position", ev.global_position, true))
    return err;
  if (auto err = str_field("stream_id", ev.stream_id))
    return err;
  if (auto err = int_field("version", ev.stream_version, true))
    return err;
  if (auto err = str_field("event_id", ev.event_id))
    return err;
  if (auto err = str_field("type", ev.type))
    return err;
  if (auto err = int_field("schema_version", schema_version, false))
    return err;
  if (schema_version < 1 || schema_version > INT32_MAX)
    return problem("\"schema_version\" is out of range");
  ev.schema_version = static_cast<int32_t>(schema_version);
  if (doc.HasMember("timestamp_us")) {
    if (auto err = int_field("timestamp_us", ev.timestamp_us, true))
      return err;
    if (ev.timestamp_us < min_timestamp_us || ev.timestamp_us > max_timestamp_us)
      return problem("\"timestamp_us\" is outside the years 0000 to 9999");
  } else {
    std::string ts;
    if (auto err = str_field("timestamp", ts))
      return problem("missing \"timestamp_us\" or \"timestamp\"");
    auto us = parse_timestamp(ts);
    if (!us)
      return problem("\"timestamp\" is not a date and time as "
                     "YYYY-MM-DDThh:mm:ss.ffffffZ");
    ev.timestamp_us = *us;
  }
  if (doc.HasMember("metadata")) {
    if (!doc["metadata"].IsObject())
      return problem("\"metadata\" is not an object");
    auto raw = raw_member(line, "metadata");
    if (!raw)
      return problem("cannot find \"metadata\"");
    auto meta = metadata_from_json(std::string{*raw});
    if (!meta)
      return problem("\"metadata\": " + to_text(meta.error()));
    ev.meta = std::move(*meta);
  }
  const char* data_key = "data";
  if (doc.HasMember("data")) {
    auto raw = raw_member(line, "data");
    if (!raw)
      return problem("cannot find \"data\"");
    ev.data = std::string{*raw};
  } else if (auto err = str_field("data_text", ev.data)) {
    return problem("missing \"data\" or \"data_text\"");
  } else {
    data_key = "data_text";
  }
  // What the store would refuse, refused here with the line's number
  // (data_text is a string that must hold JSON; data is parsed, but as
  // part of the line, with RapidJSON's leniency).
  if (auto what = check_json(ev.data); !what.empty())
    return problem(std::string{"\""} + data_key + "\" is not JSON that can be "
                   "stored: " + what);
  return ev;
}

} // namespace mink::cli

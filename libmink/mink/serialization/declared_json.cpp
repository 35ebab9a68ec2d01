#include "mink/serialization/declared_json.hpp"

#include <cstdio>
#include <ctime>

#include "mink/errc.hpp"

namespace mink::json {

namespace {

const char* kind_of(const value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a bool";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType: return v.IsDouble() ? "a fraction" : "an integer";
  }
  return "unknown";
}

bool fail(std::string problem, decode_failure& why) {
  why.path.clear();
  why.problem = std::move(problem);
  return false;
}

bool out_of_range(const value& v, decode_failure& why) {
  std::string text;
  if (v.IsInt64())
    text = std::to_string(v.GetInt64());
  else if (v.IsUint64())
    text = std::to_string(v.GetUint64());
  return fail("integer " + text + " is out of range", why);
}

/// Parses `n` digits at `s`; -1 when one is not a digit.
int digits(const char* s, int n) {
  int x = 0;
  for (int i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    x = x * 10 + (s[i] - '0');
  }
  return x;
}

constexpr const char* timestamp_form
  = "must be an RFC 3339 time in UTC, like 2026-12-06T04:35:30.123456Z";

} // namespace

void decode_failure::in_field(const char* name) {
  path = path.empty() ? std::string{name}
                      : std::string{name} + (path[0] == '[' ? "" : ".") + path;
}

void decode_failure::in_element(size_t index) {
  auto prefix = "[" + std::to_string(index) + "]";
  path = path.empty() || path[0] == '[' ? prefix + path : prefix + "." + path;
}

void decode_failure::in_key(std::string_view key) {
  auto prefix = "[\"" + std::string{key} + "\"]";
  path = path.empty() || path[0] == '[' ? prefix + path : prefix + "." + path;
}

void put(value& out, bool x) {
  out.SetBool(x);
}

void put(value& out, int64_t x) {
  out.SetInt64(x);
}

void put(value& out, uint64_t x) {
  out.SetUint64(x);
}

void put(value& out, double x) {
  out.SetDouble(x);
}

void put(value& out, const std::string& x, allocator& a) {
  out.SetString(x.data(), static_cast<rapidjson::SizeType>(x.size()), a);
}

void put(value& out, time_point x, allocator& a) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(x.time_since_epoch()).count();
  auto secs = us / 1'000'000;
  auto frac = us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  auto t = static_cast<time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  auto n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec,
                         static_cast<int>(frac));
  out.SetString(buf, static_cast<rapidjson::SizeType>(n), a);
}

void put_enum(value& out, const enum_entry* xs, size_t n, int64_t x) {
  for (size_t i = 0; i < n; ++i)
    if (xs[i].value == x) {
      out.SetString(rapidjson::StringRef(xs[i].name));
      return;
    }
  out.SetInt64(x); // a value without a name: kept, not lost
}

bool get(const value& v, bool& out, decode_failure& why) {
  if (!v.IsBool())
    return wrong_kind(v, "a bool", why);
  out = v.GetBool();
  return true;
}

bool get_int(const value& v, int64_t min, int64_t max, int64_t& out,
             decode_failure& why) {
  if (!v.IsNumber() || v.IsDouble())
    return wrong_kind(v, "an integer", why);
  if (!v.IsInt64() || v.GetInt64() < min || v.GetInt64() > max)
    return out_of_range(v, why);
  out = v.GetInt64();
  return true;
}

bool get_uint(const value& v, uint64_t max, uint64_t& out,
              decode_failure& why) {
  if (!v.IsNumber() || v.IsDouble())
    return wrong_kind(v, "an integer", why);
  if (!v.IsUint64() || v.GetUint64() > max)
    return out_of_range(v, why);
  out = v.GetUint64();
  return true;
}

bool get(const value& v, double& out, decode_failure& why) {
  if (!v.IsNumber())
    return wrong_kind(v, "a number", why);
  out = v.GetDouble();
  return true;
}

bool get(const value& v, std::string& out, decode_failure& why) {
  if (!v.IsString())
    return wrong_kind(v, "a string", why);
  out.assign(v.GetString(), v.GetStringLength());
  return true;
}

bool get(const value& v, time_point& out, decode_failure& why) {
  if (!v.IsString())
    return wrong_kind(v, "a string", why);
  std::string_view s{v.GetString(), v.GetStringLength()};
  // YYYY-MM-DDTHH:MM:SS, then an optional fraction, then Z.
  if (s.size() < 20 || s[4] != '-' || s[7] != '-'
      || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return fail(timestamp_form, why);
  std::tm tm{};
  tm.tm_year = digits(s.data(), 4) - 1900;
  tm.tm_mon = digits(s.data() + 5, 2) - 1;
  tm.tm_mday = digits(s.data() + 8, 2);
  tm.tm_hour = digits(s.data() + 11, 2);
  tm.tm_min = digits(s.data() + 14, 2);
  tm.tm_sec = digits(s.data() + 17, 2);
  size_t i = 19;
  int64_t frac = 0;
  int scale = 1'000'000;
  if (s[i] == '.') {
    ++i;
    auto start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (scale > 1) {
        scale /= 10;
        frac += (s[i] - '0') * scale;
      }
      ++i;
    }
    if (i == start)
      return fail(timestamp_form, why);
  }
  if (i + 1 != s.size() || (s[i] != 'Z' && s[i] != 'z'))
    return fail(timestamp_form, why);
  if (tm.tm_year < -1900 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1
      || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0
      || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 59)
    return fail(timestamp_form, why);
  auto want = tm;
  auto secs = timegm(&tm);
  if (tm.tm_mday != want.tm_mday || tm.tm_mon != want.tm_mon) // e.g. Feb 30
    return fail(timestamp_form, why);
  // The clock counts finer than microseconds (nanoseconds with GCC): a
  // time point spans only some centuries around 1970.
  constexpr auto max_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            time_point::duration::max())
                            .count();
  auto us = int64_t{secs} * 1'000'000 + frac;
  if (us > max_us || us < -max_us)
    return fail("is outside the range of a time point (about 1678 to 2262)",
                why);
  out = time_point{std::chrono::duration_cast<time_point::duration>(
    std::chrono::microseconds{us})};
  return true;
}

bool get_enum(const value& v, const enum_entry* xs, size_t n, int64_t& out,
              decode_failure& why) {
  if (v.IsInt64()) { // data written as numbers: only known values
    for (size_t i = 0; i < n; ++i)
      if (xs[i].value == v.GetInt64()) {
        out = xs[i].value;
        return true;
      }
    return fail("value " + std::to_string(v.GetInt64()) + " has no name", why);
  }
  if (!v.IsString())
    return wrong_kind(v, "a string", why);
  std::string_view s{v.GetString(), v.GetStringLength()};
  std::string names;
  for (size_t i = 0; i < n; ++i) {
    if (s == xs[i].name) {
      out = xs[i].value;
      return true;
    }
    names += i == 0 ? "" : ", ";
    names += xs[i].name;
  }
  return fail("unknown value '" + std::string{s} + "' (known: " + names + ")",
              why);
}

bool wrong_kind(const value& v, const char* wanted, decode_failure& why) {
  return fail(std::string{"must be "} + wanted + ", got " + kind_of(v), why);
}

bool missing(const char* name, decode_failure& why) {
  why.path = name;
  why.problem = "is missing";
  return false;
}

caf::error decode_error(const char* type, const decode_failure& why) {
  std::string text = type;
  text += ": ";
  if (!why.path.empty())
    text += "field '" + why.path + "' ";
  text += why.problem;
  return make_error(errc::decode_failed, std::move(text));
}

} // namespace mink::json

#pragma once

// The JSON codec of declared types (see `describe.hpp`).
//
// Writing: a declared struct is an object with its fields in declared
// order; an empty optional is left out; enums are their enumerator's name
// (a value without a name is written as its number, which reading refuses:
// reading takes a name, or the number of a named value); time points are RFC 3339
// text in UTC with microseconds (`2026-12-06T04:35:30.123456Z`).
//
// Reading (weak schema): unknown fields are ignored; a missing or null
// optional is empty; any other missing field keeps its default when
// `MINK_DEFAULTS` lists it and is an error otherwise. Errors are
// `errc::decode_failed` and name the type and the field's path, e.g.
// `TransferInitiated: field 'legs[2].amount': must be an integer, got a
// string`. Integers must fit their C++ type.

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "mink/serialization/describe.hpp"

namespace mink {

namespace json {

using value = rapidjson::Value;
using allocator = rapidjson::Document::AllocatorType;
using time_point = std::chrono::system_clock::time_point;

/// Where a decode failed: the field path (built while unwinding) and the
/// problem.
struct decode_failure {
  std::string path;
  std::string problem;

  /// Puts `name` in front of the path (a field of an object).
  void in_field(const char* name);
  /// Puts `[index]` in front of the path (an element of an array).
  void in_element(size_t index);
  /// Puts `["key"]` in front of the path (a value of a map).
  void in_key(std::string_view key);
};

// Compiled writers and readers of the leaves. A reader returns false and
// fills `why` when `v` is not what it needs.
void put(value& out, bool x);
void put(value& out, int64_t x);
void put(value& out, uint64_t x);
void put(value& out, double x);
void put(value& out, const std::string& x, allocator& a);
void put(value& out, time_point x, allocator& a);
void put_enum(value& out, const enum_entry* xs, size_t n, int64_t x);

bool get(const value& v, bool& out, decode_failure& why);
bool get_int(const value& v, int64_t min, int64_t max, int64_t& out,
             decode_failure& why);
bool get_uint(const value& v, uint64_t max, uint64_t& out,
              decode_failure& why);
bool get(const value& v, double& out, decode_failure& why);
bool get(const value& v, std::string& out, decode_failure& why);
bool get(const value& v, time_point& out, decode_failure& why);
bool get_enum(const value& v, const enum_entry* xs, size_t n, int64_t& out,
              decode_failure& why);

/// The failure of a value that is not of the `wanted` JSON kind.
bool wrong_kind(const value& v, const char* wanted, decode_failure& why);

/// The failure of a field that is missing.
bool missing(const char* name, decode_failure& why);

/// The error for `why` while decoding type `type`.
caf::error decode_error(const char* type, const decode_failure& why);

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T>
struct is_string_map : std::false_type {};
template <class T, class C, class A>
struct is_string_map<std::map<std::string, T, C, A>> : std::true_type {};
template <class T, class H, class E, class A>
struct is_string_map<std::unordered_map<std::string, T, H, E, A>>
  : std::true_type {};

template <class T>
struct unsupported : std::false_type {};

// -- writing -------------------------------------------------------------------

template <class T>
void write(const T& x, value& out, allocator& a);

template <class T>
void write_fields(const T& x, value& out, allocator& a) {
  out.SetObject();
  for_each_field<T>([&](const char* name, auto member) {
    const auto& field = x.*member;
    using field_type = std::decay_t<decltype(field)>;
    if constexpr (is_optional<field_type>::value) {
      if (!field)
        return;
    }
    value v;
    write(field, v, a);
    out.AddMember(rapidjson::StringRef(name), v, a);
  });
}

/// Writes `x` into `out`.
template <class T>
void write(const T& x, value& out, allocator& a) {
  if constexpr (std::is_same_v<T, bool>) {
    put(out, x);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    put(out, static_cast<int64_t>(x));
  } else if constexpr (std::is_integral_v<T>) {
    put(out, static_cast<uint64_t>(x));
  } else if constexpr (std::is_floating_point_v<T>) {
    put(out, static_cast<double>(x));
  } else if constexpr (std::is_same_v<T, std::string>) {
    put(out, x, a);
  } else if constexpr (std::is_same_v<T, time_point>) {
    put(out, x, a);
  } else if constexpr (detail::is_described_enum<T>::value) {
    size_t n = 0;
    auto xs = mink_enum_entries(type_tag<T>{}, n);
    put_enum(out, xs, n, static_cast<int64_t>(x));
  } else if constexpr (is_optional<T>::value) {
    if (x)
      write(*x, out, a);
    else
      out.SetNull();
  } else if constexpr (is_vector<T>::value) {
    out.SetArray();
    out.Reserve(static_cast<rapidjson::SizeType>(x.size()), a);
    for (const auto& item : x) {
      value v;
      write(item, v, a);
      out.PushBack(v, a);
    }
  } else if constexpr (is_string_map<T>::value) {
    out.SetObject();
    for (const auto& [key, item] : x) {
      value k;
      put(k, key, a);
      value v;
      write(item, v, a);
      out.AddMember(k, v, a);
    }
  } else if constexpr (is_described_v<T>) {
    write_fields(x, out, a);
  } else {
    static_assert(unsupported<T>::value,
                  "this field type has no JSON codec: declare it with "
                  "MINK_FIELDS (structs) or MINK_ENUM (enums)");
  }
}

// -- reading -------------------------------------------------------------------

template <class T>
bool read(const value& v, T& out, decode_failure& why);

template <class T>
bool read_fields(const value& v, T& out, decode_failure& why) {
  if (!v.IsObject())
    return wrong_kind(v, "an object", why);
  bool ok = true;
  for_each_field<T>([&](const char* name, auto member) {
    if (!ok)
      return;
    auto& field = out.*member;
    using field_type = std::decay_t<decltype(field)>;
    auto i = v.FindMember(name);
    if (i == v.MemberEnd() || (is_optional<field_type>::value
                               && i->value.IsNull())) {
      if constexpr (is_optional<field_type>::value)
        field.reset();
      else if (!has_default<T>(name))
        ok = missing(name, why);
      return;
    }
    if (!read(i->value, field, why)) {
      why.in_field(name);
      ok = false;
    }
  });
  return ok;
}

/// Reads `v` into `out`; false with `why` filled when it cannot.
template <class T>
bool read(const value& v, T& out, decode_failure& why) {
  if constexpr (std::is_same_v<T, bool>) {
    return get(v, out, why);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    int64_t x = 0;
    if (!get_int(v, std::numeric_limits<T>::min(),
                 std::numeric_limits<T>::max(), x, why))
      return false;
    out = static_cast<T>(x);
    return true;
  } else if constexpr (std::is_integral_v<T>) {
    uint64_t x = 0;
    if (!get_uint(v, std::numeric_limits<T>::max(), x, why))
      return false;
    out = static_cast<T>(x);
    return true;
  } else if constexpr (std::is_floating_point_v<T>) {
    double x = 0;
    if (!get(v, x, why))
      return false;
    out = static_cast<T>(x);
    return true;
  } else if constexpr (std::is_same_v<T, std::string>
                       || std::is_same_v<T, time_point>) {
    return get(v, out, why);
  } else if constexpr (detail::is_described_enum<T>::value) {
    size_t n = 0;
    auto xs = mink_enum_entries(type_tag<T>{}, n);
    int64_t x = 0;
    if (!get_enum(v, xs, n, x, why))
      return false;
    out = static_cast<T>(x);
    return true;
  } else if constexpr (is_optional<T>::value) {
    if (v.IsNull()) {
      out.reset();
      return true;
    }
    return read(v, out.emplace(), why);
  } else if constexpr (is_vector<T>::value) {
    if (!v.IsArray())
      return wrong_kind(v, "an array", why);
    out.clear();
    out.resize(v.Size());
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
      if (!read(v[i], out[i], why)) {
        why.in_element(i);
        return false;
      }
    return true;
  } else if constexpr (is_string_map<T>::value) {
    if (!v.IsObject())
      return wrong_kind(v, "an object", why);
    out.clear();
    for (auto i = v.MemberBegin(); i != v.MemberEnd(); ++i) {
      std::string key{i->name.GetString(), i->name.GetStringLength()};
      if (!read(i->value, out[key], why)) {
        why.in_key(key);
        return false;
      }
    }
    return true;
  } else if constexpr (is_described_v<T>) {
    return read_fields(v, out, why);
  } else {
    static_assert(unsupported<T>::value,
                  "this field type has no JSON codec: declare it with "
                  "MINK_FIELDS (structs) or MINK_ENUM (enums)");
    return false;
  }
}

} // namespace json

/// Encodes declared `x` into `doc` (an object).
template <class T>
void encode_declared(const T& x, rapidjson::Document& doc) {
  static_assert(is_described_v<T>, "declare the type with MINK_FIELDS");
  json::write_fields(x, doc, doc.GetAllocator());
}

/// Decodes a declared `T` from `v`. Fails with `errc::decode_failed`
/// naming `type` (e.g. the event's stored name) and the field.
template <class T>
caf::expected<T> decode_declared(const rapidjson::Value& v,
                                 const char* type) {
  static_assert(is_described_v<T>, "declare the type with MINK_FIELDS");
  T out{};
  json::decode_failure why;
  if (!json::read_fields(v, out, why))
    return json::decode_error(type, why);
  return out;
}

} // namespace mink

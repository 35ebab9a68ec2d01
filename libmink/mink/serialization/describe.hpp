#pragma once

// Declared types: one line after a struct lists its fields, and mink
// derives its JSON codec, its registry entry (events), its command name
// (commands) and the snapshot codec of a state from it.
//
// ~~~
// namespace bank {
// struct money_deposited { int64_t amount = 0; };
// MINK_EVENT(money_deposited, "MoneyDeposited", amount)
//
// struct deposit { int64_t amount = 0; };
// MINK_COMMAND(deposit, amount)             // command name "deposit"
//
// enum class account_status { unopened, open, closed };
// MINK_ENUM(account_status, unopened, open, closed)
//
// struct account_state { account_status status{}; std::string owner; };
// MINK_FIELDS(account_state, status, owner)
// MINK_DEFAULTS(account_state, owner)       // may be missing
// }
// ~~~
//
// Each macro goes at namespace scope, in the namespace of its type (the
// functions it defines are found by argument-dependent lookup). A field may
// be: an integer, bool, double, std::string, an enum with `MINK_ENUM`,
// std::optional, std::vector, std::map or std::unordered_map with string
// keys, a `std::chrono::system_clock::time_point` (RFC 3339 text in UTC,
// microseconds), or another declared type. See `declared_json.hpp` for the
// JSON rules (weak schema: unknown fields are ignored).

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

namespace mink {

/// Names a type for the functions the macros define (found by ADL).
template <class T>
struct type_tag {};

/// One enumerator of an enum declared with `MINK_ENUM`.
struct enum_entry {
  int64_t value;
  const char* name;
};

namespace detail {

template <class T, class = void>
struct is_described : std::false_type {};

template <class T>
struct is_described<T, std::void_t<decltype(mink_visit_fields(
                         type_tag<T>{}, std::declval<void (*)(const char*,
                                                              int)>()))>>
  : std::true_type {};

template <class T, class = void>
struct is_named : std::false_type {};

template <class T>
struct is_named<T, std::void_t<decltype(mink_type_name(type_tag<T>{}))>>
  : std::true_type {};

template <class T, class = void>
struct has_schema_version : std::false_type {};

template <class T>
struct has_schema_version<
  T, std::void_t<decltype(mink_schema_version(type_tag<T>{}))>>
  : std::true_type {};

template <class T, class = void>
struct has_defaults : std::false_type {};

template <class T>
struct has_defaults<T, std::void_t<decltype(mink_has_default(
                         type_tag<T>{}, std::string_view{}))>>
  : std::true_type {};

template <class T, class = void>
struct is_described_enum : std::false_type {};

template <class T>
struct is_described_enum<
  T, std::void_t<decltype(mink_enum_entries(type_tag<T>{},
                                            std::declval<size_t&>()))>>
  : std::true_type {};

} // namespace detail

/// Whether `T` lists its fields (`MINK_FIELDS`, `MINK_EVENT`, `MINK_COMMAND`).
template <class T>
constexpr bool is_described_v = detail::is_described<T>::value;

/// Whether `T` has a name (`MINK_EVENT`, `MINK_COMMAND`).
template <class T>
constexpr bool is_named_v = detail::is_named<T>::value;

/// The name of a named type: an event's stored type name or a command's
/// name.
template <class T>
constexpr const char* type_name_of() {
  static_assert(is_named_v<T>, "name the type with MINK_EVENT or MINK_COMMAND");
  return mink_type_name(type_tag<T>{});
}

/// The schema version of an event type: 1 unless `MINK_SCHEMA_VERSION`
/// says otherwise.
template <class T>
constexpr int32_t schema_version_of() {
  if constexpr (detail::has_schema_version<T>::value)
    return mink_schema_version(type_tag<T>{});
  else
    return 1;
}

/// Calls `f(name, member_pointer)` for each declared field of `T`, in order.
template <class T, class F>
void for_each_field(F&& f) {
  static_assert(is_described_v<T>,
                "declare the fields of the type with MINK_FIELDS, MINK_EVENT "
                "or MINK_COMMAND");
  mink_visit_fields(type_tag<T>{}, std::forward<F>(f));
}

/// Whether field `name` of `T` may be missing from JSON (`MINK_DEFAULTS`).
template <class T>
bool has_default(std::string_view name) {
  if constexpr (detail::has_defaults<T>::value)
    return mink_has_default(type_tag<T>{}, name);
  else
    return false;
}

/// The name of enumerator `x` of an enum declared with `MINK_ENUM`, or
/// `unknown` for a value without a name.
template <class E>
const char* enum_name(E x) {
  static_assert(detail::is_described_enum<E>::value,
                "declare the enum with MINK_ENUM");
  size_t n = 0;
  auto xs = mink_enum_entries(type_tag<E>{}, n);
  for (size_t i = 0; i < n; ++i)
    if (xs[i].value == static_cast<int64_t>(x))
      return xs[i].name;
  return "unknown";
}

} // namespace mink

// -- preprocessor plumbing -----------------------------------------------------

#define MINK_PP_CAT(a, b) MINK_PP_CAT_I(a, b)
#define MINK_PP_CAT_I(a, b) a##b

#define MINK_PP_NARGS(...)                                                      \
  MINK_PP_NARGS_I(0 __VA_OPT__(, ) __VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, \
                  24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, \
                  9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define MINK_PP_NARGS_I(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, \
                        _13, _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, \
                        _24, _25, _26, _27, _28, _29, _30, _31, _32, N, ...)   \
  N

/// Expands `m(x)` for each argument (at most 32).
#define MINK_PP_FOR_EACH(m, ...)                                               \
  MINK_PP_CAT(MINK_PP_FE_, MINK_PP_NARGS(__VA_ARGS__))(m __VA_OPT__(, ) __VA_ARGS__)
#define MINK_PP_FE_0(m)
#define MINK_PP_FE_1(m, x) m(x)
#define MINK_PP_FE_2(m, x, ...) m(x) MINK_PP_FE_1(m, __VA_ARGS__)
#define MINK_PP_FE_3(m, x, ...) m(x) MINK_PP_FE_2(m, __VA_ARGS__)
#define MINK_PP_FE_4(m, x, ...) m(x) MINK_PP_FE_3(m, __VA_ARGS__)
#define MINK_PP_FE_5(m, x, ...) m(x) MINK_PP_FE_4(m, __VA_ARGS__)
#define MINK_PP_FE_6(m, x, ...) m(x) MINK_PP_FE_5(m, __VA_ARGS__)
#define MINK_PP_FE_7(m, x, ...) m(x) MINK_PP_FE_6(m, __VA_ARGS__)
#define MINK_PP_FE_8(m, x, ...) m(x) MINK_PP_FE_7(m, __VA_ARGS__)
#define MINK_PP_FE_9(m, x, ...) m(x) MINK_PP_FE_8(m, __VA_ARGS__)
#define MINK_PP_FE_10(m, x, ...) m(x) MINK_PP_FE_9(m, __VA_ARGS__)
#define MINK_PP_FE_11(m, x, ...) m(x) MINK_PP_FE_10(m, __VA_ARGS__)
#define MINK_PP_FE_12(m, x, ...) m(x) MINK_PP_FE_11(m, __VA_ARGS__)
#define MINK_PP_FE_13(m, x, ...) m(x) MINK_PP_FE_12(m, __VA_ARGS__)
#define MINK_PP_FE_14(m, x, ...) m(x) MINK_PP_FE_13(m, __VA_ARGS__)
#define MINK_PP_FE_15(m, x, ...) m(x) MINK_PP_FE_14(m, __VA_ARGS__)
#define MINK_PP_FE_16(m, x, ...) m(x) MINK_PP_FE_15(m, __VA_ARGS__)
#define MINK_PP_FE_17(m, x, ...) m(x) MINK_PP_FE_16(m, __VA_ARGS__)
#define MINK_PP_FE_18(m, x, ...) m(x) MINK_PP_FE_17(m, __VA_ARGS__)
#define MINK_PP_FE_19(m, x, ...) m(x) MINK_PP_FE_18(m, __VA_ARGS__)
#define MINK_PP_FE_20(m, x, ...) m(x) MINK_PP_FE_19(m, __VA_ARGS__)
#define MINK_PP_FE_21(m, x, ...) m(x) MINK_PP_FE_20(m, __VA_ARGS__)
#define MINK_PP_FE_22(m, x, ...) m(x) MINK_PP_FE_21(m, __VA_ARGS__)
#define MINK_PP_FE_23(m, x, ...) m(x) MINK_PP_FE_22(m, __VA_ARGS__)
#define MINK_PP_FE_24(m, x, ...) m(x) MINK_PP_FE_23(m, __VA_ARGS__)
#define MINK_PP_FE_25(m, x, ...) m(x) MINK_PP_FE_24(m, __VA_ARGS__)
#define MINK_PP_FE_26(m, x, ...) m(x) MINK_PP_FE_25(m, __VA_ARGS__)
#define MINK_PP_FE_27(m, x, ...) m(x) MINK_PP_FE_26(m, __VA_ARGS__)
#define MINK_PP_FE_28(m, x, ...) m(x) MINK_PP_FE_27(m, __VA_ARGS__)
#define MINK_PP_FE_29(m, x, ...) m(x) MINK_PP_FE_28(m, __VA_ARGS__)
#define MINK_PP_FE_30(m, x, ...) m(x) MINK_PP_FE_29(m, __VA_ARGS__)
#define MINK_PP_FE_31(m, x, ...) m(x) MINK_PP_FE_30(m, __VA_ARGS__)
#define MINK_PP_FE_32(m, x, ...) m(x) MINK_PP_FE_31(m, __VA_ARGS__)

#define MINK_PP_VISIT_FIELD(f) mink_f(#f, &mink_self::f);
#define MINK_PP_ENUM_ENTRY(x) {static_cast<int64_t>(mink_self::x), #x},
#define MINK_PP_NAME_MATCH(f) mink_name == #f ||

// -- the declarations ------------------------------------------------------------

/// Lists the fields of struct `T` (at most 32, possibly none), in the order
/// they are written to JSON.
#define MINK_FIELDS(T, ...)                                                    \
  template <class MinkF>                                                       \
  [[maybe_unused]] inline void mink_visit_fields(::mink::type_tag<T>,          \
                                                 MinkF&& mink_f) {             \
    using mink_self [[maybe_unused]] = T;                                      \
    MINK_PP_FOR_EACH(MINK_PP_VISIT_FIELD __VA_OPT__(, ) __VA_ARGS__)           \
    (void) mink_f;                                                             \
  }

/// An event type: its stored type name `name` and its fields.
#define MINK_EVENT(T, name, ...)                                               \
  MINK_FIELDS(T __VA_OPT__(, ) __VA_ARGS__)                                    \
  [[maybe_unused]] constexpr const char* mink_type_name(::mink::type_tag<T>) { \
    return name;                                                               \
  }

/// A command type, named after the struct (e.g. `deposit`), and its fields.
#define MINK_COMMAND(T, ...) MINK_EVENT(T, #T __VA_OPT__(, ) __VA_ARGS__)

/// The schema version of event type `T` (default 1); raise it when the
/// stored form changes, and register upcasters from the older versions.
#define MINK_SCHEMA_VERSION(T, n)                                              \
  [[maybe_unused]] constexpr int32_t mink_schema_version(                      \
    ::mink::type_tag<T>) {                                                     \
    return n;                                                                  \
  }

/// Fields of `T` that may be missing from JSON: they keep the value that
/// `T{}` gives them. Any other missing field (except an optional) is an
/// error that names the type and the field.
#define MINK_DEFAULTS(T, ...)                                                  \
  [[maybe_unused]] inline bool mink_has_default(::mink::type_tag<T>,           \
                                                std::string_view mink_name) {  \
    return MINK_PP_FOR_EACH(MINK_PP_NAME_MATCH, __VA_ARGS__) false;            \
  }

/// The enumerators of enum `E`, written to JSON by name.
#define MINK_ENUM(E, ...)                                                      \
  [[maybe_unused]] inline const ::mink::enum_entry* mink_enum_entries(         \
    ::mink::type_tag<E>, size_t& mink_n) {                                     \
    using mink_self = E;                                                       \
    static const ::mink::enum_entry mink_xs[] = {                              \
      MINK_PP_FOR_EACH(MINK_PP_ENUM_ENTRY, __VA_ARGS__)};                      \
    mink_n = sizeof(mink_xs) / sizeof(mink_xs[0]);                             \
    return mink_xs;                                                            \
  }

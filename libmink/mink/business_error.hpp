#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include "mink/errc.hpp"
#include "mink/serialization/describe.hpp"

namespace mink {

/// Returns whether `err` is a business error: an error that an aggregate's
/// `decide` returned because the command breaks a rule of the domain (e.g.
/// "insufficient funds"). Business errors use the application's own error
/// category. Not business errors: the empty error, mink's own errors
/// (category `mink`) and CAF's (categories `system` for `caf::sec`, `exit`
/// for `caf::exit_reason`, `parser` for `caf::pec`), such as a timed-out
/// request.
///
/// Retrying a command never turns a business error into a success, so mink
/// never retries one.
[[nodiscard]] inline bool is_business_error(const caf::error& err) noexcept {
  if (!err)
    return false;
  auto cat = err.category();
  return cat != error_category && cat != caf::atom("system")
         && cat != caf::atom("exit") && cat != caf::atom("parser");
}

/// The explanation that `make_error(code, what)` stored in `err`, or an
/// empty string.
std::string explanation_of(const caf::error& err);

/// The code of `err` if it is an error of business error enum `E` (see
/// `MINK_BUSINESS_ERRORS`), `E{}` otherwise.
template <class E>
E business_code_of(const caf::error& err) {
  if (!err || err.category() != mink_error_category(type_tag<E>{}))
    return E{};
  return static_cast<E>(err.code());
}

/// Renders an error of business error enum `E` as
/// `<category>.<code>: <explanation>` (e.g. `bank.insufficient_funds:
/// balance 0, requested 5`) and any other error as `to_text` does.
template <class E>
std::string describe_business(const caf::error& err) {
  auto cat = mink_error_category(type_tag<E>{});
  if (!err || err.category() != cat)
    return to_text(err);
  auto result = caf::to_string(cat) + "." + enum_name(static_cast<E>(err.code()));
  auto what = explanation_of(err);
  return what.empty() ? result : result + ": " + what;
}

} // namespace mink

/// Declares enum `E` (with underlying type `uint8_t` and a first
/// enumerator 0 meaning "no error") as the business error codes of
/// `category` (at most 10 characters, an atom): the enumerators' names,
/// and `make_error(E)` / `make_error(E, what)`, which CAF finds by ADL so
/// that `decide` may `return E::insufficient_funds;`.
#define MINK_BUSINESS_ERRORS(E, category, ...)                                 \
  MINK_ENUM(E, __VA_ARGS__)                                                    \
  [[maybe_unused]] constexpr caf::atom_value mink_error_category(              \
    ::mink::type_tag<E>) {                                                     \
    return caf::atom(category);                                                \
  }                                                                            \
  [[maybe_unused]] inline caf::error make_error(E x) {                         \
    return caf::error{static_cast<uint8_t>(x), caf::atom(category)};           \
  }                                                                            \
  [[maybe_unused]] inline caf::error make_error(E x, std::string what) {       \
    return caf::error{static_cast<uint8_t>(x), caf::atom(category),            \
                      caf::make_message(std::move(what))};                     \
  }

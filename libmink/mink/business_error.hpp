#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include "mink/errc.hpp"

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

} // namespace mink

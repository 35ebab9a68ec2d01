#pragma once

// Template definitions of projection_target.hpp.

#include <exception>

#include "mink/errc.hpp"

namespace mink {

template <class F>
caf::error call_handler(const std::string& projection, F&& f) noexcept {
  try {
    return handler_error(projection, f());
  } catch (const std::exception& ex) {
    return make_error(errc::projection_failed,
                      "projection " + projection + " threw: " + ex.what());
  } catch (...) {
    return make_error(errc::projection_failed,
                      "projection " + projection + " threw");
  }
}

} // namespace mink

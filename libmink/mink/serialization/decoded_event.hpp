#pragma once

#include <any>

#include "mink/event.hpp"

namespace mink {

/// A stored event decoded into its C++ type by an `event_registry`.
struct decoded_event {
  /// The stored envelope, with `data` and `schema_version` as they are
  /// after upcasting (i.e. at the type's current schema version).
  recorded_event envelope;

  /// The C++ event, an instance of the type registered under
  /// `envelope.type`.
  std::any value;

  /// Returns a pointer to the event if it is a `T`, `nullptr` otherwise.
  template <class T>
  const T* get() const {
    return std::any_cast<T>(&value);
  }
};

} // namespace mink

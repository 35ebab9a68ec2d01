#pragma once

#include <cstddef>
#include <string>

#include "mink/command/command.hpp"
#include "mink/event.hpp"
#include "mink/metadata.hpp"

namespace mink {

// Approximate bytes that values take in memory, for bounds by size: the
// object itself plus the heap memory of its strings. Allocator overhead and
// what a `std::any` payload owns are not counted.

/// The heap bytes of `x` (0 for a string short enough to live inside it).
[[nodiscard]] inline size_t heap_bytes(const std::string& x) noexcept {
  return x.capacity() > std::string{}.capacity() ? x.capacity() + 1 : 0;
}

/// The heap bytes of a metadata's strings and custom pairs.
[[nodiscard]] inline size_t heap_bytes(const metadata& x) noexcept {
  auto n = heap_bytes(x.correlation_id) + heap_bytes(x.causation_id)
           + heap_bytes(x.user_id) + heap_bytes(x.tenant_id);
  for (const auto& [k, v] : x.custom)
    n += 4 * sizeof(void*) + 2 * sizeof(std::string) + heap_bytes(k)
         + heap_bytes(v);
  return n;
}

/// The approximate bytes of a recorded event.
[[nodiscard]] inline size_t footprint(const recorded_event& x) noexcept {
  return sizeof(recorded_event) + heap_bytes(x.event_id)
         + heap_bytes(x.stream_id) + heap_bytes(x.type) + heap_bytes(x.data)
         + heap_bytes(x.meta);
}

/// The approximate bytes of a command envelope (its payload counted by the
/// envelope's own size only).
[[nodiscard]] inline size_t footprint(const command_envelope& x) noexcept {
  return sizeof(command_envelope) + heap_bytes(x.type)
         + heap_bytes(x.aggregate_type) + heap_bytes(x.aggregate_id)
         + heap_bytes(x.command_id) + heap_bytes(x.meta);
}

} // namespace mink

#pragma once

#include <iosfwd>

#include "mink/event.hpp"

namespace mink::cli {

/// Prints one event: NDJSON when `json`, else one readable line
/// (`position  stream@version  type  timestamp  data`).
void print_event(std::ostream& out, const recorded_event& ev, bool json);

} // namespace mink::cli

#pragma once

#include <algorithm>

#include "mink/event.hpp"
#include "mink/store/event_store.hpp"
#include "mink/stream_id.hpp"

namespace mink {

/// Returns whether `filter` lets `ev` through (for stores that filter in
/// C++ rather than in SQL).
inline bool matches(const read_filter& filter, const recorded_event& ev) {
  if (!filter.category.empty() && category_of(ev.stream_id) != filter.category)
    return false;
  return filter.event_types.empty()
         || std::find(filter.event_types.begin(), filter.event_types.end(),
                      ev.type)
              != filter.event_types.end();
}

} // namespace mink

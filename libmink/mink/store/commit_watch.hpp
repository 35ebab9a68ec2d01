#pragma once

#include <cstdint>
#include <functional>

namespace mink {

/// Called with the last position of a committed append batch, from a
/// thread of the store's (it must not block long). A position of 0 means
/// "something may have been missed" (the watch reconnected): read the
/// store's last position.
using commit_callback = std::function<void(int64_t last_position)>;

/// A watch on the commits of every process writing to a store (see
/// `event_store::watch_commits`); the callback stops when it is destroyed.
class commit_watch {
public:
  virtual ~commit_watch();
};

} // namespace mink

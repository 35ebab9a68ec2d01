#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <caf/error.hpp>

#include "mink/event.hpp"
#include "mink/projection/projection.hpp"
#include "mink/store/append.hpp"

namespace soci {
class session;
} // namespace soci

namespace mink {

/// The inline projections of an event store adapter: a list that appends
/// read while `add` may write it.
class inline_projections {
public:
  using list = std::vector<std::shared_ptr<sql_projection>>;

  /// Adds `p` (already set up).
  void add(std::shared_ptr<sql_projection> p);

  /// Returns the current list; it never changes once returned.
  [[nodiscard]] std::shared_ptr<const list> get() const;

private:
  mutable std::mutex mtx_;
  std::shared_ptr<const list> list_ = std::make_shared<list>();
};

/// Runs every projection of `ps` on `events` (in the open transaction of
/// `sql`), each on the events its filter passes. Returns the first
/// failure as `projection_failed`, naming the projection; an exception
/// becomes one too.
[[nodiscard]] caf::error apply_inline(soci::session& sql,
                                      const inline_projections::list& ps,
                                      const std::vector<recorded_event>& events);

/// Returns the envelopes of the events of `x` as they are being stored:
/// versions from `first_version`, positions from `first_position`.
[[nodiscard]] std::vector<recorded_event>
to_recorded(const prepared_append& x, int64_t first_version,
            int64_t first_position, int64_t timestamp_us);

} // namespace mink

#pragma once

#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/fwd.hpp>
#include <caf/intrusive_ptr.hpp>

namespace mink {

/// Actors of any interface that one owner (a service, a test) stops
/// together, in the order they were added: routers before the persistence
/// actor they append to, for instance. Stopping is sending each an exit
/// message; the owner then waits with `await_all_actors_done`, before its
/// actor system goes.
class actor_list {
public:
  actor_list() = default;
  actor_list(const actor_list&) = delete;
  actor_list& operator=(const actor_list&) = delete;

  /// Stops what is still in the list.
  ~actor_list();

  /// Adds `h` (any actor handle) and returns it.
  template <class Handle>
  Handle add(Handle h) {
    list_.push_back(caf::actor_cast<caf::strong_actor_ptr>(h));
    return h;
  }

  /// Sends every actor of the list an exit with `reason`, in order, and
  /// empties the list.
  void stop(caf::exit_reason reason = caf::exit_reason::user_shutdown);

  [[nodiscard]] bool empty() const noexcept { return list_.empty(); }

private:
  std::vector<caf::strong_actor_ptr> list_;
};

} // namespace mink

#include "mink/store/commit_watch.hpp"

#include <exception>
#include <utility>

#include "mink/store/event_store.hpp"

namespace mink {

commit_watch::~commit_watch() = default;

std::unique_ptr<commit_watch>
event_store::watch_commits(commit_callback on_commit) {
  if (!on_commit)
    return nullptr;
  try {
    return do_watch_commits(std::move(on_commit));
  } catch (const std::exception&) {
    // No thread for it (out of resources): readers poll instead.
    return nullptr;
  }
}

std::unique_ptr<commit_watch> event_store::do_watch_commits(commit_callback) {
  return nullptr;
}

bool event_store::takes_fences() const noexcept {
  return false;
}

} // namespace mink

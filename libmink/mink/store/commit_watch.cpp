#include "mink/store/commit_watch.hpp"

#include <utility>

#include "mink/store/event_store.hpp"

namespace mink {

commit_watch::~commit_watch() = default;

std::unique_ptr<commit_watch>
event_store::watch_commits(commit_callback on_commit) {
  if (!on_commit)
    return nullptr;
  return do_watch_commits(std::move(on_commit));
}

std::unique_ptr<commit_watch> event_store::do_watch_commits(commit_callback) {
  return nullptr;
}

} // namespace mink

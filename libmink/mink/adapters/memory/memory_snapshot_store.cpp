#include "mink/adapters/memory/memory_snapshot_store.hpp"

#include "mink/adapters/memory/find_copy.hpp"
#include "mink/clock.hpp"
#include "mink/stream_id.hpp"

namespace mink {

namespace {

bool in_category(const std::string& stream_id, const std::string& category) {
  return category.empty() || category_of(stream_id) == category;
}

} // namespace

memory_snapshot_store::memory_snapshot_store()
  : state_(std::make_shared<state>()) {
  // nop
}

memory_snapshot_store::memory_snapshot_store(std::shared_ptr<state> st)
  : state_(std::move(st)) {
  // nop
}

std::unique_ptr<memory_snapshot_store> memory_snapshot_store::share() const {
  return std::unique_ptr<memory_snapshot_store>{
    new memory_snapshot_store(state_)};
}

caf::error memory_snapshot_store::do_save(snapshot& s) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  auto& all = state_->snapshots;
  auto i = all.find(s.stream_id);
  if (i != all.end() && i->second.version > s.version)
    return {};
  s.timestamp_us = now_us();
  if (i != all.end()) {
    i->second = std::move(s);
  } else {
    auto key = s.stream_id;
    all.emplace(std::move(key), std::move(s));
  }
  return {};
}

caf::expected<std::optional<snapshot>>
memory_snapshot_store::do_load(const std::string& stream_id) {
  return memory::find_copy(state_->mtx, state_->snapshots, stream_id);
}

caf::error memory_snapshot_store::do_remove(const std::string& stream_id) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  state_->snapshots.erase(stream_id);
  return {};
}

caf::expected<std::vector<snapshot_info>>
memory_snapshot_store::do_list(const std::string& after_stream_id,
                               size_t limit, const std::string& category) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  std::vector<snapshot_info> result;
  const auto& all = state_->snapshots;
  for (auto i = all.upper_bound(after_stream_id);
       i != all.end() && result.size() < limit; ++i) {
    const auto& s = i->second;
    if (in_category(s.stream_id, category))
      result.push_back(snapshot_info{s.stream_id, s.version, s.state_type,
                                     s.schema_version, s.data.size(),
                                     s.timestamp_us});
  }
  return result;
}

caf::expected<size_t>
memory_snapshot_store::do_purge(const std::string& category) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  auto& all = state_->snapshots;
  size_t removed = 0;
  for (auto i = all.begin(); i != all.end();) {
    if (in_category(i->first, category)) {
      i = all.erase(i);
      ++removed;
    } else {
      ++i;
    }
  }
  return removed;
}

} // namespace mink

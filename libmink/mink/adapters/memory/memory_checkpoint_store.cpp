#include "mink/adapters/memory/memory_checkpoint_store.hpp"

#include "mink/adapters/memory/find_copy.hpp"
#include "mink/clock.hpp"
#include "mink/projection/detail/checkpoint_checks.hpp"

namespace mink {

/// Gives the projection up when destroyed. Keeps the storage alive.
class memory_checkpoint_store::lease : public runner_lease {
public:
  lease(std::shared_ptr<state> st, std::string name)
    : state_(std::move(st)), name_(std::move(name)) {
    // nop
  }

  ~lease() override {
    std::lock_guard<std::mutex> guard{state_->mtx};
    state_->leased.erase(name_);
  }

  bool held() override { return true; }

private:
  std::shared_ptr<state> state_;
  std::string name_;
};

memory_checkpoint_store::memory_checkpoint_store()
  : state_(std::make_shared<state>()) {
  // nop
}

memory_checkpoint_store::memory_checkpoint_store(std::shared_ptr<state> st)
  : state_(std::move(st)) {
  // nop
}

std::unique_ptr<memory_checkpoint_store>
memory_checkpoint_store::share() const {
  return std::unique_ptr<memory_checkpoint_store>{
    new memory_checkpoint_store(state_)};
}

template <class F>
caf::error memory_checkpoint_store::with_record(const std::string& name, F f) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  auto i = state_->records.find(name);
  if (i == state_->records.end())
    return detail::projection_missing(name);
  return f(i->second);
}

caf::expected<projection_record>
memory_checkpoint_store::do_ensure(const std::string& name) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  auto i = state_->records.find(name);
  if (i == state_->records.end()) {
    projection_record fresh;
    fresh.name = name;
    i = state_->records.emplace(name, std::move(fresh)).first;
  }
  return i->second;
}

caf::expected<std::optional<projection_record>>
memory_checkpoint_store::do_load(const std::string& name) {
  return memory::find_copy(state_->mtx, state_->records, name);
}

caf::expected<std::vector<projection_record>>
memory_checkpoint_store::do_list() {
  std::lock_guard<std::mutex> guard{state_->mtx};
  std::vector<projection_record> result;
  result.reserve(state_->records.size());
  for (const auto& kvp : state_->records)
    result.push_back(kvp.second);
  return result;
}

caf::error memory_checkpoint_store::do_save(const std::string& name,
                                            int64_t expected,
                                            int64_t position) {
  return with_record(name, [&](projection_record& x) -> caf::error {
    if (x.position != expected)
      return detail::checkpoint_moved(name, expected, x.position);
    x.position = position;
    return {};
  });
}

caf::error memory_checkpoint_store::do_set_desired(const std::string& name,
                                                   projection_desired desired) {
  return with_record(name, [&](projection_record& x) -> caf::error {
    x.desired = desired;
    return {};
  });
}

caf::error memory_checkpoint_store::do_request_reset(const std::string& name,
                                                     int64_t position) {
  return with_record(name, [&](projection_record& x) -> caf::error {
    x.reset_to = position;
    return {};
  });
}

caf::error
memory_checkpoint_store::do_request_rebuild(const std::string& name) {
  return with_record(name, [&](projection_record& x) -> caf::error {
    x.rebuild_requested = true;
    return {};
  });
}

caf::error
memory_checkpoint_store::do_complete_request(const std::string& name,
                                             int64_t position) {
  return with_record(name, [&](projection_record& x) -> caf::error {
    x.position = position;
    x.reset_to.reset();
    x.rebuild_requested = false;
    return {};
  });
}

caf::error memory_checkpoint_store::do_report(const std::string& name,
                                              const projection_report& r) {
  return with_record(name, [&](projection_record& x) -> caf::error {
    x.state = r.state;
    x.lag_events = r.lag_events;
    x.lag_seconds = r.lag_seconds;
    x.last_error = r.last_error;
    x.runner = r.runner;
    x.reported_us = now_us();
    return {};
  });
}

caf::error memory_checkpoint_store::do_park(const std::string& name,
                                            const recorded_event& ev,
                                            const std::string& error) {
  return with_record(name, [&](projection_record&) -> caf::error {
    dead_letter x;
    x.projection = name;
    x.position = ev.global_position;
    x.event_id = ev.event_id;
    x.stream_id = ev.stream_id;
    x.event_type = ev.type;
    x.error = error;
    x.parked_us = now_us();
    state_->letters[{name, ev.global_position}] = std::move(x);
    return {};
  });
}

caf::expected<std::vector<dead_letter>>
memory_checkpoint_store::do_dead_letters(const std::string& name,
                                         size_t limit) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  if (!name.empty() && state_->records.count(name) == 0)
    return detail::projection_missing(name);
  std::vector<dead_letter> result;
  auto& all = state_->letters;
  auto i = name.empty() ? all.begin() : all.lower_bound({name, 0});
  for (; i != all.end() && result.size() < limit; ++i) {
    if (!name.empty() && i->first.first != name)
      break;
    result.push_back(i->second);
  }
  return result;
}

caf::error memory_checkpoint_store::do_request_replay(const std::string& name,
                                                      int64_t position) {
  return with_record(name, [&](projection_record&) -> caf::error {
    auto i = state_->letters.find({name, position});
    if (i == state_->letters.end())
      return detail::dead_letter_missing(name, position);
    i->second.replay_requested = true;
    return {};
  });
}

caf::error
memory_checkpoint_store::do_remove_dead_letter(const std::string& name,
                                               int64_t position) {
  return with_record(name, [&](projection_record&) -> caf::error {
    state_->letters.erase({name, position});
    return {};
  });
}

caf::expected<std::unique_ptr<runner_lease>>
memory_checkpoint_store::do_try_lead(const std::string& name) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  if (!state_->leased.insert(name).second)
    return std::unique_ptr<runner_lease>{};
  return std::unique_ptr<runner_lease>{new lease(state_, name)};
}

} // namespace mink

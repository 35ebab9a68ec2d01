#include "mink/adapters/memory/memory_saga_store.hpp"

#include <algorithm>

namespace mink {

caf::expected<std::vector<std::optional<saga_record>>>
memory_saga_store::load_many(const std::string& saga,
                             const std::vector<std::string>& instances) {
  if (auto err = validate_saga_keys(saga, instances))
    return err;
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::optional<saga_record>> out(instances.size());
  for (size_t k = 0; k < instances.size(); ++k)
    if (auto i = records_.find({saga, instances[k]}); i != records_.end())
      out[k] = i->second;
  return out;
}

caf::error memory_saga_store::save(const std::string& saga,
                                   const std::vector<saga_change>& changes) {
  if (auto err = validate_saga_change(saga, changes))
    return err;
  std::lock_guard<std::mutex> guard{mtx_};
  for (const auto& c : changes) {
    records_[{saga, c.instance}] = c.record;
    for (const auto& name : c.cancel)
      timers_.erase({saga, c.instance, name});
    for (const auto& t : c.set)
      timers_[{saga, c.instance, t.name}] = t.due_us;
    if (c.record.done) // a finished instance wakes no more
      for (auto i = timers_.begin(); i != timers_.end();)
        i = std::get<0>(i->first) == saga && std::get<1>(i->first) == c.instance
              ? timers_.erase(i)
              : std::next(i);
  }
  return {};
}

caf::expected<std::vector<saga_timer>>
memory_saga_store::due(const std::string& saga, int64_t now_us, size_t limit) {
  if (auto err = validate_saga_key(saga, "-"))
    return err;
  std::vector<saga_timer> out;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (const auto& [k, due_us] : timers_)
      if (std::get<0>(k) == saga && due_us <= now_us)
        out.push_back({std::get<1>(k), std::get<2>(k), due_us});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.due_us < y.due_us;
  });
  if (out.size() > limit)
    out.resize(limit);
  return out;
}

caf::error memory_saga_store::remove_timer(const std::string& saga,
                                           const saga_timer& t) {
  if (auto err = validate_saga_key(saga, t.instance))
    return err;
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = timers_.find({saga, t.instance, t.name});
  if (i != timers_.end() && i->second == t.due_us)
    timers_.erase(i);
  return {};
}

} // namespace mink

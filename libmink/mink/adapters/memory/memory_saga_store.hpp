#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "mink/saga/saga_store.hpp"

namespace mink {

/// A saga store in process memory, for tests and the memory adapter: its
/// timers work, but nothing survives the process.
class memory_saga_store : public saga_store {
public:
  caf::expected<std::optional<saga_record>>
  load(const std::string& saga, const std::string& instance) override;

  caf::error save(const std::string& saga,
                  const std::vector<saga_change>& changes) override;

  caf::expected<std::vector<saga_timer>>
  due(const std::string& saga, int64_t now_us, size_t limit) override;

  caf::error remove_timer(const std::string& saga,
                          const saga_timer& t) override;

private:
  using key = std::pair<std::string, std::string>; // saga, instance
  using timer_key = std::tuple<std::string, std::string, std::string>;

  std::mutex mtx_;
  std::map<key, saga_record> records_;
  std::map<timer_key, int64_t> timers_;
};

} // namespace mink

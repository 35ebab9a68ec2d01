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
  MINK_SAGA_STORE_OVERRIDES

private:
  using key = std::pair<std::string, std::string>; // saga, instance
  using timer_key = std::tuple<std::string, std::string, std::string>;

  std::mutex mtx_;
  std::map<key, saga_record> records_;
  std::map<timer_key, int64_t> timers_;
};

} // namespace mink

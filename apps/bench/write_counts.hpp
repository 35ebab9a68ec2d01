#pragma once

// The read side of mink-bench's workloads: an in-memory read model that
// counts the writes each aggregate took, so that a read after a write can
// check that it sees that write (read-your-writes).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "mink/projection/read_model.hpp"

namespace mink_bench {

/// The name of the read model (its checkpoint, and what reads wait for).
constexpr const char* write_counts_name = "bench_write_counts";

/// Counts the events of one type per aggregate id.
class write_counts : public mink::async_read_model {
public:
  /// Counts events of type `E` in `category`.
  template <class E>
  static std::shared_ptr<write_counts>
  of(std::shared_ptr<const mink::event_registry> reg, std::string category) {
    std::shared_ptr<write_counts> p{
      new write_counts(std::move(reg), std::move(category))};
    p->on<E>([raw = p.get()](const mink::typed_event<E>& ev) {
      raw->add(ev.id());
    });
    return p;
  }

  /// The writes of aggregate `id` applied so far.
  int64_t count(const std::string& id) const {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = counts_.find(id);
    return i == counts_.end() ? 0 : i->second;
  }

  caf::error clear() override {
    std::lock_guard<std::mutex> guard{mtx_};
    counts_.clear();
    return {};
  }

private:
  write_counts(std::shared_ptr<const mink::event_registry> reg,
               std::string category)
    : async_read_model(write_counts_name, std::move(reg), std::move(category)) {
  }

  void add(std::string_view id) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = counts_.find(id);
    if (i == counts_.end())
      counts_.emplace(std::string{id}, 1);
    else
      ++i->second;
  }

  mutable std::mutex mtx_;
  std::map<std::string, int64_t, std::less<>> counts_;
};

} // namespace mink_bench

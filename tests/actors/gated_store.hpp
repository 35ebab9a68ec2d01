#pragma once

// Gates that a store's calls wait at until the test opens them, and a
// memory store whose appends wait at one.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>


#include "mink/adapters/memory/memory_event_store.hpp"

namespace mink::testing {

/// A gate that a store's calls wait at until the test opens it, recording
/// the size of each call that reached it: a test knows for certain that a
/// call is at the store, and for how long.
class test_gate {
public:
  /// Opens the gate for good: calls waiting pass, later ones do not stop.
  void open() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      open_ = true;
    }
    cv_.notify_all();
  }

  /// Called by the store: records a call of `size`, then waits until the
  /// gate is open.
  void pass(size_t size) {
    std::unique_lock<std::mutex> guard{mtx_};
    sizes_.push_back(size);
    cv_.notify_all();
    cv_.wait(guard, [&] { return open_; });
  }

  /// Waits until `n` calls reached the gate (or passed it), at most
  /// `timeout`; returns whether they did.
  bool wait_entered(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return sizes_.size() >= n; });
  }

  /// How many calls reached the gate.
  size_t entered() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return sizes_.size();
  }

  /// The sizes of the calls that reached the gate, in order.
  std::vector<size_t> sizes() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return sizes_;
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool open_ = false;
  std::vector<size_t> sizes_;
};

/// A memory store whose appends wait at `gate` (size: the batch's appends).
class gated_store : public memory_event_store {
public:
  test_gate gate;

protected:
  void do_append(std::vector<prepared_append>& prepared,
                 append_results& out) override {
    gate.pass(prepared.size());
    memory_event_store::do_append(prepared, out);
  }
};

/// Opens `gate` when it goes out of scope, so that no thread stays blocked
/// at it whatever a test does.
struct gate_opener {
  test_gate& gate;
  ~gate_opener() { gate.open(); }
};

} // namespace mink::testing

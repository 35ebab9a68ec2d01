#pragma once

// A memory store whose appends wait at a gate that the test opens: a test
// knows for certain that a batch is at the store, and for how long.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include <caf/actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "mink/adapters/memory/memory_event_store.hpp"

namespace mink::testing {

class gated_store : public memory_event_store {
public:
  /// Opens the gate for good: appends waiting pass, later ones do not stop.
  void open() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      open_ = true;
    }
    cv_.notify_all();
  }

  /// Waits until `n` appends reached the gate (or passed it), at most
  /// `timeout`; returns whether they did.
  bool wait_entered(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return entered_ >= n; });
  }

  /// The sizes of the batches that reached the gate, in order.
  std::vector<size_t> batches() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return batches_;
  }

protected:
  void do_append(std::vector<prepared_append>& prepared,
                 append_results& out) override {
    {
      std::unique_lock<std::mutex> guard{mtx_};
      ++entered_;
      batches_.push_back(prepared.size());
      cv_.notify_all();
      cv_.wait(guard, [&] { return open_; });
    }
    memory_event_store::do_append(prepared, out);
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool open_ = false;
  size_t entered_ = 0;
  std::vector<size_t> batches_;
};

/// Stops `actor` when it goes out of scope, however a test ends: the actor
/// system waits for every actor before it shuts down.
struct actor_stopper {
  caf::actor actor;
  ~actor_stopper() {
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  }
};

/// Opens `store`'s gate when it goes out of scope, so that no thread stays
/// blocked at it whatever a test does.
struct gate_opener {
  gated_store& store;
  ~gate_opener() { store.open(); }
};

} // namespace mink::testing

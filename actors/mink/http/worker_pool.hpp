#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace mink::http {

/// A few threads for the blocking part of a request (a read-model query
/// through a database driver that has no asynchronous calls), so the
/// server's I/O threads never block. The queue is bounded: when it is
/// full, `post` refuses and the request should get 503.
class worker_pool {
public:
  /// Starts `threads` threads (at least one); at most `max_queued` jobs
  /// wait for them.
  worker_pool(size_t threads, size_t max_queued);

  /// Stops (see `stop`).
  ~worker_pool();

  /// Refuses new jobs, runs what is queued, then joins the threads (a
  /// thread of the pool that calls it is left to finish alone). Idempotent.
  void stop();

  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Queues `job`; false when the queue is full or the pool stops.
  [[nodiscard]] bool post(std::function<void()> job);

  /// Jobs waiting now.
  [[nodiscard]] size_t queued() const;

private:
  // Shared with the threads: a thread left to finish alone (see `stop`)
  // outlives the pool.
  struct state {
    size_t max_queued = 0;
    std::mutex mtx;
    std::condition_variable cv;
    std::deque<std::function<void()>> jobs;
    bool stopping = false;
  };

  static void run(std::shared_ptr<state> st);

  std::shared_ptr<state> state_;
  std::mutex threads_mtx_;
  std::vector<std::thread> threads_;
};

} // namespace mink::http

#include "mink/http/worker_pool.hpp"

namespace mink::http {

worker_pool::worker_pool(size_t threads, size_t max_queued)
  : state_(std::make_shared<state>()) {
  state_->max_queued = max_queued;
  if (threads == 0)
    threads = 1;
  for (size_t i = 0; i < threads; ++i)
    threads_.emplace_back([st = state_] { run(st); });
}

worker_pool::~worker_pool() {
  stop();
}

void worker_pool::stop() {
  {
    std::lock_guard<std::mutex> guard{state_->mtx};
    state_->stopping = true;
  }
  state_->cv.notify_all();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> guard{threads_mtx_};
    threads.swap(threads_);
  }
  for (auto& t : threads) {
    // A job may drop the last reference to the pool: its own thread
    // cannot join itself, so it finishes alone.
    if (t.get_id() == std::this_thread::get_id())
      t.detach();
    else
      t.join();
  }
}

bool worker_pool::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> guard{state_->mtx};
    if (state_->stopping || state_->jobs.size() >= state_->max_queued)
      return false;
    state_->jobs.push_back(std::move(job));
  }
  state_->cv.notify_one();
  return true;
}

size_t worker_pool::queued() const {
  std::lock_guard<std::mutex> guard{state_->mtx};
  return state_->jobs.size();
}

void worker_pool::run(std::shared_ptr<state> st) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> guard{st->mtx};
      st->cv.wait(guard, [&] { return st->stopping || !st->jobs.empty(); });
      if (st->jobs.empty())
        return;
      job = std::move(st->jobs.front());
      st->jobs.pop_front();
    }
    job();
  }
}

} // namespace mink::http

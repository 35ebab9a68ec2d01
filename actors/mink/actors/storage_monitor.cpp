#include "mink/actors/storage_monitor.hpp"

#include <utility>

#include <spdlog/spdlog.h>

#include "mink/errc.hpp"

namespace mink {

storage_monitor::storage_monitor(std::shared_ptr<event_store> store,
                                 std::chrono::milliseconds interval,
                                 logger_ptr log)
  : store_(std::move(store)),
    interval_(interval),
    log_(or_default(std::move(log))) {
  thread_ = std::thread{[this] { run(); }};
}

storage_monitor::~storage_monitor() {
  stop();
}

storage_reading storage_monitor::reading() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return reading_;
}

void storage_monitor::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  store_.reset();
}

void storage_monitor::run() {
  std::unique_lock<std::mutex> guard{mtx_};
  while (!stopping_) {
    guard.unlock();
    check();
    guard.lock();
    cv_.wait_for(guard, interval_, [this] { return stopping_; });
  }
}

void storage_monitor::check() {
  auto usage = store_->storage_usage();
  // Only an unreachable store is down: a pool that stays busy past its
  // acquire timeout (`timeout`) under load says nothing about the store.
  auto down = !usage && code_of(usage.error()) == errc::store_unavailable;
  bool went_down = false;
  bool came_back = false;
  std::string error;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto was_up = reading_.up || !reading_.checked;
    if (usage || down)
      reading_.checked = true;
    if (usage) {
      came_back = !was_up;
      reading_.up = true;
      reading_.usage = std::move(*usage);
      reading_.usage_at = std::chrono::steady_clock::now();
      reading_.last_error.clear();
    } else {
      ++reading_.failures;
      reading_.last_error = error = to_text(usage.error());
      if (down) {
        went_down = was_up;
        reading_.up = false;
      }
    }
  }
  // Once per outage, outside the lock (a scrape never waits for the log).
  if (came_back)
    log_->info("storage check: the store answers again");
  else if (went_down)
    log_->warn("storage check: the store does not answer: {}", error);
  else if (!usage)
    log_->debug("storage check failed: {}", error);
}

} // namespace mink

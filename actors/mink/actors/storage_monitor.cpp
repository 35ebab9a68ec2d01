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
  std::lock_guard<std::mutex> guard{mtx_};
  auto was_up = reading_.up || !reading_.checked;
  reading_.checked = true;
  reading_.up = static_cast<bool>(usage);
  if (usage) {
    if (!was_up)
      log_->info("storage check: the store answers again");
    reading_.usage = std::move(*usage);
    reading_.usage_at = std::chrono::steady_clock::now();
    reading_.last_error.clear();
    return;
  }
  ++reading_.failures;
  reading_.last_error = to_text(usage.error());
  // Once per outage: a store down for an hour logs one line, not 240.
  if (was_up)
    log_->warn("storage check: the store does not answer: {}",
               reading_.last_error);
}

} // namespace mink

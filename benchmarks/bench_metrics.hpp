#pragma once

// The metrics a service keeps on its command path, for command_bench
// --path metrics: the command middleware, the append histograms, and a
// scrape every second on a thread of its own (as Prometheus would).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "mink/service/command_metrics.hpp"
#include "mink/service/service_metrics.hpp"

namespace mink::bench {

class bench_metrics {
public:
  bench_metrics() {
    scraper_ = std::thread{[this] { scrape_loop(); }};
  }

  ~bench_metrics() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stop_ = true;
    }
    cv_.notify_all();
    scraper_.join();
  }

  std::function<void(size_t, size_t, double)> on_batch() {
    return service_metrics::batch_observer(metrics_);
  }

  mink::middleware command_middleware() {
    command_metrics_config cfg;
    cfg.known_types = {"note"};
    return *command_metrics(metrics_->shared_registry(), cfg);
  }

  /// Series in the last scrape (sample lines).
  size_t series() const { return series_.load(); }

  size_t scrapes() const { return scrapes_.load(); }

private:
  void scrape_loop() {
    std::unique_lock<std::mutex> guard{mtx_};
    while (!cv_.wait_for(guard, std::chrono::seconds{1}, [this] { return stop_; })) {
      auto text = metrics_->render();
      size_t n = 0;
      for (size_t i = 0; i < text.size(); ++i)
        if ((i == 0 || text[i - 1] == '\n') && text[i] != '#')
          ++n;
      series_ = n;
      ++scrapes_;
    }
  }

  std::shared_ptr<service_metrics> metrics_
    = std::make_shared<service_metrics>();
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<size_t> series_{0};
  std::atomic<size_t> scrapes_{0};
  std::thread scraper_;
};

} // namespace mink::bench

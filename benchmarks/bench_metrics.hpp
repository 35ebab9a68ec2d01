#pragma once

// The metrics a service keeps on its command path, for command_bench
// --path metrics: the command middleware, the append histograms, and a
// scrape every second on a thread of its own (as Prometheus would).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

#include "mink/command/middleware/metrics.hpp"
#include "mink/metrics/registry.hpp"
#include "mink/metrics/text_format.hpp"

namespace mink::bench {

class bench_metrics {
public:
  bench_metrics() {
    auto h = [&](const char* name) {
      return *(*reg_.add_histogram(name, "bench"))->with({});
    };
    append_seconds_ = h("mink_append_duration_seconds");
    batch_events_ = h("mink_append_batch_events");
    batch_appends_ = h("mink_append_batch_appends");
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
    return [this](size_t appends, size_t events, double secs) {
      append_seconds_->observe(secs);
      batch_events_->observe(static_cast<double>(events));
      batch_appends_->observe(static_cast<double>(appends));
    };
  }

  mink::middleware command_middleware() {
    command_metrics_config cfg;
    cfg.known_types = {"note"};
    return *command_metrics(reg_, cfg);
  }

  /// Series in the last scrape (sample lines).
  size_t series() const { return series_.load(); }

  size_t scrapes() const { return scrapes_.load(); }

private:
  void scrape_loop() {
    std::unique_lock<std::mutex> guard{mtx_};
    while (!cv_.wait_for(guard, std::chrono::seconds{1}, [this] { return stop_; })) {
      auto text = metrics::to_prometheus_text(reg_);
      size_t n = 0;
      for (size_t i = 0; i < text.size(); ++i)
        if ((i == 0 || text[i - 1] == '\n') && text[i] != '#')
          ++n;
      series_ = n;
      ++scrapes_;
    }
  }

  metrics::registry reg_;
  metrics::histogram* append_seconds_ = nullptr;
  metrics::histogram* batch_events_ = nullptr;
  metrics::histogram* batch_appends_ = nullptr;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<size_t> series_{0};
  std::atomic<size_t> scrapes_{0};
  std::thread scraper_;
};

} // namespace mink::bench

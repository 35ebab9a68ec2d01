#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/metrics/buckets.hpp"
#include "mink/metrics/counter.hpp"
#include "mink/metrics/family.hpp"
#include "mink/metrics/gauge.hpp"
#include "mink/metrics/histogram.hpp"
#include "mink/metrics/metric_kind.hpp"

namespace mink::metrics {

/// Owns metric families, one per name, for one process or service. Safe to
/// use from any number of threads. Families are never removed, so the
/// pointers that `add_*` and `family::with` return stay valid for the
/// registry's lifetime.
///
/// Every `add_*` fails with `errc::invalid_argument` when the metric name
/// or a label name is invalid (see `names.hpp`), a label name repeats, the
/// name is already taken by a different definition (another kind, help
/// text, label names or buckets), or its samples would collide with those
/// of another family (e.g. a counter `x_count` next to a histogram `x`).
/// Adding the very same definition again returns the existing family.
class registry {
public:
  registry();

  registry(const registry&) = delete;

  registry& operator=(const registry&) = delete;

  ~registry();

  /// Adds (or finds) a counter family.
  [[nodiscard]] caf::expected<family<counter>*>
  add_counter(std::string name, std::string help,
              std::vector<std::string> label_names = {});

  /// Adds (or finds) a gauge family.
  [[nodiscard]] caf::expected<family<gauge>*>
  add_gauge(std::string name, std::string help,
            std::vector<std::string> label_names = {});

  /// Adds (or finds) a histogram family with the given bucket upper bounds
  /// (see `validate_buckets`). The label name `le` is reserved for buckets.
  [[nodiscard]] caf::expected<family<histogram>*>
  add_histogram(std::string name, std::string help,
                std::vector<std::string> label_names = {},
                std::vector<double> buckets = default_latency_buckets());

  /// Calls `f` with every family, ordered by name, as a
  /// `const family<counter>&`, `const family<gauge>&` or
  /// `const family<histogram>&` (so `f` is usually a generic lambda).
  /// Holds the registry's mutex meanwhile: `f` must not add families.
  template <class F>
  void for_each_family(F&& f) const {
    std::lock_guard<std::mutex> guard{mtx_};
    for (const auto& entry : families_) {
      const auto& x = *entry.second;
      switch (x.kind()) {
        case metric_kind::counter:
          f(static_cast<const family<counter>&>(x));
          break;
        case metric_kind::gauge:
          f(static_cast<const family<gauge>&>(x));
          break;
        case metric_kind::histogram:
          f(static_cast<const family<histogram>&>(x));
          break;
      }
    }
  }

  /// Returns the number of families.
  [[nodiscard]] size_t size() const;

private:
  caf::expected<family_base*> add(metric_kind kind, std::string name,
                                  std::string help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> buckets);

  mutable std::mutex mtx_;
  std::map<std::string, std::unique_ptr<family_base>> families_;
};

} // namespace mink::metrics

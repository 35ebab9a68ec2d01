#include "mink/metrics/metric_kind.hpp"

namespace mink::metrics {

const char* to_string(metric_kind x) noexcept {
  switch (x) {
    case metric_kind::counter: return "counter";
    case metric_kind::gauge: return "gauge";
    case metric_kind::histogram: return "histogram";
  }
  return "untyped";
}

} // namespace mink::metrics

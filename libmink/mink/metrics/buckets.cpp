#include "mink/metrics/buckets.hpp"

#include <cmath>
#include <string>

#include "mink/errc.hpp"

namespace mink::metrics {

std::vector<double> default_latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
}

caf::expected<std::vector<double>>
linear_buckets(double start, double width, size_t count) {
  if (count == 0 || !std::isfinite(start) || !std::isfinite(width)
      || !(width > 0.0))
    return make_error(errc::invalid_argument,
                      "linear buckets need count >= 1 and a finite start "
                      "and width > 0");
  std::vector<double> result;
  result.reserve(count);
  for (size_t i = 0; i < count; ++i)
    result.push_back(start + static_cast<double>(i) * width);
  if (auto err = validate_buckets(result))
    return err;
  return result;
}

caf::expected<std::vector<double>>
exponential_buckets(double start, double factor, size_t count) {
  if (count == 0 || !std::isfinite(start) || !std::isfinite(factor)
      || !(start > 0.0) || !(factor > 1.0))
    return make_error(errc::invalid_argument,
                      "exponential buckets need count >= 1, a finite "
                      "start > 0 and a finite factor > 1");
  std::vector<double> result;
  result.reserve(count);
  auto bound = start;
  for (size_t i = 0; i < count; ++i) {
    result.push_back(bound);
    bound *= factor;
  }
  if (auto err = validate_buckets(result))
    return err;
  return result;
}

caf::error validate_buckets(const std::vector<double>& bounds) {
  if (bounds.empty())
    return make_error(errc::invalid_argument,
                      "a histogram needs at least one bucket bound");
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]))
      return make_error(errc::invalid_argument,
                        "bucket bound " + std::to_string(i)
                          + " is not finite (+Inf is implied)");
    if (i > 0 && !(bounds[i - 1] < bounds[i]))
      return make_error(errc::invalid_argument,
                        "bucket bounds must be strictly increasing: bound "
                          + std::to_string(i) + " is not above bound "
                          + std::to_string(i - 1));
  }
  return caf::none;
}

} // namespace mink::metrics

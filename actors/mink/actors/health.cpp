#include "mink/actors/health.hpp"

#include <algorithm>

namespace mink {

bool health_report::healthy() const noexcept {
  return std::all_of(checks.begin(), checks.end(),
                     [](const health_check& x) { return x.healthy; });
}

std::string health_report::reason() const {
  for (const auto& x : checks)
    if (!x.healthy)
      return x.name + ": " + x.detail;
  return {};
}

} // namespace mink

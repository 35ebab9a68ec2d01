#pragma once

// The operator dashboard: one HTML page (mink/service/dashboard.html),
// embedded into the library at build time, which the service kit serves at
// `GET /dashboard` (docs/dashboard.md).

#include <string_view>

namespace mink {

/// The dashboard page: HTML with its styles and script inline, no
/// external resource.
[[nodiscard]] std::string_view dashboard_page() noexcept;

} // namespace mink

#pragma once

#include <memory>
#include <string>

#include "mink/http/router.hpp"
#include "mink/service/http_kit.hpp"

namespace bank {

/// The bank's routes (see docs/http-api.md) on mink's service kit, which
/// adds its own: `/health`, `/metrics` and `/admin/...`. `prefix` is the
/// prefix of the read-model tables (`schema.` or empty).
[[nodiscard]] mink::http::router make_routes(std::shared_ptr<mink::http_kit> kit,
                                             std::string prefix);

} // namespace bank

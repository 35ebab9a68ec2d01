#pragma once

#include <memory>

#include <spdlog/logger.h>

namespace mink {

/// The logger a component of mink writes to. Every configuration that
/// starts one (`aggregate_context`, `runner_config`, `feed_config`, ...)
/// carries one, so a service decides where mink's lines go and under which
/// name; none set = spdlog's default logger.
using logger_ptr = std::shared_ptr<spdlog::logger>;

/// `log` when set, spdlog's default logger otherwise.
[[nodiscard]] logger_ptr or_default(logger_ptr log);

} // namespace mink

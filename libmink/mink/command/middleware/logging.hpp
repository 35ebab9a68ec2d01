#pragma once

#include <memory>

#include "mink/command/pipeline.hpp"

namespace spdlog {
class logger;
} // namespace spdlog

namespace mink {

/// Logs each command's outcome with its type, aggregate, command id,
/// correlation id and duration: failures at warning level, successes at
/// debug level. Uses spdlog's default logger unless given one.
middleware logging(std::shared_ptr<spdlog::logger> logger = {});

} // namespace mink

#include "mink/log.hpp"

#include <spdlog/spdlog.h>

namespace mink {

logger_ptr or_default(logger_ptr log) {
  return log ? std::move(log) : spdlog::default_logger();
}

} // namespace mink

#include "mink/command/append_command.hpp"

namespace mink {

std::string append_command_name(const std::string& category) {
  return "mink.append." + category;
}

} // namespace mink

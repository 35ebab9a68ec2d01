#include "mink/command/declared_commands.hpp"

#include "mink/errc.hpp"

namespace mink::detail {

caf::error unknown_command(std::string_view name, const char* const* names,
                           size_t n) {
  std::string known;
  for (size_t i = 0; i < n; ++i) {
    known += i == 0 ? "" : ", ";
    known += names[i];
  }
  return make_error(errc::invalid_argument,
                    "unknown command '" + std::string{name} + "' (known: "
                      + known + ")");
}

} // namespace mink::detail

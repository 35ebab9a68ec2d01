#include "mink/store/append.hpp"

#include "mink/errc.hpp"

namespace mink {

caf::error check_expected_version(const prepared_append& x, int64_t current) {
  if (x.expected.matches(current))
    return {};
  return make_error(errc::wrong_expected_version,
                    "stream " + x.stream_id + ": expected version "
                      + to_string(x.expected) + ", actual version "
                      + std::to_string(current));
}

caf::error duplicate_command_error(const prepared_append& x) {
  return make_error(errc::duplicate_command,
                    "stream " + x.stream_id + ": command " + x.command_id
                      + " is already recorded");
}

} // namespace mink

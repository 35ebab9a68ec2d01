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

caf::error duplicate_event_id_error(const std::string& event_id) {
  return make_error(errc::duplicate_event_id,
                    "event id " + event_id + " is already stored");
}

caf::error check_import_start(int64_t first_position, int64_t last) {
  if (first_position == last + 1)
    return {};
  return make_error(errc::wrong_expected_version,
                    "import starts at position " + std::to_string(first_position)
                      + " but the store's last position is "
                      + std::to_string(last));
}

caf::error check_import_continues(const std::string& stream_id,
                                  int64_t current, int64_t first) {
  if (first == current + 1)
    return {};
  return make_error(errc::wrong_expected_version,
                    "stream " + stream_id + " is at version "
                      + std::to_string(current)
                      + " but the import continues it with version "
                      + std::to_string(first));
}

} // namespace mink

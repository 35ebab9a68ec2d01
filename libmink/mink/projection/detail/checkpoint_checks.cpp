#include "mink/projection/detail/checkpoint_checks.hpp"

#include <string_view>

#include "mink/errc.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/utf8.hpp"

namespace mink::detail {

namespace {

/// Returns the length of the UTF-8 sequence that `lead` starts, or 0 for a
/// byte that cannot start one.
size_t sequence_length(unsigned char lead) noexcept {
  if (lead < 0x80)
    return 1;
  if (lead >= 0xc2 && lead <= 0xdf)
    return 2;
  if (lead >= 0xe0 && lead <= 0xef)
    return 3;
  if (lead >= 0xf0 && lead <= 0xf4)
    return 4;
  return 0;
}

bool storable(std::string_view x) noexcept {
  return x.find('\0') == std::string_view::npos && is_valid_utf8(x);
}

} // namespace

caf::error check_position(const std::string& name, int64_t position,
                          const char* what) {
  if (position >= 0)
    return {};
  return make_error(errc::invalid_argument,
                    "projection " + name + ": " + what + " "
                      + std::to_string(position) + " is negative");
}

caf::error check_dead_letter(const std::string& name,
                             const recorded_event& ev) {
  if (auto problem = projection_name_problem(name); !problem.empty())
    return make_error(errc::invalid_argument, problem);
  if (auto err = check_position(name, ev.global_position, "event position"))
    return err;
  if (!storable(ev.event_id) || !storable(ev.stream_id)
      || !storable(ev.type))
    return make_error(errc::invalid_argument,
                      "projection " + name + ": the event at position "
                        + std::to_string(ev.global_position)
                        + " has an id, stream id or type that is not UTF-8"
                          " or holds NUL characters");
  return {};
}

std::string storable_text(const std::string& x) {
  if (storable(x))
    return x;
  constexpr std::string_view replacement = "\xef\xbf\xbd";
  std::string result;
  result.reserve(x.size() + 8);
  std::string_view rest{x};
  while (!rest.empty()) {
    auto n = sequence_length(static_cast<unsigned char>(rest.front()));
    if (n > 0 && n <= rest.size() && rest.front() != '\0'
        && is_valid_utf8(rest.substr(0, n))) {
      result.append(rest.substr(0, n));
      rest.remove_prefix(n);
    } else {
      result.append(replacement);
      rest.remove_prefix(1);
    }
  }
  return result;
}

caf::error projection_missing(const std::string& name) {
  return make_error(errc::projection_not_found,
                    "no projection named " + name);
}

caf::error checkpoint_moved(const std::string& name, int64_t expected,
                            int64_t actual) {
  return make_error(errc::wrong_expected_version,
                    "projection " + name + ": expected position "
                      + std::to_string(expected) + ", but it is at "
                      + std::to_string(actual));
}

caf::error dead_letter_missing(const std::string& name, int64_t position) {
  return make_error(errc::invalid_argument,
                    "projection " + name + " has no dead letter at position "
                      + std::to_string(position));
}

caf::error decode_names(projection_record& x, std::string_view desired,
                        std::string_view state) {
  auto d = parse_projection_desired(desired);
  auto s = parse_projection_state(state);
  if (!d || !s)
    return make_error(errc::storage_failure,
                      "projection " + x.name + ": stored desired state '"
                        + std::string{desired} + "' or state '"
                        + std::string{state} + "' is unknown to this build");
  x.desired = *d;
  x.state = *s;
  return {};
}

uint64_t stable_hash(const std::string& x) noexcept {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : x) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

} // namespace mink::detail

#include "mink/projection/projection_state.hpp"

#include <array>
#include <utility>

namespace mink {

namespace {

constexpr std::array<std::pair<projection_state, std::string_view>, 6> states{{
  {projection_state::running, "running"},
  {projection_state::paused, "paused"},
  {projection_state::catching_up, "catching_up"},
  {projection_state::rebuilding, "rebuilding"},
  {projection_state::faulted, "faulted"},
  {projection_state::stopped, "stopped"},
}};

} // namespace

std::string_view to_string(projection_state x) noexcept {
  for (const auto& [state, name] : states)
    if (state == x)
      return name;
  return "unknown";
}

std::optional<projection_state>
parse_projection_state(std::string_view name) noexcept {
  for (const auto& [state, text] : states)
    if (text == name)
      return state;
  return std::nullopt;
}

std::string_view to_string(projection_desired x) noexcept {
  return x == projection_desired::paused ? "paused" : "running";
}

std::optional<projection_desired>
parse_projection_desired(std::string_view name) noexcept {
  if (name == "running")
    return projection_desired::running;
  if (name == "paused")
    return projection_desired::paused;
  return std::nullopt;
}

} // namespace mink

#include "mink/projection/checkpoint_store.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mink/errc.hpp"
#include "mink/projection/detail/checkpoint_checks.hpp"
#include "mink/store/detail/port_checks.hpp"

namespace mink {

namespace {

using detail::guarded;

/// Returns the `invalid_argument` error for a bad name, or the empty error.
caf::error check_name(const std::string& name) {
  if (auto problem = projection_name_problem(name); !problem.empty())
    return make_error(errc::invalid_argument, problem);
  return {};
}

/// Checks a name and a position of the projection `name`.
caf::error check_name_and(const std::string& name, int64_t position,
                          const char* what) {
  if (auto err = check_name(name))
    return err;
  return detail::check_position(name, position, what);
}

} // namespace

// -- runner_lease -------------------------------------------------------------

runner_lease::~runner_lease() = default;

// -- checkpoint_store ---------------------------------------------------------

checkpoint_store::~checkpoint_store() = default;

caf::expected<projection_record>
checkpoint_store::ensure(const std::string& name) {
  if (auto err = check_name(name))
    return err;
  return guarded("ensure", [&] { return do_ensure(name); });
}

caf::expected<std::optional<projection_record>>
checkpoint_store::load(const std::string& name) {
  if (auto err = check_name(name))
    return err;
  return guarded("load", [&] { return do_load(name); });
}

caf::expected<std::vector<projection_record>> checkpoint_store::list() {
  return guarded("list", [&] { return do_list(); });
}

caf::error checkpoint_store::save(const std::string& name, int64_t expected,
                                  int64_t position) {
  if (auto err = check_name_and(name, expected, "expected position"))
    return err;
  if (auto err = detail::check_position(name, position, "position"))
    return err;
  return guarded("save", [&] { return do_save(name, expected, position); });
}

caf::error checkpoint_store::set_desired(const std::string& name,
                                         projection_desired desired) {
  if (auto err = check_name(name))
    return err;
  if (desired != projection_desired::running
      && desired != projection_desired::paused)
    return make_error(errc::invalid_argument,
                      "projection " + name + ": unknown desired state");
  return guarded("set_desired", [&] { return do_set_desired(name, desired); });
}

caf::error checkpoint_store::request_reset(const std::string& name,
                                           int64_t position) {
  if (auto err = check_name_and(name, position, "reset position"))
    return err;
  return guarded("request_reset",
                 [&] { return do_request_reset(name, position); });
}

caf::error checkpoint_store::request_rebuild(const std::string& name) {
  if (auto err = check_name(name))
    return err;
  return guarded("request_rebuild", [&] { return do_request_rebuild(name); });
}

caf::error checkpoint_store::complete_request(const std::string& name,
                                              int64_t position) {
  if (auto err = check_name_and(name, position, "position"))
    return err;
  return guarded("complete_request",
                 [&] { return do_complete_request(name, position); });
}

caf::error checkpoint_store::report(const std::string& name,
                                    const projection_report& x) {
  if (auto err = check_name(name))
    return err;
  if (!parse_projection_state(to_string(x.state)))
    return make_error(errc::invalid_argument,
                      "projection " + name + ": unknown state");
  if (x.lag_events < 0)
    return make_error(errc::invalid_argument,
                      "projection " + name + ": lag in events is negative");
  if (!std::isfinite(x.lag_seconds) || x.lag_seconds < 0)
    return make_error(errc::invalid_argument,
                      "projection " + name
                        + ": lag in seconds is negative or not finite");
  auto clean = x;
  clean.last_error = detail::storable_text(x.last_error);
  clean.runner = detail::storable_text(x.runner);
  return guarded("report", [&] { return do_report(name, clean); });
}

caf::error checkpoint_store::park(const std::string& name,
                                  const recorded_event& ev,
                                  const std::string& error) {
  if (auto err = detail::check_dead_letter(name, ev))
    return err;
  auto text = detail::storable_text(error);
  return guarded("park", [&] { return do_park(name, ev, text); });
}

caf::expected<std::vector<dead_letter>>
checkpoint_store::dead_letters(const std::string& name, size_t limit) {
  if (!name.empty())
    if (auto err = check_name(name))
      return err;
  if (limit == 0)
    return make_error(errc::invalid_argument,
                      "dead letter limit must be at least 1");
  // Limits above what SQL's bigint holds mean "no limit".
  constexpr auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return guarded("dead_letters", [&] {
    return do_dead_letters(name, std::min(limit, max));
  });
}

caf::error checkpoint_store::request_replay(const std::string& name,
                                            int64_t position) {
  if (auto err = check_name_and(name, position, "dead letter position"))
    return err;
  return guarded("request_replay",
                 [&] { return do_request_replay(name, position); });
}

caf::error checkpoint_store::remove_dead_letter(const std::string& name,
                                                int64_t position) {
  if (auto err = check_name_and(name, position, "dead letter position"))
    return err;
  return guarded("remove_dead_letter",
                 [&] { return do_remove_dead_letter(name, position); });
}

caf::expected<std::unique_ptr<runner_lease>>
checkpoint_store::try_lead(const std::string& name) {
  if (auto err = check_name(name))
    return err;
  return guarded("try_lead", [&] { return do_try_lead(name); });
}

std::string projection_name_problem(const std::string& name) {
  return detail::name_problem("projection name", name);
}

} // namespace mink

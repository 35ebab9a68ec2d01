#include "mink/adapters/sql/sql_checkpoint_store.hpp"

#include <exception>
#include <stdexcept>

#include "mink/errc.hpp"
#include "mink/projection/detail/checkpoint_checks.hpp"
#include "mink/store/detail/port_checks.hpp"

namespace mink {

namespace {

using detail::guarded;

/// The `projection_failed` error for an exception that `work` threw.
caf::error work_threw(const std::string& name) {
  auto where = name.empty() ? std::string{"setup work"}
                            : "work of projection " + name;
  try {
    throw;
  } catch (const std::exception& ex) {
    return make_error(errc::projection_failed, where + " threw: " + ex.what());
  } catch (...) {
    return make_error(errc::projection_failed,
                      where + " threw an unknown exception");
  }
}

/// Throws for a bad name or position inside a transaction's work: the
/// exception becomes the work's failure, as a failing statement would.
void require_valid(const std::string& name, int64_t position) {
  if (auto problem = projection_name_problem(name); !problem.empty())
    throw std::invalid_argument(problem);
  if (auto err = detail::check_position(name, position, "position"))
    throw std::invalid_argument(to_text(err));
}

} // namespace

caf::error sql_checkpoint_store::transact(const std::string& name,
                                          int64_t expected,
                                          const work_fn& work) {
  if (auto problem = projection_name_problem(name); !problem.empty())
    return make_error(errc::invalid_argument, problem);
  if (auto err = detail::check_position(name, expected, "expected position"))
    return err;
  if (!work)
    return make_error(errc::invalid_argument,
                      "projection " + name + ": transact without work");
  // Adapters see no exception from `work` and no negative position.
  work_fn checked = [&](soci::session& sql) -> caf::expected<int64_t> {
    try {
      auto result = work(sql);
      if (result && *result < 0)
        return detail::check_position(name, *result,
                                      "position returned by work");
      return result;
    } catch (...) {
      return work_threw(name);
    }
  };
  return guarded("transact",
                 [&] { return do_transact(name, expected, checked); });
}

caf::error sql_checkpoint_store::run(
  const std::function<caf::error(soci::session&)>& work) {
  if (!work)
    return make_error(errc::invalid_argument, "run without work");
  std::function<caf::error(soci::session&)> checked
    = [&](soci::session& sql) -> caf::error {
    try {
      return work(sql);
    } catch (...) {
      return work_threw({});
    }
  };
  return guarded("run", [&] { return do_run(checked); });
}

void sql_checkpoint_store::park_in(soci::session& session,
                                   const std::string& name,
                                   const recorded_event& ev,
                                   const std::string& error) {
  if (auto err = detail::check_dead_letter(name, ev))
    throw std::invalid_argument(to_text(err));
  do_park_in(session, name, ev, detail::storable_text(error));
}

void sql_checkpoint_store::remove_dead_letter_in(soci::session& session,
                                                 const std::string& name,
                                                 int64_t position) {
  require_valid(name, position);
  do_remove_dead_letter_in(session, name, position);
}

} // namespace mink

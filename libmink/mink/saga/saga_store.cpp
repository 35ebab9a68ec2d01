#include "mink/saga/saga_store.hpp"

#include <string_view>
#include <unordered_set>

#include "mink/errc.hpp"
#include "mink/store/detail/port_checks.hpp"

namespace mink {

namespace {

caf::error check(std::string_view what, const std::string& x) {
  if (auto problem = detail::name_problem(what, x); !problem.empty())
    return make_error(errc::invalid_argument, problem);
  return {};
}

} // namespace

saga_store::~saga_store() = default;

caf::expected<std::optional<saga_record>>
saga_store::load(const std::string& saga, const std::string& instance) {
  auto recs = load_many(saga, {instance});
  if (!recs)
    return std::move(recs.error());
  if (recs->size() != 1)
    return make_error(errc::storage_failure,
                      "the saga store gave " + std::to_string(recs->size())
                        + " records for one instance");
  return std::move(recs->front());
}

caf::error validate_saga_keys(const std::string& saga,
                              const std::vector<std::string>& instances) {
  for (const auto& id : instances)
    if (auto err = check("saga instance id", id))
      return err;
  return check("saga name", saga);
}

caf::error validate_saga_key(const std::string& saga,
                             const std::string& instance) {
  if (auto err = check("saga name", saga))
    return err;
  return check("saga instance id", instance);
}

caf::error validate_saga_change(const std::string& saga,
                                const std::vector<saga_change>& changes) {
  std::unordered_set<std::string_view> seen;
  for (const auto& c : changes) {
    if (!seen.insert(c.instance).second)
      return make_error(errc::invalid_argument,
                        "saga instance " + c.instance
                          + " appears twice in one save");
    if (auto err = validate_saga_key(saga, c.instance))
      return err;
    std::unordered_set<std::string_view> names;
    for (const auto& t : c.set) {
      if (auto err = check("saga timer name", t.name))
        return err;
      if (!names.insert(t.name).second)
        return make_error(errc::invalid_argument,
                          "saga timer " + t.name + " of instance " + c.instance
                            + " is set twice in one change");
    }
    for (const auto& name : c.cancel)
      if (auto err = check("saga timer name", name))
        return err;
  }
  return check("saga name", saga);
}

} // namespace mink

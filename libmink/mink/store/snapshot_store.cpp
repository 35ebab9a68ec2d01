#include "mink/store/snapshot_store.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <string_view>

#include "mink/errc.hpp"
#include "mink/json_check.hpp"
#include "mink/store/event_store.hpp"
#include "mink/store/detail/port_checks.hpp"
#include "mink/stream_id.hpp"
#include "mink/utf8.hpp"

namespace mink {

namespace {

using detail::guarded;
using detail::name_problem;
using detail::validate_category_filter;
using detail::validate_listing;

} // namespace

snapshot_store::~snapshot_store() = default;

caf::error snapshot_store::save(snapshot s) {
  if (auto err = validate_stream_id(s.stream_id))
    return err;
  auto where = "snapshot of " + s.stream_id + ": ";
  if (s.version < 1)
    return make_error(errc::invalid_argument,
                      where + "version must be at least 1");
  if (auto problem = name_problem("state type", s.state_type);
      !problem.empty())
    return make_error(errc::invalid_argument, where + problem);
  if (s.schema_version < 1)
    return make_error(errc::invalid_argument,
                      where + "schema version must be at least 1");
  if (s.data.size() > max_event_data_size)
    return make_error(errc::invalid_argument,
                      where + "data is " + std::to_string(s.data.size())
                        + " bytes; the limit is "
                        + std::to_string(max_event_data_size));
  if (auto problem = check_json(s.data); !problem.empty())
    return make_error(errc::invalid_argument, where + "data: " + problem);
  s.timestamp_us = 0;
  return guarded("save", [&] { return do_save(s); });
}

caf::expected<std::optional<snapshot>>
snapshot_store::load(const std::string& stream_id) {
  if (auto err = validate_stream_id(stream_id))
    return err;
  return guarded("load", [&] { return do_load(stream_id); });
}

std::vector<caf::expected<std::optional<snapshot>>>
snapshot_store::load_many(const std::vector<std::string>& stream_ids) {
  std::vector<caf::expected<std::optional<snapshot>>> results(
    stream_ids.size(), std::optional<snapshot>{});
  // The valid ids go to the adapter; `where[k]` is the slot of `valid[k]`.
  std::vector<std::string> valid;
  std::vector<size_t> where;
  for (size_t i = 0; i < stream_ids.size(); ++i) {
    if (auto err = validate_stream_id(stream_ids[i])) {
      results[i] = std::move(err);
    } else {
      valid.push_back(stream_ids[i]);
      where.push_back(i);
    }
  }
  if (valid.empty())
    return results;
  std::vector<caf::expected<std::optional<snapshot>>> out(
    valid.size(), std::optional<snapshot>{});
  try {
    do_load_many(valid, out);
  } catch (const std::exception& ex) {
    for (auto& x : out)
      x = make_error(errc::storage_failure,
                     std::string{"load_many failed: "} + ex.what());
  }
  for (size_t k = 0; k < valid.size(); ++k)
    results[where[k]] = std::move(out[k]);
  return results;
}

void snapshot_store::do_load_many(
  const std::vector<std::string>& stream_ids,
  std::vector<caf::expected<std::optional<snapshot>>>& out) {
  for (size_t i = 0; i < stream_ids.size(); ++i)
    out[i] = guarded("load", [&] { return do_load(stream_ids[i]); });
}

caf::error snapshot_store::remove(const std::string& stream_id) {
  if (auto err = validate_stream_id(stream_id))
    return err;
  return guarded("remove", [&] { return do_remove(stream_id); });
}

caf::expected<std::vector<snapshot_info>>
snapshot_store::list(const std::string& after_stream_id, size_t limit,
                     const std::string& category) {
  if (auto err = validate_listing(after_stream_id, category))
    return err;
  if (limit == 0)
    return std::vector<snapshot_info>{};
  // Limits above what SQL's bigint holds mean "no limit".
  constexpr auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return guarded("list", [&] {
    return do_list(after_stream_id, std::min(limit, max), category);
  });
}

caf::expected<size_t> snapshot_store::purge(const std::string& category) {
  if (auto err = validate_category_filter(category))
    return err;
  return guarded("purge", [&] { return do_purge(category); });
}

} // namespace mink

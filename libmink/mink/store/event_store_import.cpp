// The listing and import members of the event store port (the rest is in
// event_store.cpp).

#include "mink/store/event_store.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "mink/errc.hpp"
#include "mink/store/detail/port_checks.hpp"
#include "mink/stream_id.hpp"
#include "mink/uuid.hpp"

namespace mink {

namespace {

using detail::guarded;
using detail::validate_listing;

/// 10000-01-01T00:00:00Z in microseconds since the epoch: every adapter can
/// store timestamps below it.
constexpr int64_t max_import_timestamp_us = 253402300800000000;

} // namespace

caf::error check_import_event(const recorded_event& ev) {
  auto problem = [](std::string what) {
    return make_error(errc::invalid_argument, std::move(what));
  };
  if (auto err = validate_stream_id(ev.stream_id))
    return err;
  if (ev.global_position < 1)
    return problem("position must be at least 1");
  if (ev.stream_version < 1)
    return problem("version must be at least 1");
  if (ev.event_id.empty() || !is_uuid(ev.event_id))
    return problem("event id is not a UUID");
  if (ev.timestamp_us < 0 || ev.timestamp_us >= max_import_timestamp_us)
    return problem("timestamp must lie between 1970 and 9999");
  if (auto what = detail::name_problem("event type", ev.type); !what.empty())
    return problem(what);
  if (ev.schema_version < 1)
    return problem("schema version must be at least 1");
  return {};
}

caf::expected<std::vector<stream_summary>>
event_store::list_streams(const std::string& after_stream_id, size_t limit,
                          const std::string& category) {
  if (auto err = validate_listing(after_stream_id, category))
    return err;
  if (limit == 0)
    return std::vector<stream_summary>{};
  constexpr auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return guarded("list_streams", [&] {
    return do_list_streams(after_stream_id, std::min(limit, max), category);
  });
}

caf::error event_store::import_events(std::vector<recorded_event> events) {
  if (events.empty())
    return {};
  std::vector<import_event> prepared;
  prepared.reserve(events.size());
  std::unordered_set<std::string> ids;
  ids.reserve(events.size());
  // The last version of each stream seen in this batch.
  std::unordered_map<std::string, int64_t> versions;
  for (size_t i = 0; i < events.size(); ++i) {
    auto& in = events[i];
    auto where = "event " + std::to_string(i) + " (position "
                 + std::to_string(in.global_position) + "): ";
    if (auto err = check_import_event(in))
      return make_error(errc::invalid_argument, where + message_of(err));
    if (i > 0 && in.global_position != prepared.back().position + 1)
      return make_error(errc::invalid_argument,
                        where + "positions must be dense and ascending; the "
                                "event before has position "
                          + std::to_string(prepared.back().position));
    if (auto known = versions.find(in.stream_id);
        known != versions.end() && in.stream_version != known->second + 1)
      return make_error(errc::invalid_argument,
                        where + "stream " + in.stream_id + " has version "
                          + std::to_string(in.stream_version)
                          + " after version " + std::to_string(known->second));
    event_data data;
    data.event_id = std::move(in.event_id);
    data.type = std::move(in.type);
    data.schema_version = in.schema_version;
    data.data = std::move(in.data);
    data.meta = std::move(in.meta);
    auto ev = detail::prepare_event(data, i);
    if (!ev)
      return make_error(errc::invalid_argument,
                        where + message_of(ev.error()));
    if (!ids.insert(ev->event_id).second)
      return make_error(errc::duplicate_event_id,
                        where + "event id " + ev->event_id
                          + " occurs twice in the batch");
    versions[in.stream_id] = in.stream_version;
    import_event out;
    out.position = in.global_position;
    out.category = std::string{category_of(in.stream_id)};
    out.stream_id = std::move(in.stream_id);
    out.version = in.stream_version;
    out.ev = std::move(*ev);
    out.timestamp_us = in.timestamp_us;
    prepared.emplace_back(std::move(out));
  }
  return guarded("import_events", [&] { return do_import(prepared); });
}

} // namespace mink

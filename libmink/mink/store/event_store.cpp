#include "mink/store/event_store.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string_view>
#include <unordered_set>

#include "mink/errc.hpp"
#include "mink/json_check.hpp"
#include "mink/store/detail/port_checks.hpp"
#include "mink/stream_id.hpp"
#include "mink/utf8.hpp"
#include "mink/uuid.hpp"

namespace mink {

namespace {

using detail::guarded;
using detail::name_problem;

bool metadata_is_utf8(const metadata& m) {
  auto ok = is_valid_utf8(m.correlation_id) && is_valid_utf8(m.causation_id)
            && is_valid_utf8(m.user_id) && is_valid_utf8(m.tenant_id);
  for (const auto& [key, value] : m.custom)
    ok = ok && is_valid_utf8(key) && is_valid_utf8(value);
  return ok;
}

/// Returns `id` in lower case.
std::string to_lower(std::string id) {
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return id;
}

} // namespace

namespace detail {

caf::expected<prepared_event> prepare_event(event_data& ev, size_t i) {
  // Built only for an error: this runs for every appended event.
  auto where = [i] { return "event " + std::to_string(i) + ": "; };
  prepared_event result;
  if (ev.event_id.empty()) {
    result.event_id = make_uuid();
  } else if (!is_uuid(ev.event_id)) {
    return make_error(errc::invalid_argument,
                      where() + "event id is not a UUID");
  } else {
    result.event_id = to_lower(std::move(ev.event_id));
  }
  if (auto problem = name_problem("event type", ev.type); !problem.empty())
    return make_error(errc::invalid_argument, where() + problem);
  if (ev.schema_version < 1)
    return make_error(errc::invalid_argument,
                      where() + "schema version must be at least 1");
  if (ev.data.size() > max_event_data_size)
    return make_error(errc::invalid_argument,
                      where() + "data is " + std::to_string(ev.data.size())
                        + " bytes; the limit is "
                        + std::to_string(max_event_data_size));
  if (auto problem = check_json(ev.data); !problem.empty())
    return make_error(errc::invalid_argument, where() + "data: " + problem);
  if (!metadata_is_utf8(ev.meta))
    return make_error(errc::invalid_argument,
                      where() + "metadata is not valid UTF-8");
  result.type = std::move(ev.type);
  result.schema_version = ev.schema_version;
  result.data = std::move(ev.data);
  result.metadata_json = to_json(ev.meta);
  result.meta = std::move(ev.meta);
  return result;
}

} // namespace detail

namespace {

using detail::prepare_event;

/// Limits above what SQL's bigint holds mean "no limit"; adapters get at
/// most INT64_MAX.
size_t clamp_limit(size_t limit) {
  constexpr auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return std::min(limit, max);
}

} // namespace

event_store::~event_store() = default;

caf::expected<checked_append>
event_store::prepare_append(stream_append in) {
  auto x = check(std::move(in));
  if (!x)
    return std::move(x.error());
  return checked_append{std::move(*x)};
}

caf::expected<prepared_append> event_store::check(stream_append in) {
  if (auto err = validate_stream_id(in.stream_id))
    return err;
  if (in.expected.mode() == expected_version::kind::exact
      && in.expected.value() < 0)
    return make_error(errc::invalid_argument,
                      "expected version must not be negative");
  if (!in.command_id.empty() && !is_uuid(in.command_id))
    return make_error(errc::invalid_argument, "command id is not a UUID");
  if (in.fence.active() && in.fence.epoch <= 0)
    return make_error(errc::invalid_argument,
                      "a fenced append needs its slice's epoch (> 0)");
  prepared_append out;
  out.fence = in.fence;
  out.stream_id = std::move(in.stream_id);
  out.category = std::string{category_of(out.stream_id)};
  out.expected = in.expected;
  out.command_id = to_lower(std::move(in.command_id));
  out.events.reserve(in.events.size());
  for (size_t i = 0; i < in.events.size(); ++i) {
    auto ev = prepare_event(in.events[i], i);
    if (!ev)
      return std::move(ev.error());
    out.events.emplace_back(std::move(*ev));
  }
  // One id twice in one stream can never commit. Across streams of one
  // call the adapter decides in commit order, since an earlier stream
  // may fail and leave the id free.
  if (out.events.size() > 1) {
    std::unordered_set<std::string_view> ids;
    for (auto& ev : out.events)
      if (!ids.insert(ev.event_id).second)
        return make_error(errc::duplicate_event_id,
                          "event id " + ev.event_id
                            + " occurs twice in the stream's events");
  }
  return out;
}

append_results
event_store::append_checked(std::vector<checked_append>& appends) {
  append_results results;
  results.reserve(appends.size());
  // Moved out for the adapter and back (moves of strings and vectors:
  // nothing is copied), so the caller keeps the encoded events.
  std::vector<prepared_append> prepared;
  prepared.reserve(appends.size());
  for (size_t i = 0; i < appends.size(); ++i) {
    prepared.push_back(std::move(appends[i].x_));
    prepared.back().index = i;
    results.emplace_back(make_error(errc::storage_failure, "not attempted"));
  }
  commit_prepared(prepared, results);
  for (size_t i = 0; i < appends.size(); ++i)
    appends[i].x_ = std::move(prepared[i]);
  return results;
}

void event_store::commit_prepared(std::vector<prepared_append>& prepared,
                                  append_results& results) {
  auto fenced = [](const prepared_append& x) { return x.fence.active(); };
  if (takes_fences()
      || std::none_of(prepared.begin(), prepared.end(), fenced)) {
    run_append(prepared, results);
    return;
  }
  // The others go ahead; the caller gets every append back in its place.
  std::vector<prepared_append> unfenced;
  std::vector<size_t> places;
  for (size_t i = 0; i < prepared.size(); ++i) {
    if (fenced(prepared[i])) {
      results[prepared[i].index]
        = make_error(errc::invalid_argument,
                     "a fenced append (clustered node) needs a store that "
                     "keeps slice leases: PostgreSQL");
      continue;
    }
    places.push_back(i);
    unfenced.push_back(std::move(prepared[i]));
  }
  run_append(unfenced, results);
  for (size_t k = 0; k < places.size(); ++k)
    prepared[places[k]] = std::move(unfenced[k]);
}

void event_store::run_append(std::vector<prepared_append>& prepared,
                             append_results& results) {
  if (prepared.empty())
    return;
  try {
    do_append(prepared, results);
  } catch (const std::exception& ex) {
    // Adapters roll back before they throw; what they did not report is
    // unknown to us, so no stream may be told it succeeded.
    for (auto& x : prepared)
      results[x.index] = make_error(errc::storage_failure,
                                    std::string{"append failed: "}
                                      + ex.what());
  }
}

append_results event_store::append(std::vector<stream_append> batch) {
  append_results results;
  results.reserve(batch.size());
  std::vector<prepared_append> prepared;
  prepared.reserve(batch.size());
  for (size_t index = 0; index < batch.size(); ++index) {
    auto x = check(std::move(batch[index]));
    results.emplace_back(make_error(errc::storage_failure, "not attempted"));
    if (x) {
      x->index = index;
      prepared.emplace_back(std::move(*x));
    } else {
      results.back() = std::move(x.error());
    }
  }
  commit_prepared(prepared, results);
  return results;
}

caf::expected<append_result>
event_store::append(const std::string& stream_id, expected_version expected,
                    std::vector<event_data> events) {
  std::vector<stream_append> batch;
  batch.push_back(stream_append{stream_id, expected, std::move(events)});
  return std::move(append(std::move(batch)).front());
}

caf::expected<std::vector<recorded_event>>
event_store::read_stream(const std::string& stream_id, int64_t from_version,
                         size_t limit, read_direction dir) {
  if (auto err = validate_stream_id(stream_id))
    return err;
  if (from_version < 1)
    return make_error(errc::invalid_argument,
                      "from_version must be at least 1");
  auto result = guarded("read_stream", [&] {
    return limit == 0 ? std::vector<recorded_event>{}
                      : do_read_stream(stream_id, from_version,
                                       clamp_limit(limit), dir);
  });
  // Versions are dense from 1: when a read that covers version 1 (forward
  // from 1, or any backward read) finds nothing, the stream does not exist
  // and needs no second look. Only a forward read from further on must ask.
  // (A limit of 0 reads nothing, so it proves nothing.)
  auto covers_first = limit != 0
                      && (dir == read_direction::backward || from_version == 1);
  if (result && result->empty() && covers_first)
    return make_error(errc::stream_not_found,
                      "stream " + stream_id + " does not exist");
  if (result && result->empty()) {
    auto info = guarded("stream_info", [&] { return do_stream_info(stream_id); });
    if (!info)
      return std::move(info.error());
    if (!info->exists)
      return make_error(errc::stream_not_found,
                        "stream " + stream_id + " does not exist");
  }
  return result;
}

stream_reads event_store::read_streams(const std::vector<stream_read>& reads,
                                       size_t limit_per_stream) {
  stream_reads results(reads.size(), std::vector<recorded_event>{});
  // The valid reads go to the adapter; `where[k]` is the slot of `valid[k]`.
  std::vector<stream_read> valid;
  std::vector<size_t> where;
  valid.reserve(reads.size());
  where.reserve(reads.size());
  for (size_t i = 0; i < reads.size(); ++i) {
    if (auto err = validate_stream_id(reads[i].stream_id))
      results[i] = std::move(err);
    else if (reads[i].from_version < 1)
      results[i] = make_error(errc::invalid_argument,
                              "from_version must be at least 1");
    else if (limit_per_stream > 0) {
      valid.push_back(reads[i]);
      where.push_back(i);
    }
  }
  if (valid.empty())
    return results;
  stream_reads out(valid.size(), std::vector<recorded_event>{});
  try {
    do_read_streams(valid, clamp_limit(limit_per_stream), out);
  } catch (const std::exception& ex) {
    for (auto& x : out)
      x = make_error(errc::storage_failure,
                     std::string{"read_streams failed: "} + ex.what());
  }
  for (size_t k = 0; k < valid.size(); ++k)
    results[where[k]] = std::move(out[k]);
  return results;
}

void event_store::do_read_streams(const std::vector<stream_read>& reads,
                                  size_t limit, stream_reads& out) {
  for (size_t i = 0; i < reads.size(); ++i)
    out[i] = guarded("read_stream", [&] {
      return do_read_stream(reads[i].stream_id, reads[i].from_version, limit,
                            read_direction::forward);
    });
}

caf::expected<std::vector<recorded_event>>
event_store::read_all(int64_t from_position, size_t limit,
                      const read_filter& filter) {
  if (from_position < 1)
    return make_error(errc::invalid_argument,
                      "from_position must be at least 1");
  if (!filter.category.empty())
    if (auto problem = name_problem("category", filter.category);
        !problem.empty())
      return make_error(errc::invalid_argument, problem);
  for (const auto& type : filter.event_types)
    if (auto problem = name_problem("event type filter", type);
        !problem.empty())
      return make_error(errc::invalid_argument, problem);
  if (limit == 0)
    return std::vector<recorded_event>{};
  return guarded("read_all", [&] {
    return do_read_all(from_position, clamp_limit(limit), filter);
  });
}

caf::expected<mink::stream_info>
event_store::stream_info(const std::string& stream_id) {
  if (auto err = validate_stream_id(stream_id))
    return err;
  return guarded("stream_info", [&] { return do_stream_info(stream_id); });
}

caf::expected<int64_t> event_store::last_position() {
  return guarded("last_position", [&] { return do_last_position(); });
}

caf::expected<mink::storage_usage> event_store::storage_usage() {
  return guarded("storage_usage", [&] { return do_storage_usage(); });
}

caf::expected<mink::storage_usage> event_store::do_storage_usage() {
  auto last = do_last_position();
  if (!last)
    return std::move(last.error());
  mink::storage_usage x;
  x.events = *last;
  return x;
}

caf::expected<std::optional<command_record>>
event_store::find_command(const std::string& command_id) {
  if (!is_uuid(command_id))
    return make_error(errc::invalid_argument, "command id is not a UUID");
  auto id = to_lower(command_id);
  return guarded("find_command", [&] { return do_find_command(id); });
}

caf::expected<size_t> event_store::purge_commands(int64_t older_than_us) {
  return guarded("purge_commands",
                 [&] { return do_purge_commands(older_than_us); });
}

} // namespace mink

#include "mink/adapters/memory/memory_event_store.hpp"

#include <algorithm>

#include "mink/adapters/memory/find_copy.hpp"
#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/store/read_filter_match.hpp"
#include "mink/stream_id.hpp"

namespace mink {

memory_event_store::memory_event_store()
  : state_(std::make_shared<state>()) {
  // nop
}

memory_event_store::memory_event_store(std::shared_ptr<state> st)
  : state_(std::move(st)) {
  // nop
}

std::unique_ptr<memory_event_store> memory_event_store::share() const {
  return std::unique_ptr<memory_event_store>{new memory_event_store(state_)};
}

void memory_event_store::do_append(std::vector<prepared_append>& prepared,
                                   append_results& out) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  auto& st = *state_;
  auto timestamp = now_us();
  for (auto& x : prepared) {
    // A retried command fails as a duplicate whatever its expected version.
    if (!x.command_id.empty() && st.commands.count(x.command_id) != 0) {
      out[x.index] = duplicate_command_error(x);
      continue;
    }
    // Look the stream up without creating it: a rejected append to a new
    // stream must leave no trace.
    auto existing = st.streams.find(x.stream_id);
    auto current = existing == st.streams.end()
                     ? int64_t{0}
                     : static_cast<int64_t>(existing->second.size());
    if (auto err = check_expected_version(x, current)) {
      out[x.index] = std::move(err);
      continue;
    }
    auto dup = std::find_if(x.events.begin(), x.events.end(),
                            [&](const prepared_event& ev) {
                              return st.event_ids.count(ev.event_id) != 0;
                            });
    if (dup != x.events.end()) {
      out[x.index] = duplicate_event_id_error(dup->event_id);
      continue;
    }
    append_result result;
    result.version = current;
    result.timestamp_us = timestamp;
    auto record = [&] {
      if (x.command_id.empty())
        return;
      command_record rec;
      rec.command_id = x.command_id;
      rec.stream_id = x.stream_id;
      rec.version = result.version;
      if (!result.positions.empty()) {
        rec.first_position = result.positions.front();
        rec.last_position = result.positions.back();
      }
      rec.timestamp_us = timestamp;
      st.commands.emplace(x.command_id, std::move(rec));
    };
    if (x.events.empty()) {
      record();
      out[x.index] = std::move(result);
      continue;
    }
    auto& positions = st.streams[x.stream_id];
    // Copies: the caller keeps the prepared appends (the persistence actor
    // publishes their events to the feed after the call).
    for (const auto& ev : x.events) {
      recorded_event rec;
      rec.event_id = ev.event_id;
      rec.stream_id = x.stream_id;
      rec.stream_version = ++current;
      rec.global_position = static_cast<int64_t>(st.log.size()) + 1;
      rec.type = ev.type;
      rec.schema_version = ev.schema_version;
      rec.data = ev.data;
      rec.meta = ev.meta;
      rec.timestamp_us = timestamp;
      st.event_ids.insert(rec.event_id);
      positions.push_back(rec.global_position);
      result.positions.push_back(rec.global_position);
      st.log.emplace_back(std::move(rec));
    }
    result.version = current;
    record();
    out[x.index] = std::move(result);
  }
}

caf::expected<std::vector<recorded_event>>
memory_event_store::do_read_stream(const std::string& stream_id,
                                   int64_t from_version, size_t limit,
                                   read_direction dir) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  std::vector<recorded_event> result;
  auto i = state_->streams.find(stream_id);
  if (i == state_->streams.end())
    return result;
  const auto& positions = i->second;
  auto size = static_cast<int64_t>(positions.size());
  if (dir == read_direction::forward) {
    for (auto v = from_version; v <= size && result.size() < limit; ++v)
      result.push_back(state_->log[positions[v - 1] - 1]);
  } else {
    for (auto v = std::min(from_version, size); v >= 1 && result.size() < limit;
         --v)
      result.push_back(state_->log[positions[v - 1] - 1]);
  }
  return result;
}

caf::expected<std::vector<recorded_event>>
memory_event_store::do_read_all(int64_t from_position, size_t limit,
                                const read_filter& filter) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  std::vector<recorded_event> result;
  const auto& log = state_->log;
  for (auto p = static_cast<size_t>(from_position);
       p <= log.size() && result.size() < limit; ++p)
    if (matches(filter, log[p - 1]))
      result.push_back(log[p - 1]);
  return result;
}

caf::expected<mink::stream_info>
memory_event_store::do_stream_info(const std::string& stream_id) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  auto i = state_->streams.find(stream_id);
  if (i == state_->streams.end())
    return mink::stream_info{};
  return mink::stream_info{true, static_cast<int64_t>(i->second.size())};
}

caf::expected<int64_t> memory_event_store::do_last_position() {
  std::lock_guard<std::mutex> guard{state_->mtx};
  return static_cast<int64_t>(state_->log.size());
}

caf::expected<std::optional<command_record>>
memory_event_store::do_find_command(const std::string& command_id) {
  return memory::find_copy(state_->mtx, state_->commands, command_id);
}

caf::expected<size_t>
memory_event_store::do_purge_commands(int64_t older_than_us) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  auto& commands = state_->commands;
  size_t purged = 0;
  for (auto i = commands.begin(); i != commands.end();) {
    if (i->second.timestamp_us < older_than_us) {
      i = commands.erase(i);
      ++purged;
    } else {
      ++i;
    }
  }
  return purged;
}

caf::expected<std::vector<stream_summary>>
memory_event_store::do_list_streams(const std::string& after_stream_id,
                                    size_t limit, const std::string& category) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  std::vector<stream_summary> all;
  for (const auto& [id, positions] : state_->streams) {
    if (id <= after_stream_id && !after_stream_id.empty())
      continue;
    if (!category.empty() && category_of(id) != category)
      continue;
    all.push_back(stream_summary{id, static_cast<int64_t>(positions.size()),
                                 positions.back()});
  }
  // std::string compares by char; bytes order needs unsigned comparison.
  auto by_bytes = [](const stream_summary& x, const stream_summary& y) {
    return std::lexicographical_compare(
      x.stream_id.begin(), x.stream_id.end(), y.stream_id.begin(),
      y.stream_id.end(), [](char a, char b) {
        return static_cast<unsigned char>(a) < static_cast<unsigned char>(b);
      });
  };
  std::sort(all.begin(), all.end(), by_bytes);
  if (!after_stream_id.empty()) {
    stream_summary after{after_stream_id, 0, 0};
    all.erase(all.begin(),
              std::upper_bound(all.begin(), all.end(), after, by_bytes));
  }
  if (all.size() > limit)
    all.resize(limit);
  return all;
}

caf::error memory_event_store::do_import(const std::vector<import_event>& events) {
  std::lock_guard<std::mutex> guard{state_->mtx};
  auto& st = *state_;
  // Check everything first: an import writes all or nothing.
  auto last = static_cast<int64_t>(st.log.size());
  if (auto err = check_import_start(events.front().position, last))
    return err;
  std::unordered_map<std::string, int64_t> firsts;
  for (const auto& x : events) {
    firsts.emplace(x.stream_id, x.version);
    if (st.event_ids.count(x.ev.event_id) != 0)
      return duplicate_event_id_error(x.ev.event_id);
  }
  for (const auto& [id, first] : firsts) {
    auto i = st.streams.find(id);
    auto current = i == st.streams.end() ? int64_t{0}
                                         : static_cast<int64_t>(i->second.size());
    if (auto err = check_import_continues(id, current, first))
      return err;
  }
  std::vector<recorded_event> decoded;
  decoded.reserve(events.size());
  for (const auto& x : events) {
    recorded_event rec;
    rec.event_id = x.ev.event_id;
    rec.stream_id = x.stream_id;
    rec.stream_version = x.version;
    rec.global_position = x.position;
    rec.type = x.ev.type;
    rec.schema_version = x.ev.schema_version;
    rec.data = x.ev.data;
    auto meta = metadata_from_json(x.ev.metadata_json);
    if (!meta)
      return std::move(meta.error());
    rec.meta = std::move(*meta);
    rec.timestamp_us = x.timestamp_us;
    decoded.emplace_back(std::move(rec));
  }
  for (auto& rec : decoded) {
    st.event_ids.insert(rec.event_id);
    st.streams[rec.stream_id].push_back(rec.global_position);
    st.log.emplace_back(std::move(rec));
  }
  return {};
}

} // namespace mink

#include "mink/adapters/sql/inline_projections.hpp"

#include <utility>

#include "mink/errc.hpp"
#include "mink/metadata.hpp"
#include "mink/adapters/sql/projection_target.hpp"
#include "mink/store/read_filter_match.hpp"

namespace mink {

void inline_projections::add(std::shared_ptr<sql_projection> p) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto next = std::make_shared<list>(*list_);
  next->push_back(std::move(p));
  list_ = std::move(next);
}

std::shared_ptr<const inline_projections::list>
inline_projections::get() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return list_;
}

caf::error apply_inline(soci::session& sql, const inline_projections::list& ps,
                        const std::vector<recorded_event>& events) {
  for (const auto& p : ps) {
    auto name = p->name();
    auto filter = p->filter();
    std::vector<recorded_event> relevant;
    for (const auto& ev : events)
      if (matches(filter, ev))
        relevant.push_back(ev);
    if (relevant.empty())
      continue;
    auto err = call_handler(name, [&] { return p->handle(sql, relevant); });
    if (err) {
      if (code_of(err) == errc::projection_failed)
        return err;
      return make_error(errc::projection_failed,
                        "inline projection " + name + " failed: "
                          + to_text(err));
    }
  }
  return {};
}

std::vector<recorded_event>
to_recorded(const prepared_append& x, int64_t first_version,
            int64_t first_position, int64_t timestamp_us) {
  std::vector<recorded_event> result;
  result.reserve(x.events.size());
  for (const auto& ev : x.events) {
    recorded_event rec;
    rec.event_id = ev.event_id;
    rec.stream_id = x.stream_id;
    rec.stream_version = first_version++;
    rec.global_position = first_position++;
    rec.type = ev.type;
    rec.schema_version = ev.schema_version;
    rec.data = ev.data;
    rec.meta = ev.meta;
    rec.timestamp_us = timestamp_us;
    result.push_back(std::move(rec));
  }
  return result;
}

} // namespace mink

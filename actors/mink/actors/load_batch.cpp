#include "mink/actors/load_batch.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "mink/errc.hpp"

namespace mink {

namespace {

/// Takes the snapshots of the loads that ask for one: sets `result.snap`
/// and moves `from[i]` past it.
void take_snapshots(snapshot_store& snapshots,
                    const std::vector<load_request>& batch,
                    std::vector<load_result>& results,
                    std::vector<int64_t>& from, spdlog::logger& log) {
  std::vector<std::string> ids;
  std::vector<size_t> where;
  for (size_t i = 0; i < batch.size(); ++i)
    if (batch[i].use_snapshot) {
      ids.push_back(batch[i].stream_id);
      where.push_back(i);
    }
  if (ids.empty())
    return;
  auto snaps = snapshots.load_many(ids);
  for (size_t k = 0; k < ids.size(); ++k) {
    auto i = where[k];
    auto& snap = snaps[k];
    // A snapshot is an optimisation: when it cannot be read, replay.
    if (!snap)
      log.warn("snapshot of {} not read, replaying: {}", ids[k],
               to_text(snap.error()));
    else if (*snap && (*snap)->version >= from[i]) {
      from[i] = (*snap)->version + 1;
      results[i].snap = std::move(**snap);
    }
  }
}

/// Reads the pages of a long stream after its first one, into `events`.
caf::error read_rest(event_store& store, const std::string& stream_id,
                     std::vector<recorded_event>& events,
                     store_reader_stats* stats) {
  for (;;) {
    auto from = events.back().stream_version + 1;
    auto page = store.read_stream(stream_id, from, load_stream_page);
    if (stats)
      ++stats->extra_pages;
    if (!page)
      return code_of(page.error()) == errc::stream_not_found
               ? caf::error{}
               : std::move(page.error());
    auto n = page->size();
    for (auto& ev : *page)
      events.push_back(std::move(ev));
    if (n < load_stream_page)
      return {};
  }
}

void note_batch(store_reader_stats* stats, size_t n) {
  if (!stats)
    return;
  stats->loads += n;
  ++stats->batches;
  auto seen = stats->largest_batch.load();
  while (seen < n && !stats->largest_batch.compare_exchange_weak(seen, n))
    ; // retry with the value another reader stored
}

} // namespace

std::vector<caf::expected<load_result>>
load_batch(event_store& store, snapshot_store* snapshots,
           const std::vector<load_request>& batch, spdlog::logger& log,
           store_reader_stats* stats) {
  auto start = std::chrono::steady_clock::now();
  note_batch(stats, batch.size());
  std::vector<load_result> results(batch.size());
  std::vector<int64_t> from;
  from.reserve(batch.size());
  for (const auto& x : batch)
    from.push_back(x.from_version);
  if (snapshots)
    take_snapshots(*snapshots, batch, results, from, log);
  std::vector<stream_read> reads;
  reads.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i)
    reads.push_back(stream_read{batch[i].stream_id, from[i]});
  auto pages = store.read_streams(reads, load_batch_page);
  std::vector<caf::expected<load_result>> out;
  out.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    auto& page = pages[i];
    if (!page) {
      out.emplace_back(std::move(page.error()));
      continue;
    }
    auto& events = results[i].events;
    events = std::move(*page);
    if (events.size() >= load_batch_page)
      if (auto err = read_rest(store, batch[i].stream_id, events, stats)) {
        out.emplace_back(std::move(err));
        continue;
      }
    out.emplace_back(std::move(results[i]));
  }
  if (stats)
    stats->busy_us += static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start)
        .count());
  return out;
}

} // namespace mink

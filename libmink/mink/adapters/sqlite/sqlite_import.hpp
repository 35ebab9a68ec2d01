#pragma once

// Internal helpers of the SQLite event store: listing streams and importing
// recorded events on the adapter's raw connection. The adapter holds its
// connection mutex around each call.

#include <string>
#include <vector>

#include <caf/error.hpp>
#include <soci/sqlite3/soci-sqlite3.h>

#include "mink/store/append.hpp"
#include "mink/store/event_store.hpp"

namespace mink::detail {

/// Lists streams of `mink_events` (see `event_store::list_streams`).
/// Throws `soci::sqlite3_soci_error` on failures.
std::vector<stream_summary> sqlite_list_streams(sqlite_api::sqlite3* db,
                                                const std::string& after,
                                                size_t limit,
                                                const std::string& category);

/// Imports `events` in one `BEGIN IMMEDIATE` transaction (see
/// `event_store::do_import`). Returns `wrong_expected_version` or
/// `duplicate_event_id` with nothing written; throws on other failures
/// after rolling back.
caf::error sqlite_import(sqlite_api::sqlite3* db,
                         const std::vector<import_event>& events);

} // namespace mink::detail

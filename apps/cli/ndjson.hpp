#pragma once

#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "mink/event.hpp"

namespace mink::cli {

/// Encodes `ev` as one JSON object on one line (no newline at the end):
/// `position`, `stream_id`, `version`, `event_id`, `type`,
/// `schema_version`, `timestamp` (RFC 3339, UTC, microseconds),
/// `timestamp_us`, `metadata` and `data`. The data is embedded as it is
/// stored, byte for byte; data that holds a line break (JSON whitespace)
/// goes into the string field `data_text` instead, so that each event stays
/// one line.
std::string to_ndjson(const recorded_event& ev);

/// Checks that `to_ndjson(ev)` writes a line that imports back: the data is
/// JSON the store accepts (`check_json`), the ids, type and metadata are
/// valid UTF-8. A store written past mink (by hand, by a broken tool) may
/// hold events that are not. Fails with `decode_failed` naming the event's
/// position and the problem.
caf::error check_exportable(const recorded_event& ev);

/// Decodes a line written by `to_ndjson`. Needs `position`, `stream_id`,
/// `version`, `event_id`, `type`, `data` (or `data_text`), and
/// `timestamp_us` (or `timestamp`); `schema_version` defaults to 1 and
/// `metadata` to none. The data must be JSON that the store accepts
/// (`check_json`), also in `data_text`. The time must lie in the years 0000 to 9999 (what
/// `timestamp` can express), and `timestamp` must be a date that exists.
/// Fails with `invalid_argument` naming the problem (the caller adds the
/// line number). Takes the data's exact bytes.
caf::expected<recorded_event> from_ndjson(std::string_view line);

/// Formats microseconds since the epoch as `2024-05-01T12:00:00.123456Z`;
/// defined for every value, meaningful for the years 0000 to 9999.
std::string format_timestamp(int64_t us);

} // namespace mink::cli

#pragma once

#include <cstdint>
#include <string>

namespace mink {

/// What the store remembers of a command that an `append` carried in its
/// `stream_append::command_id`. Written in the same transaction as the
/// command's events, so a record exists exactly when the events do.
struct command_record {
  /// The command id: a UUID in lower case.
  std::string command_id;
  /// The stream the command appended to.
  std::string stream_id;
  /// The stream's version after the append.
  int64_t version = 0;
  /// The global position of the command's first event; 0 when the command
  /// produced no events.
  int64_t first_position = 0;
  /// The global position of the command's last event; 0 when the command
  /// produced no events.
  int64_t last_position = 0;
  /// When the record was written, in microseconds since the Unix epoch.
  int64_t timestamp_us = 0;
};

} // namespace mink

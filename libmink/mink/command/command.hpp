#pragma once

#include <any>
#include <cstdint>
#include <string>

#include "mink/metadata.hpp"

namespace mink {

/// A command on its way to an aggregate: what to do, to whom, and who asks.
struct command_envelope {
  /// The command type name; the bus routes by it.
  std::string type;
  /// The target aggregate's type name (its stream category).
  std::string aggregate_type;
  /// The target aggregate's id; its stream is `aggregate_type-aggregate_id`.
  std::string aggregate_id;
  /// A UUID naming this command; every event it writes carries it as
  /// causation id.
  std::string command_id;
  /// Correlation, user and tenant ids; copied onto every event written.
  metadata meta;
  /// The command itself, of the aggregate's command type.
  std::any payload;
  /// The command creates its aggregate: its stream is not expected to
  /// exist. An aggregate actor that has not read its stream then decides
  /// against the empty state without reading it, and appends expecting no
  /// stream; when the stream exists after all, the store refuses the append
  /// and the actor reads the stream and decides again, so the command's
  /// rules still see the real state. A hint for speed: wrong, it costs one
  /// refused append.
  bool expects_no_stream = false;
  /// Another node of a cluster passed the command on to this one, the
  /// owner of its aggregate's slice (as that node saw it): this node runs
  /// it or refuses it with `not_owner`, never passes it on again.
  bool forwarded = false;

  /// Returns the target stream id.
  std::string stream_id() const { return aggregate_type + "-" + aggregate_id; }
};

/// What a successful command yields.
struct command_result {
  /// The aggregate's version after the command.
  int64_t version = 0;
  /// The global position of the command's last event; 0 when the command
  /// wrote no events. A query can wait for a projection to reach it.
  int64_t position = 0;
};

} // namespace mink

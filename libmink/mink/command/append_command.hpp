#pragma once

// Appending events to an aggregate's stream without asking its decider:
// how a saga keeps the record of a process on the stream of the aggregate
// that started it, with no recording command, and no rule guarding it, per
// step (see docs/sagas.md).

#include <string>
#include <utility>
#include <vector>

#include "mink/command/command.hpp"
#include "mink/metadata.hpp"

namespace mink {

/// The payload of an append command: events of the aggregate's event type,
/// which the aggregate actor appends as if its decider had decided them
/// (encoded, evolved, snapshotted, deduplicated by command id, retried on a
/// conflict). Only code in the process sends one: a request decoder knows
/// only the decider's command names.
template <class Event>
struct append_events {
  std::vector<Event> events;
};

/// `mink.append.<category>`: the command name under which `route<D>` and
/// `runtime::add_aggregate<D>()` route the append commands of `D`'s
/// aggregates.
[[nodiscard]] std::string append_command_name(const std::string& category);

/// An append command for the aggregate `id` of `Decider` (see
/// `make_command`): `events` go to its stream as they are.
template <class Decider>
command_envelope
make_append_command(std::string id,
                    std::vector<typename Decider::event_type> events,
                    std::string command_id = {}, metadata meta = {}) {
  command_envelope env;
  env.type = append_command_name(Decider::category);
  env.aggregate_type = Decider::category;
  env.aggregate_id = std::move(id);
  env.command_id = std::move(command_id);
  env.meta = std::move(meta);
  env.payload = append_events<typename Decider::event_type>{std::move(events)};
  return env;
}

} // namespace mink

#pragma once

#include <optional>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "mink/command/command.hpp"
#include "mink/event.hpp"
#include "mink/actors/feed_batch.hpp"
#include "mink/actors/load_result.hpp"
#include "mink/actors/append_queue.hpp"
#include "mink/store/append.hpp"
#include "mink/store/command_record.hpp"
#include "mink/store/snapshot_store.hpp"

namespace mink::detail {
struct read_wait;
} // namespace mink::detail

// mink's value types travel between actors of one process only; they are
// never serialized, so CAF may pass them without an inspect() overload.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::stream_append)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::reserved_append)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::append_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<mink::reserved_append>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::append_group_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::command_envelope)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::command_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<mink::recorded_event>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::load_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<mink::command_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::feed_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<mink::detail::read_wait>)

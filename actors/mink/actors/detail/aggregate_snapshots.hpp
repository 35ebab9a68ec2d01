#pragma once

// Snapshots of an aggregate actor's state: whether its decider can encode
// them, restoring from one, and saving one when the policy says so.

#include <string>
#include <type_traits>
#include <utility>

#include <caf/all.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mink/actors/aggregate_actor_state.hpp"
#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"
#include "mink/store/snapshot_store.hpp"

namespace mink::detail {

template <class Decider>
using aggregate_self = caf::stateful_actor<aggregate_actor_state<Decider>>;

/// Whether `Decider` can encode and decode its state for snapshots.
template <class D, class = void>
struct has_state_codec : std::false_type {};

template <class D>
struct has_state_codec<
  D, std::void_t<decltype(D::state_type_name), decltype(D::state_schema_version),
                 decltype(D::encode_state(
                   std::declval<const typename D::state_type&>(),
                   std::declval<rapidjson::Document&>())),
                 decltype(D::decode_state(std::declval<const rapidjson::Value&>()))>>
  : std::true_type {};

template <class Decider>
bool uses_snapshots(const aggregate_context& ctx) {
  return has_state_codec<Decider>::value && ctx.snapshot_writer != nullptr;
}

/// Restores the aggregate from `snap`; an error says why it cannot be used.
template <class Decider>
caf::error restore_from(aggregate<Decider>& agg, const snapshot& snap) {
  if constexpr (has_state_codec<Decider>::value) {
    if (snap.state_type != Decider::state_type_name
        || snap.schema_version != Decider::state_schema_version)
      return make_error(errc::decode_failed,
                        "snapshot is of state " + snap.state_type + " v"
                          + std::to_string(snap.schema_version)
                          + ", the aggregate reads "
                          + Decider::state_type_name + " v"
                          + std::to_string(Decider::state_schema_version));
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(snap.data.data(),
                                              snap.data.size());
    if (doc.HasParseError())
      return make_error(errc::decode_failed, "snapshot is not valid JSON");
    auto state = Decider::decode_state(doc);
    if (!state)
      return std::move(state.error());
    return agg.restore(std::move(*state), snap.version);
  } else {
    return make_error(errc::decode_failed, "the aggregate has no state codec");
  }
}

/// Sends a snapshot of the aggregate to the writer when the policy says so.
/// Runs after the replies went out; nobody waits for the save.
template <class Decider>
void maybe_snapshot(aggregate_self<Decider>* self, const aggregate_context& ctx,
                    int64_t old_version) {
  if constexpr (has_state_codec<Decider>::value) {
    auto& st = self->state;
    if (!uses_snapshots<Decider>(ctx)
        || !ctx.snapshots.due(old_version, st.agg.version()))
      return;
    rapidjson::Document doc;
    Decider::encode_state(st.agg.state(), doc);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer{buf};
    doc.Accept(writer);
    snapshot snap;
    snap.stream_id = st.stream_id;
    snap.version = st.agg.version();
    snap.state_type = Decider::state_type_name;
    snap.schema_version = Decider::state_schema_version;
    snap.data.assign(buf.GetString(), buf.GetSize());
    self->send(ctx.snapshot_writer, snapshot_atom::value, std::move(snap));
  }
}

} // namespace mink::detail

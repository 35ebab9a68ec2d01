#pragma once

#include <caf/atom.hpp>

namespace mink {

// Message tags of the actor layer (CAF 0.17 atoms: at most 10 characters).

/// Append a stream to the store (to the persistence actor).
using append_atom = caf::atom_constant<caf::atom("mk_append")>;
/// Commit what the persistence actor gathered.
using flush_atom = caf::atom_constant<caf::atom("mk_flush")>;
/// Read a stream's events (to the reader actor).
using load_atom = caf::atom_constant<caf::atom("mk_load")>;
/// Handle a command (to a router or an aggregate actor).
using command_atom = caf::atom_constant<caf::atom("mk_command")>;
/// Try a command again after a conflict.
using retry_atom = caf::atom_constant<caf::atom("mk_retry")>;
/// Finish the commands held, then stop (from a router to an aggregate).
using passivate_atom = caf::atom_constant<caf::atom("mk_passiv")>;
/// Periodic housekeeping (passivation).
using tick_atom = caf::atom_constant<caf::atom("mk_tick")>;

/// An aggregate actor that failed tells its router to forget it.
using gone_atom = caf::atom_constant<caf::atom("mk_gone")>;
/// Look up a command record (to the reader).
using find_atom = caf::atom_constant<caf::atom("mk_find")>;
/// Save a snapshot (to the snapshot writer).
using snapshot_atom = caf::atom_constant<caf::atom("mk_snap")>;
/// Ask for counters.
using stats_atom = caf::atom_constant<caf::atom("mk_stats")>;
/// Committed events, from the persistence actor to the feed.
using publish_atom = caf::atom_constant<caf::atom("mk_publish")>;
/// Ask the feed for the events from a position on.
using next_atom = caf::atom_constant<caf::atom("mk_next")>;
/// Run the next step of a projection runner.
using step_atom = caf::atom_constant<caf::atom("mk_step")>;
/// Wait for a projection to reach a position (to the engine's wait actor).
using wait_atom = caf::atom_constant<caf::atom("mk_wait")>;
/// A wait's timeout ran out.
using expire_atom = caf::atom_constant<caf::atom("mk_expire")>;
/// Events were committed up to a position (a commit watch's hint; 0:
/// somewhere; -1: the feed's own timer, look now).
using commit_atom = caf::atom_constant<caf::atom("mk_commit")>;
/// The last handle is gone: end once what is in flight is answered.
using close_atom = caf::atom_constant<caf::atom("mk_close")>;
/// A command forwarded to the node that owns its aggregate's slice.
using forward_atom = caf::atom_constant<caf::atom("mk_forward")>;
/// A connection to another node's endpoint made (or not).
using connect_atom = caf::atom_constant<caf::atom("mk_connect")>;

} // namespace mink

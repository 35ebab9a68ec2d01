#pragma once

// How a service process waits for its stop: SIGINT and SIGTERM taken by
// the main thread with sigwait, never by a worker thread.

namespace mink {

/// Blocks SIGINT and SIGTERM in the calling thread and in every thread it
/// starts from then on, and ignores SIGPIPE (a peer that closed a socket
/// is an error value, not a signal). Construct it first in `main`, before
/// any thread starts.
class stop_signals {
public:
  stop_signals();

  /// Waits for SIGINT or SIGTERM; returns its number.
  int wait() const;
};

} // namespace mink

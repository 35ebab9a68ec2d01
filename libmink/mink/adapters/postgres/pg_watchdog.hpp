#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>

namespace mink::pg {

/// Bounds how long a call on a pooled PostgreSQL connection may wait for the
/// server. A server that stops answering (a stopped process, a frozen VM)
/// still ACKs TCP, so keepalives never fire and `statement_timeout` never
/// runs; libpq and SOCI then block in `recv` forever. The watchdog is the
/// client-side deadline for both: a thread of its own checks the armed
/// connections a few times per deadline and, when one has waited longer
/// than the deadline since its last statement began, shuts its socket down
/// (`shutdown(SHUT_RDWR)`). The blocked call then fails at once as a lost
/// connection (`store_unavailable`), and the pool reconnects the
/// connection on its next lease.
///
/// Slots are fixed (one per pooled connection). Each slot holds a duplicate
/// of its connection's socket, so that a socket libpq closed in the meantime
/// is never confused with another file that reused its number.
class watchdog {
public:
  /// Watches `slots` connections with `deadline` per statement.
  watchdog(size_t slots, std::chrono::milliseconds deadline);

  ~watchdog();

  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

  /// Starts watching `conn` in slot `pos` and makes it this thread's
  /// current connection (see `touch`). Returns the previous current one,
  /// to hand to `disarm`. The slot keeps its duplicate of the socket from
  /// lease to lease (dup and close cost microseconds); pass `reconnected`
  /// when the connection got a new socket since the slot's last arm.
  void* arm(size_t pos, PGconn* conn, bool reconnected = false);

  /// Stops watching slot `pos`; `previous` becomes this thread's current
  /// connection again.
  void disarm(size_t pos, void* previous);

  /// Restarts the deadline of this thread's current connection: called as
  /// each statement is sent. Does nothing when the thread has none.
  static void touch() noexcept;

  /// Returns whether the deadline of this thread's current connection
  /// passed and its socket was shut down.
  static bool fired() noexcept;

  /// Returns the deadline of this thread's current connection (zero when
  /// it has none).
  static std::chrono::milliseconds current_deadline() noexcept;

  std::chrono::milliseconds deadline() const noexcept { return deadline_; }

private:
  struct slot {
    /// Steady-clock nanoseconds after which the socket is shut; 0 = idle.
    std::atomic<int64_t> due{0};
    /// Set by the watchdog's thread when it shut the socket.
    std::atomic<bool> fired{false};
    /// A duplicate of the socket, owned here; -1 when none (under mtx_).
    int fd = -1;
    /// libpq's descriptor that `fd` duplicates.
    int sock = -1;
    /// The deadline, for `touch`.
    int64_t budget_ns = 0;
  };

  void run();

  /// The slot of the connection this thread uses (see `touch`).
  static thread_local slot* current_;

  std::chrono::milliseconds deadline_;
  std::vector<slot> slots_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

/// Reconnects `conn` (libpq's `PQresetStart`/`PQresetPoll`), waiting at most
/// `timeout` for the server; a server that accepts the connection but never
/// answers (stopped) cannot block it longer. Returns whether `conn` is
/// connected again.
[[nodiscard]] bool reconnect(PGconn* conn, std::chrono::milliseconds timeout);

/// Runs one statement with text parameters through libpq's asynchronous
/// calls, waiting at most `timeout` for its answer (for connections outside
/// a pool, which no watchdog watches). Returns the last result, or null when
/// it could not be sent or got no answer in time; then the connection is
/// shut down, since a statement may still be running on it.
[[nodiscard]] PGresult* exec_within(PGconn* conn, const char* sql,
                                    const std::vector<std::string>& params,
                                    std::chrono::milliseconds timeout);

} // namespace mink::pg

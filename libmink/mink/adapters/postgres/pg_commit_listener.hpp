#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "mink/store/commit_watch.hpp"

namespace mink::pg {

/// The channel the event store of `schema` notifies after each committed
/// append call, quoted for SQL (`schema` is validated).
std::string commit_channel(const std::string& schema);

/// A commit watch on PostgreSQL: a connection of its own LISTENs on the
/// schema's channel, and a thread of its own calls the callback with each
/// notification's position. When the connection is lost it reconnects
/// (once a second at most) and then calls the callback with 0, since
/// notifications sent meanwhile are gone. Failures are logged once until
/// the next success, without the connection string.
class commit_listener : public commit_watch {
public:
  /// Starts the watch; null (logged) when the system refuses the thread's
  /// stop file (an eventfd).
  static std::unique_ptr<commit_listener>
  start(std::string conninfo, std::string schema, commit_callback on_commit);

  /// Stops the thread (at once, also while it connects) and closes the
  /// connection.
  ~commit_listener() override;

  commit_listener(const commit_listener&) = delete;
  commit_listener& operator=(const commit_listener&) = delete;

private:
  commit_listener(std::string conninfo, std::string schema,
                  commit_callback on_commit, int stop_fd);

  /// Retries `listen_once` once a second until stopped; an exception
  /// (out of memory, a callback that throws) counts as a failure.
  void run();

  /// Connects, LISTENs and hands notifications on until the connection
  /// fails (false) or the watch stops (true).
  bool listen_once(bool& failing,
                   const std::function<void(const std::string&)>& fail);

  std::string conninfo_;
  std::string schema_;
  commit_callback on_commit_;
  /// An eventfd: written once to stop the thread.
  int stop_fd_ = -1;
  std::thread thread_;
};

} // namespace mink::pg

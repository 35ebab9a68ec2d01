#include "mink/adapters/postgres/pg_commit_listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <utility>

#include <libpq-fe.h>

#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/log.hpp"

namespace mink::pg {

namespace {

/// What waiting on the connection's socket and the stop file ended with.
enum class woke { socket, stop, timeout };

woke wait_for(int socket, short events, int stop_fd, int timeout_ms) {
  pollfd fds[2] = {{stop_fd, POLLIN, 0}, {socket, events, 0}};
  auto n = ::poll(fds, socket >= 0 ? 2 : 1, timeout_ms);
  if (n > 0 && (fds[0].revents & POLLIN) != 0)
    return woke::stop;
  if (n > 0)
    return woke::socket;
  return woke::timeout;
}

/// libpq's message of `conn` on one line.
std::string message_of(PGconn* conn) {
  std::string out;
  bool space = false;
  for (const char* c = PQerrorMessage(conn); *c != '\0'; ++c) {
    if (*c == '\n' || *c == '\t' || *c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out += *c;
  }
  return out;
}

/// Runs `sql` without blocking the thread past a stop request or 10 s of
/// silence from the server; false (with `why`, empty when stopped) when it
/// did not succeed.
bool run_statement(PGconn* conn, const std::string& sql, int stop_fd,
                   std::string& why) {
  if (PQsendQuery(conn, sql.c_str()) != 1) {
    why = message_of(conn);
    return false;
  }
  bool ok = true;
  for (;;) {
    while (PQisBusy(conn) != 0) {
      auto w = wait_for(PQsocket(conn), POLLIN, stop_fd, 10000);
      if (w != woke::socket) {
        why = w == woke::stop ? "" : "timed out";
        return false;
      }
      if (PQconsumeInput(conn) == 0) {
        why = message_of(conn);
        return false;
      }
    }
    PGresult* res = PQgetResult(conn);
    if (res == nullptr)
      break;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      why = PQresultErrorMessage(res);
      ok = false;
    }
    PQclear(res);
  }
  return ok;
}

/// Connects without blocking the thread past a stop request; null when
/// stopped or failed (then `why` says why).
PGconn* connect(const std::string& conninfo, int stop_fd, std::string& why) {
  PGconn* conn = PQconnectStart(conninfo.c_str());
  if (conn == nullptr) {
    why = "out of memory";
    return nullptr;
  }
  if (PQstatus(conn) == CONNECTION_BAD) {
    why = message_of(conn);
    PQfinish(conn);
    return nullptr;
  }
  auto status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED) {
    short events = status == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    // 10 s per step at most: a server that never answers is a failure.
    auto w = wait_for(PQsocket(conn), events, stop_fd, 10000);
    if (w != woke::socket) {
      why = w == woke::stop ? "" : "timed out";
      PQfinish(conn);
      return nullptr;
    }
    status = PQconnectPoll(conn);
  }
  if (status == PGRES_POLLING_FAILED) {
    why = message_of(conn);
    PQfinish(conn);
    return nullptr;
  }
  return conn;
}

} // namespace

std::string commit_channel(const std::string& schema) {
  return quote_ident("mink_commits." + schema);
}

std::unique_ptr<commit_listener>
commit_listener::start(std::string conninfo, std::string schema,
                       commit_callback on_commit) {
  int fd = ::eventfd(0, EFD_CLOEXEC);
  if (fd < 0) {
    or_default(nullptr)->warn("mink: no commit watch for schema {}: eventfd "
                              "failed; the feed polls",
                              schema);
    return nullptr;
  }
  return std::unique_ptr<commit_listener>{new commit_listener(
    std::move(conninfo), std::move(schema), std::move(on_commit), fd)};
}

commit_listener::commit_listener(std::string conninfo, std::string schema,
                                 commit_callback on_commit, int stop_fd)
  : conninfo_(std::move(conninfo)),
    schema_(std::move(schema)),
    on_commit_(std::move(on_commit)),
    stop_fd_(stop_fd) {
  try {
    thread_ = std::thread{[this] { run(); }};
  } catch (...) {
    ::close(stop_fd_);
    throw;
  }
}

commit_listener::~commit_listener() {
  uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof(one)) < 0) {
    // Cannot happen for an eventfd below its maximum; the thread would
    // then only stop at its next wake-up.
  }
  thread_.join();
  ::close(stop_fd_);
}

void commit_listener::run() {
  bool failing = false;
  auto fail = [&](const std::string& what) {
    if (!failing)
      or_default(nullptr)->warn("mink: the commit watch of schema {} {}; "
                                "retrying every second (the feed polls "
                                "meanwhile)",
                                schema_, what);
    failing = true;
  };
  for (;;) {
    try {
      if (listen_once(failing, fail))
        return; // stopped
    } catch (const std::exception& ex) {
      fail(std::string{"failed: "} + ex.what());
    } catch (...) {
      fail("failed");
    }
    if (wait_for(-1, 0, stop_fd_, 1000) == woke::stop)
      return;
  }
}

bool commit_listener::listen_once(
  bool& failing, const std::function<void(const std::string&)>& fail) {
  std::string why;
  PGconn* raw = connect(conninfo_, stop_fd_, why);
  if (raw == nullptr) {
    if (why.empty())
      return true;
    fail("cannot connect: " + why);
    return false;
  }
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn{raw, PQfinish};
  if (!run_statement(raw, "LISTEN " + commit_channel(schema_), stop_fd_,
                     why)) {
    if (why.empty())
      return true;
    fail("cannot LISTEN: " + why);
    return false;
  }
  if (failing)
    or_default(nullptr)->info("mink: the commit watch of schema {} listens "
                              "again",
                              schema_);
  failing = false;
  on_commit_(0); // notifications sent while not listening are gone
  for (;;) {
    if (wait_for(PQsocket(raw), POLLIN, stop_fd_, -1) == woke::stop)
      return true;
    if (PQconsumeInput(raw) == 0) {
      fail("lost its connection: " + message_of(raw));
      return false;
    }
    while (PGnotify* n = PQnotifies(raw)) {
      std::unique_ptr<PGnotify, void (*)(void*)> owned{n, PQfreemem};
      // Anyone may NOTIFY this channel: a payload that is not a position
      // only means "look".
      char* end = nullptr;
      auto pos = std::strtoll(n->extra, &end, 10);
      on_commit_(end != n->extra && *end == '\0' && pos > 0 ? pos : 0);
    }
  }
}

} // namespace mink::pg

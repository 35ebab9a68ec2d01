#include "mink/adapters/postgres/pg_commit_listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <utility>

#include <libpq-fe.h>

#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/errc.hpp"
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

commit_listener::commit_listener(std::string conninfo, std::string schema,
                                 commit_callback on_commit)
  : conninfo_(std::move(conninfo)),
    schema_(std::move(schema)),
    on_commit_(std::move(on_commit)),
    stop_fd_(::eventfd(0, EFD_CLOEXEC)) {
  thread_ = std::thread{[this] { run(); }};
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
  auto log = or_default(nullptr);
  bool failing = false;
  auto fail = [&](const std::string& what) {
    if (!failing)
      log->warn("mink: the commit watch of schema {} {}; retrying every "
                "second (the feed polls meanwhile)",
                schema_, what);
    failing = true;
  };
  while (wait_for(-1, 0, stop_fd_, 0) != woke::stop) {
    std::string why;
    PGconn* conn = connect(conninfo_, stop_fd_, why);
    if (conn == nullptr) {
      if (why.empty())
        return; // stopped
      fail("cannot connect: " + why);
      if (wait_for(-1, 0, stop_fd_, 1000) == woke::stop)
        return;
      continue;
    }
    auto listen = exec(conn, "LISTEN " + commit_channel(schema_));
    if (!listen) {
      fail("cannot LISTEN: " + to_text(listen.error()));
      PQfinish(conn);
      if (wait_for(-1, 0, stop_fd_, 1000) == woke::stop)
        return;
      continue;
    }
    if (failing)
      log->info("mink: the commit watch of schema {} listens again", schema_);
    failing = false;
    on_commit_(0); // notifications sent while not listening are gone
    for (;;) {
      auto w = wait_for(PQsocket(conn), POLLIN, stop_fd_, -1);
      if (w == woke::stop) {
        PQfinish(conn);
        return;
      }
      if (PQconsumeInput(conn) == 0) {
        fail("lost its connection: " + message_of(conn));
        break;
      }
      while (PGnotify* n = PQnotifies(conn)) {
        // Anyone may NOTIFY this channel: a payload that is not a
        // position only means "look".
        char* end = nullptr;
        auto pos = std::strtoll(n->extra, &end, 10);
        on_commit_(end != n->extra && *end == '\0' && pos > 0 ? pos : 0);
        PQfreemem(n);
      }
    }
    PQfinish(conn);
    if (wait_for(-1, 0, stop_fd_, 1000) == woke::stop)
      return;
  }
}

} // namespace mink::pg

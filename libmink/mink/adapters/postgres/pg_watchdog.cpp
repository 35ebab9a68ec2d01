#include "mink/adapters/postgres/pg_watchdog.hpp"

#include <algorithm>
#include <cerrno>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mink::pg {

namespace {

int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

} // namespace

thread_local watchdog::slot* watchdog::current_ = nullptr;

watchdog::watchdog(size_t slots, std::chrono::milliseconds deadline)
  : deadline_(deadline), slots_(slots) {
  for (auto& s : slots_)
    s.budget_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline)
                    .count();
  thread_ = std::thread{[this] { run(); }};
}

watchdog::~watchdog() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
    for (auto& s : slots_)
      if (s.fd >= 0) {
        ::close(s.fd);
        s.fd = -1;
      }
  }
  cv_.notify_all();
  thread_.join();
}

void* watchdog::arm(size_t pos, PGconn* conn, bool reconnected) {
  auto& s = slots_[pos];
  auto sock = PQsocket(conn);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (reconnected || sock != s.sock || s.fd < 0) {
      // A new socket: the old duplicate would keep the old one open.
      if (s.fd >= 0)
        ::close(s.fd);
      s.fd = sock >= 0 ? ::dup(sock) : -1;
      s.sock = sock;
    }
    s.fired.store(false, std::memory_order_relaxed);
    s.due.store(now_ns() + s.budget_ns, std::memory_order_relaxed);
  }
  auto previous = current_;
  current_ = &s;
  return previous;
}

void watchdog::disarm(size_t pos, void* previous) {
  auto& s = slots_[pos];
  {
    std::lock_guard<std::mutex> guard{mtx_};
    s.due.store(0, std::memory_order_relaxed);
    if (s.fired.load(std::memory_order_relaxed) && s.fd >= 0) {
      // The socket is shut down: the next lease reconnects.
      ::close(s.fd);
      s.fd = -1;
    }
  }
  current_ = static_cast<slot*>(previous);
}

void watchdog::touch() noexcept {
  if (auto c = current_)
    c->due.store(now_ns() + c->budget_ns, std::memory_order_relaxed);
}

bool watchdog::fired() noexcept {
  auto c = current_;
  return c != nullptr && c->fired.load(std::memory_order_relaxed);
}

std::chrono::milliseconds watchdog::current_deadline() noexcept {
  auto c = current_;
  if (c == nullptr)
    return std::chrono::milliseconds{0};
  return std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::nanoseconds{c->budget_ns});
}

void watchdog::run() {
  // A few looks per deadline: a call is cut off at most a quarter of the
  // deadline (at most 250 ms) after it passed.
  auto tick = std::clamp(deadline_ / 4, std::chrono::milliseconds{5},
                         std::chrono::milliseconds{250});
  std::unique_lock<std::mutex> guard{mtx_};
  while (!stop_) {
    cv_.wait_for(guard, tick);
    auto now = now_ns();
    for (auto& s : slots_) {
      auto due = s.due.load(std::memory_order_relaxed);
      if (due == 0 || now <= due || s.fd < 0
          || s.fired.load(std::memory_order_relaxed))
        continue;
      // The blocked recv or send on this socket returns at once; libpq
      // then reports the connection as lost.
      ::shutdown(s.fd, SHUT_RDWR);
      s.fired.store(true, std::memory_order_relaxed);
    }
  }
}

bool reconnect(PGconn* conn, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  if (PQresetStart(conn) == 0)
    return false;
  auto status = PGRES_POLLING_WRITING;
  for (;;) {
    if (status == PGRES_POLLING_OK)
      return PQstatus(conn) == CONNECTION_OK;
    if (status == PGRES_POLLING_FAILED)
      return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd pfd{PQsocket(conn),
               static_cast<short>(status == PGRES_POLLING_READING ? POLLIN
                                                                  : POLLOUT),
               0};
    auto n = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR)
      return false;
    if (n == 0)
      return false; // the server accepted, then said nothing in time
    status = PQresetPoll(conn);
  }
}

PGresult* exec_within(PGconn* conn, const char* sql,
                      const std::vector<std::string>& params,
                      std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  auto give_up = [conn]() -> PGresult* {
    if (PQsocket(conn) >= 0)
      ::shutdown(PQsocket(conn), SHUT_RDWR);
    return nullptr;
  };
  // Wait for `events` on the socket; false when the time is up.
  auto wait = [&](short events) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pollfd pfd{PQsocket(conn), events, 0};
      auto n = ::poll(&pfd, 1, static_cast<int>(left.count()));
      if (n > 0)
        return true;
      if (n == 0 || errno != EINTR)
        return false;
    }
  };
  std::vector<const char*> values;
  for (auto& p : params)
    values.push_back(p.c_str());
  if (PQsetnonblocking(conn, 1) != 0
      || PQsendQueryParams(conn, sql, static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0)
           != 1)
    return give_up();
  for (int rc = PQflush(conn); rc != 0; rc = PQflush(conn))
    if (rc < 0 || !wait(POLLOUT))
      return give_up();
  PGresult* last = nullptr;
  for (;;) {
    while (PQisBusy(conn)) {
      if (!wait(POLLIN) || PQconsumeInput(conn) != 1) {
        if (last != nullptr)
          PQclear(last);
        return give_up();
      }
    }
    auto res = PQgetResult(conn);
    if (res == nullptr)
      break;
    if (last != nullptr)
      PQclear(last);
    last = res;
  }
  PQsetnonblocking(conn, 0);
  return last;
}

} // namespace mink::pg

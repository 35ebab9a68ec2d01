#pragma once

// A raw TCP client for tests of the HTTP server: it sends exactly the bytes
// a test gives (malformed, slow, flooding) and reads answers with timeouts.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mink_test {

/// One answer as read off the socket.
struct raw_answer {
  int status = 0;
  /// Names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;
};

class raw_conn {
public:
  /// Connects to 127.0.0.1:`port` (the connection may fail: see `ok`).
  explicit raw_conn(int port);
  ~raw_conn();

  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;

  [[nodiscard]] bool ok() const noexcept { return fd_ >= 0; }

  /// Sends all of `bytes`; false when the connection is gone.
  bool send(std::string_view bytes);

  /// Reads one answer (head and Content-Length body); nothing when the
  /// connection closes first or `timeout` passes.
  std::optional<raw_answer> read_answer(std::chrono::milliseconds timeout);

  /// Waits until the server closes the connection; false when `timeout`
  /// passes first.
  bool closed_within(std::chrono::milliseconds timeout);

private:
  /// Reads more into `buf_`; false on close, error or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);
  /// Waits until the socket has something to read (data or its end);
  /// false when `deadline` passes first.
  bool readable_before(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buf_;
};

/// `GET path` with Host and nothing else.
std::string get_request(const std::string& path, const std::string& extra = {});

/// `POST path` with a Content-Length body.
std::string post_request(const std::string& path, const std::string& body,
                         const std::string& extra = {});

} // namespace mink_test

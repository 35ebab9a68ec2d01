#pragma once

// Internal to the HTTP server (server.cpp, session.cpp).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/message.hpp>

#include "mink/http/server.hpp"

namespace mink::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class session;

struct server::impl : std::enable_shared_from_this<server::impl> {
  server_config cfg;
  router routes;
  int port = 0;
  std::atomic<size_t> connections{0};
  std::atomic<bool> stopping{false};

  // Requests handed to a handler and not answered yet (for draining).
  std::mutex mtx;
  std::condition_variable cv;
  size_t in_flight = 0;
  // Set once the I/O threads are gone: answers that arrive later are
  // dropped instead of queued on an I/O context that no longer runs.
  bool closed = false;
  std::unordered_map<uint64_t, std::weak_ptr<session>> sessions;
  uint64_t next_session = 0;

  std::vector<std::thread> threads;
  // Destroyed first (declared last): its pending handlers may hold sessions.
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;

  void accept();
  void begin_request();
  void end_request();
  void shut_down();
};

/// One connection: reads a request, hands it to its route, writes the
/// answer, repeats while keep-alive holds.
class session : public std::enable_shared_from_this<session> {
public:
  session(std::shared_ptr<server::impl> srv, tcp::socket sock, uint64_t id);

  ~session();

  /// Starts reading (or, when `refuse`, answers 503 and closes).
  void start(bool refuse);

  /// Closes the connection when no request of it is being handled.
  void close_if_idle();

  /// Closes the connection.
  void close();

  /// The connection's strand: every call above runs on it.
  [[nodiscard]] auto executor() { return stream_.get_executor(); }

  /// Queues `res` as the answer of the current request (any thread).
  void post_answer(response res);

private:
  void wait_for_request();
  void read_head();
  void on_head(beast::error_code ec, size_t head_bytes);
  void on_read_error(beast::error_code ec);
  bool check_head(size_t head_bytes);
  void read_body();
  void on_body(beast::error_code ec);
  void dispatch();
  void fail(int status, std::string_view code, std::string_view message);
  void write(response res);
  void on_written(beast::error_code ec, response res);

  std::shared_ptr<server::impl> srv_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> out_;
  request req_;
  uint64_t id_;
  bool counted_ = false;
  bool busy_ = false;
  bool keep_alive_ = true;
  bool first_ = true;
};

} // namespace mink::http

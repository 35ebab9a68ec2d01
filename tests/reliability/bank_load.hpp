#pragma once

// Load on a bank service over HTTP, recorded request by request, for the
// guarantees of docs/reliability.md: every command carries a fresh
// Idempotency-Key, so that one whose answer was lost (the service was
// killed) can be repeated later and gets the first answer.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "../bank/http_fixture.hpp"

namespace reliability {

/// One command sent, with the answer it got (status 0: no answer).
struct sent_command {
  std::string kind; // deposit, withdraw, transfer
  std::string key;  // Idempotency-Key
  std::string path;
  std::string body;
  std::string account; // deposit, withdraw
  int64_t amount = 0;
  int status = 0;
  int64_t position = 0;
  std::string error;
};

/// Every command sent by the clients of one test, thread-safe.
class command_log {
public:
  void add(sent_command cmd);
  std::vector<sent_command> all() const;

private:
  mutable std::mutex mtx_;
  std::vector<sent_command> cmds_;
};

/// A random command on `accounts` (deposit half the time, else withdraw or
/// transfer), with a fresh key.
sent_command random_command(std::mt19937& rng,
                            const std::vector<std::string>& accounts);

/// Sends `cmd` and records the answer in it.
void send(bank_test::client& c, sent_command& cmd,
          const httplib::Headers& extra = {});

/// Repeats `cmd` (same key) until it gets an answer that is not 5xx or no
/// answer, up to `attempts` times, a short pause between them.
void send_until_definite(bank_test::client& c, sent_command& cmd,
                         int attempts = 200);

/// Opens account `id` and deposits `amount` into it; fails the test when
/// either is refused.
void open_funded(bank_test::client& c, const std::string& id, int64_t amount);

/// Clients sending random commands until `stop` is set or, if
/// `stop_on_error`, their connection fails. `acked` counts answers.
struct load_clients {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> acked{0};
  command_log log;
  /// Runs `n` client threads against `port` and joins them.
  /// `correlation_prefix` starts every request's X-Correlation-Id.
  void run(int port, int n, uint32_t seed,
           const std::vector<std::string>& accounts, int per_client,
           bool stop_on_error, const std::string& correlation_prefix = {});
};

/// `SELECT string_agg(...)`-style dump of `table` in schema `schema`, one
/// row per line, ordered by every column: for comparing read models.
std::string dump_table(const std::string& schema, const std::string& table);

} // namespace reliability

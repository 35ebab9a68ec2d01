#pragma once

// The runner of the model-based test (model_test.cpp): sends a sequence of
// operations to a bank service over HTTP, each request's answer checked
// against the model's prediction (bank_model.hpp), then reads every
// account, transfer and the total at the last answered position.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <httplib.h>

#include "../bank/http_fixture.hpp"
#include "bank_model.hpp"

namespace bank_model {

using bank_test::answer;

/// An HTTP client of one service, with TCP_NODELAY: without it a POST
/// (head and body written separately) waits for the server's delayed ACK,
/// about 40 ms each (bank_test::client does not set it).
class fast_client {
public:
  fast_client(const std::string& host, int port)
    : host_(host), port_(port), cli_(host, port) {
    cli_.set_read_timeout(std::chrono::seconds{60});
    cli_.set_keep_alive(true);
    cli_.set_tcp_nodelay(true);
  }

  answer get(const std::string& path) { return to_answer(cli_.Get(path)); }

  answer post(const std::string& path, const std::string& body,
              const httplib::Headers& headers) {
    return to_answer(cli_.Post(path, headers, body, "application/json"));
  }

  const std::string& host() const { return host_; }
  int port() const { return port_; }

private:
  static answer to_answer(const httplib::Result& res) {
    answer out;
    if (!res)
      return out; // status 0: no answer
    out.status = res->status;
    out.body = res->body;
    out.json.Parse(out.body.c_str());
    return out;
  }

  std::string host_;
  int port_;
  httplib::Client cli_;
};

/// Runs `ops` against the service of `http` and the model, on accounts and
/// transfers whose ids start with `prefix`. Fails the RapidCheck property
/// (RC_FAIL) at the first answer that differs from the model, with the
/// trace of the run. Returns the number of requests made.
int64_t run_sequence(fast_client& http, const std::string& prefix,
                     const std::vector<op>& ops);

/// Fails the current RapidCheck property with `what`.
[[noreturn]] void fail(const std::string& what);

/// How often each kind of answer was predicted (status and error code, or
/// where the position had to be), over all sequences: what they reach.
std::map<std::string, int64_t>& coverage();

} // namespace bank_model

#include "bank_load.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include "mink/uuid.hpp"

namespace reliability {

void command_log::add(sent_command cmd) {
  std::lock_guard<std::mutex> guard{mtx_};
  cmds_.push_back(std::move(cmd));
}

std::vector<sent_command> command_log::all() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return cmds_;
}

sent_command random_command(std::mt19937& rng,
                            const std::vector<std::string>& accounts) {
  sent_command cmd;
  cmd.key = mink::make_uuid();
  auto pick = [&] { return accounts[rng() % accounts.size()]; };
  auto roll = rng() % 4;
  if (roll < 2 || accounts.size() < 2) {
    cmd.kind = "deposit";
    cmd.amount = 1 + static_cast<int64_t>(rng() % 100);
  } else if (roll == 2) {
    cmd.kind = "withdraw";
    cmd.amount = 1 + static_cast<int64_t>(rng() % 150);
  } else {
    cmd.kind = "transfer";
    auto from = pick();
    auto to = pick();
    while (to == from)
      to = pick();
    cmd.amount = 1 + static_cast<int64_t>(rng() % 200);
    cmd.path = "/transfers";
    cmd.body = R"({"from":")" + from + R"(","to":")" + to
               + R"(","amount":)" + std::to_string(cmd.amount) + "}";
    return cmd;
  }
  cmd.account = pick();
  cmd.path = "/accounts/" + cmd.account + "/" + cmd.kind;
  cmd.body = R"({"amount":)" + std::to_string(cmd.amount) + "}";
  return cmd;
}

void send(bank_test::client& c, sent_command& cmd,
          const httplib::Headers& extra) {
  auto headers = extra;
  headers.emplace("Idempotency-Key", cmd.key);
  auto res = c.post(cmd.path, cmd.body, headers);
  cmd.status = res.status;
  cmd.position = res.num("position");
  cmd.error = res.str("error");
}

void send_until_definite(bank_test::client& c, sent_command& cmd,
                         int attempts) {
  for (int i = 0; i < attempts; ++i) {
    send(c, cmd);
    if (cmd.status != 0 && cmd.status < 500)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

void open_funded(bank_test::client& c, const std::string& id,
                 int64_t amount) {
  BOOST_REQUIRE_EQUAL(
    c.post("/accounts", R"({"owner":"o","id":")" + id + R"("})").status, 201);
  BOOST_REQUIRE_EQUAL(c.post("/accounts/" + id + "/deposit",
                             R"({"amount":)" + std::to_string(amount) + "}")
                        .status,
                      200);
}

void load_clients::run(int port, int n, uint32_t seed,
                       const std::vector<std::string>& accounts,
                       int per_client, bool stop_on_error,
                       const std::string& correlation_prefix) {
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t)
    threads.emplace_back([=] {
      std::mt19937 rng{seed + static_cast<uint32_t>(t)};
      bank_test::client c{"127.0.0.1", port};
      for (int i = 0; i < per_client && !stop; ++i) {
        auto cmd = random_command(rng, accounts);
        httplib::Headers extra;
        if (!correlation_prefix.empty())
          extra.emplace("X-Correlation-Id", correlation_prefix + cmd.key);
        send(c, cmd, extra);
        auto failed = cmd.status == 0;
        log.add(std::move(cmd));
        if (failed && stop_on_error)
          return;
        ++acked;
      }
    });
  for (auto& th : threads)
    th.join();
}

std::string dump_table(const std::string& schema, const std::string& table) {
  return bank_test::pg_exec("SELECT string_agg(t::text, E'\\n' ORDER BY "
                            "t::text) FROM "
                            + schema + "." + table + " t");
}

} // namespace reliability

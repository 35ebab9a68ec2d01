#include "demo.hpp"

#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include <httplib.h>
#include <rapidjson/document.h>

namespace bank {

namespace {

class demo_client {
public:
  demo_client(const std::string& host, int port) : cli_(host, port) {
    cli_.set_read_timeout(std::chrono::seconds{30});
  }

  /// Sends a request, prints it and its answer; checks the status.
  rapidjson::Document call(const std::string& method, const std::string& path,
                           const std::string& body, int expected,
                           bool quiet = false) {
    httplib::Result res = method == "GET"
                            ? cli_.Get(path)
                            : cli_.Post(path, body, "application/json");
    rapidjson::Document doc;
    if (!res) {
      std::cout << method << ' ' << path << " -> no answer ("
                << httplib::to_string(res.error()) << ")\n";
      ok_ = false;
      return doc;
    }
    if (res->status != expected)
      ok_ = false;
    if (!quiet || res->status != expected) {
      std::cout << method << ' ' << path;
      if (!body.empty())
        std::cout << ' ' << body;
      std::cout << "\n  -> " << res->status << ' ' << res->body << "\n";
      if (res->status != expected)
        std::cout << "  (expected " << expected << ")\n";
    }
    doc.Parse(res->body.c_str());
    return doc;
  }

  std::string raw(const std::string& path) {
    auto res = cli_.Get(path);
    return res ? res->body : std::string{};
  }

  bool ok() const { return ok_; }

private:
  httplib::Client cli_;
  bool ok_ = true;
};

std::string str(const rapidjson::Document& doc, const char* key) {
  if (doc.IsObject() && doc.HasMember(key) && doc[key].IsString())
    return doc[key].GetString();
  return {};
}

int64_t num(const rapidjson::Document& doc, const char* key) {
  if (doc.IsObject() && doc.HasMember(key) && doc[key].IsInt64())
    return doc[key].GetInt64();
  return 0;
}

/// Polls a transfer until it is final; returns its last answer.
rapidjson::Document await_transfer(demo_client& c, const std::string& id,
                                   int64_t position) {
  rapidjson::Document doc;
  for (int i = 0; i < 400; ++i) {
    doc = c.call("GET",
                 "/transfers/" + id + "?position=" + std::to_string(position),
                 "", 200, true);
    auto st = str(doc, "status");
    if (st == "completed" || st == "compensated" || st == "rejected")
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{25});
  }
  c.call("GET", "/transfers/" + id, "", 200);
  return doc;
}

} // namespace

bool run_demo(const std::string& host, int port) {
  demo_client c{host, port};
  std::cout << "== health\n";
  c.call("GET", "/health", "", 200);
  std::cout << "\n== open three accounts\n";
  auto ada = str(c.call("POST", "/accounts", R"({"owner":"Ada"})", 201), "id");
  auto bob = str(c.call("POST", "/accounts", R"({"owner":"Bob"})", 201), "id");
  auto eve = str(c.call("POST", "/accounts", R"({"owner":"Eve"})", 201), "id");
  std::cout << "\n== deposits, and a withdrawal the balance does not cover\n";
  c.call("POST", "/accounts/" + ada + "/deposit", R"({"amount":10000})", 200);
  c.call("POST", "/accounts/" + bob + "/deposit", R"({"amount":5000})", 200);
  c.call("POST", "/accounts/" + bob + "/withdraw", R"({"amount":20000})", 422);
  c.call("POST", "/accounts/" + bob + "/withdraw", R"({"amount":500})", 200);
  std::cout << "\n== a transfer Ada -> Bob (the saga debits, credits, "
               "completes)\n";
  auto t1 = c.call("POST", "/transfers",
                   R"({"from":")" + ada + R"(","to":")" + bob
                     + R"(","amount":2500})",
                   202);
  await_transfer(c, str(t1, "id"), num(t1, "position"));
  std::cout << "\n== Eve closes her account; a transfer to it compensates\n";
  c.call("POST", "/accounts/" + eve + "/close", "", 200);
  auto t2 = c.call("POST", "/transfers",
                   R"({"from":")" + bob + R"(","to":")" + eve
                     + R"(","amount":1000})",
                   202);
  auto t2_done = await_transfer(c, str(t2, "id"), num(t2, "position"));
  std::cout << "\n== balances and history (read-your-writes with "
               "?position=N)\n";
  auto pos = std::to_string(num(t2_done, "position"));
  c.call("GET", "/accounts/" + ada + "?position=" + pos, "", 200);
  c.call("GET", "/accounts/" + bob + "?position=" + pos, "", 200);
  c.call("GET", "/accounts/" + bob + "/history?position=" + pos, "", 200);
  std::cout << "\n== the bank's total (deposits - withdrawals) and the sum "
               "of balances\n";
  auto total = c.call("GET", "/total?position=" + pos, "", 200);
  std::cout << "\n== errors\n";
  c.call("POST", "/accounts", R"({"owner": )", 400);
  c.call("POST", "/accounts/" + ada + "/deposit", R"({"amount":"ten"})", 400);
  c.call("POST", "/accounts/" + eve + "/deposit", R"({"amount":1})", 409);
  c.call("GET", "/no/such/route", "", 404);
  std::cout << "\n== metrics (a few lines of GET /metrics)\n";
  std::istringstream metrics{c.raw("/metrics")};
  std::string line;
  while (std::getline(metrics, line))
    if (line.rfind("mink_events_appended_total", 0) == 0
        || line.rfind("mink_commands_total", 0) == 0
        || line.rfind("mink_projection_position", 0) == 0
        || line.rfind("mink_live_aggregates", 0) == 0)
      std::cout << "  " << line << "\n";
  auto consistent = num(total, "sum_of_balances") + num(total, "in_transit")
                    == num(total, "total");
  std::cout << "\nsum of balances + in transit "
            << (consistent ? "==" : "!=") << " deposits - withdrawals\n";
  return c.ok() && consistent;
}

} // namespace bank

#include "model_runner.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <sstream>
#include <thread>
#include <utility>

#include <rapidcheck.h>

#include "mink/uuid.hpp"

namespace bank_model {

void fail(const std::string& what) {
  RC_FAIL(what);
}

std::map<std::string, int64_t>& coverage() {
  static std::map<std::string, int64_t> counts;
  return counts;
}

namespace {

struct totals {
  int64_t total = 0;
  int64_t deposits = 0;
  int64_t withdrawals = 0;
  int64_t in_transit = 0;
  int64_t accounts = 0;
  int64_t sum_of_balances = 0;
};

const char* to_string(pos_kind x) {
  switch (x) {
    case pos_kind::fresh: return "written";
    case pos_kind::first: return "first answer";
    case pos_kind::none: return "nothing written";
  }
  return "?";
}

/// A request sent in this sequence, for repeats.
struct sent {
  request req;
  std::string id;     ///< the aggregate it reached
  bool wrote = false; ///< its first answer wrote events
};

/// Runs one sequence of operations against a service and the model.
class runner {
public:
  runner(fast_client& http, std::string prefix)
    : http_(http), prefix_(std::move(prefix)) {
    for (int i = 0; i < 3; ++i)
      slots_.push_back(prefix_ + "a" + std::to_string(i));
  }

  void run(const std::vector<op>& ops) {
    auto health = http_.get("/health");
    check(health.status == 200, "GET /health answered " + show(health));
    last_pos_ = health.num("position");
    base_ = read_totals();
    for (size_t i = 0; i < ops.size(); ++i) {
      std::ostringstream os;
      os << "step " << i << ": " << ops[i];
      note(os.str());
      step(ops[i]);
    }
    note("final checks");
    check_all();
  }

  /// Requests made, for the log of a test run.
  int64_t requests() const { return requests_; }

private:
  // -- steps ------------------------------------------------------------------

  void step(const op& x) {
    switch (x.kind) {
      case op_kind::open: {
        request r{op_kind::open, x.named ? slot(x.acc) : "", "", "",
                  owner_name(x.owner), 0, key(x.key)};
        auto res = exec(r);
        if (!x.named && res.wrote)
          slots_[static_cast<size_t>(x.acc)] = res.id; // the slot moves on
        break;
      }
      case op_kind::deposit:
      case op_kind::withdraw:
      case op_kind::close:
        exec(request{x.kind, slot(x.acc), "", "", "", x.amount, key(x.key)});
        break;
      case op_kind::transfer:
        exec(new_transfer(x));
        break;
      case op_kind::transfer_again:
        transfer_again(x);
        break;
      case op_kind::repeat:
      case op_kind::repeat_late:
        repeat(x);
        break;
      case op_kind::reuse_key:
        reuse_key(x);
        break;
      case op_kind::read:
        read_account(slot(x.acc));
        break;
      case op_kind::total:
        check_totals();
        break;
    }
  }

  request new_transfer(const op& x) {
    return request{op_kind::transfer,
                   x.named ? prefix_ + "t" + std::to_string(next_transfer_++)
                           : "",
                   slot(x.acc), slot(x.to), "", x.amount, key(x.key)};
  }

  /// A transfer with the id of an earlier one: the same parameters (an even
  /// amount) decide nothing, others are 409 `transfer_exists`.
  void transfer_again(const op& x) {
    std::vector<const sent*> earlier;
    for (const auto& s : sent_)
      if (s.req.kind == op_kind::transfer && !s.id.empty())
        earlier.push_back(&s);
    if (earlier.empty())
      return note("  (no earlier transfer)");
    const auto& first = *earlier[earlier.size() - 1
                                 - static_cast<size_t>(x.target) % earlier.size()];
    auto r = first.req;
    r.id = first.id;
    r.key = key(x.key);
    if (x.amount % 2 != 0)
      r.amount = x.amount;
    exec(r);
  }

  /// An earlier request: for an even `target` one with an Idempotency-Key
  /// (when there is one), else any.
  const sent* earlier(int target) const {
    std::vector<const sent*> pool;
    for (const auto& s : sent_)
      if (target % 2 != 0 || !s.req.key.empty())
        pool.push_back(&s);
    if (pool.empty())
      for (const auto& s : sent_)
        pool.push_back(&s);
    if (pool.empty())
      return nullptr;
    return pool[pool.size() - 1 - static_cast<size_t>(target / 2) % pool.size()];
  }

  /// For repeat_late: an earlier keyed request that wrote on an account
  /// still open (or on a transfer from one), else as `earlier`.
  const sent* written_on_open(int target) const {
    std::vector<const sent*> pool;
    for (const auto& s : sent_) {
      auto acc = s.req.kind == op_kind::transfer ? s.req.from : s.id;
      auto i = model_.accounts().find(acc);
      if (s.wrote && !s.req.key.empty() && i != model_.accounts().end()
          && !i->second.closed)
        pool.push_back(&s);
    }
    if (pool.empty())
      return earlier(target);
    return pool[pool.size() - 1 - static_cast<size_t>(target) % pool.size()];
  }

  /// The request again, as sent; after 65 deposits on its account for
  /// repeat_late (more than the 64 commands an aggregate remembers).
  void repeat(const op& x) {
    auto s = x.kind == op_kind::repeat_late ? written_on_open(x.target)
                                            : earlier(x.target);
    if (s == nullptr)
      return note("  (nothing to repeat)");
    auto again = *s; // sent_ grows below
    if (x.kind == op_kind::repeat && !x.named) {
      // The same key in upper case: a UUID is the same in either case.
      for (auto& c : again.req.key)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (x.kind == op_kind::repeat_late) {
      auto acc = again.req.kind == op_kind::transfer ? again.req.from : again.id;
      auto i = model_.accounts().find(acc);
      if (i != model_.accounts().end() && !i->second.closed) {
        note("  65 deposits of 1 on " + acc);
        ++coverage()["65 commands before a repeat"];
        burst(acc);
      } else {
        note("  (" + acc + " is not open: no deposits before the repeat)");
      }
    }
    auto res = exec(again.req);
    if (x.kind == op_kind::repeat_late)
      ++coverage()["after 65 commands: " + res.label];
  }

  /// 65 deposits of 1 on `acc`, on five connections at once: more commands
  /// on the aggregate than it remembers (64). Each gets 200, a new
  /// position, and together the next 65 versions.
  void burst(const std::string& acc) {
    constexpr size_t n = 65;
    constexpr size_t lanes = 5;
    std::vector<int64_t> want;
    for (size_t i = 0; i < n; ++i)
      want.push_back(
        model_.apply(request{op_kind::deposit, acc, "", "", "", 1, ""}, acc)
          .version);
    std::vector<answer> got(n);
    std::vector<std::thread> threads;
    for (size_t lane = 0; lane < lanes; ++lane)
      threads.emplace_back([&, lane] {
        fast_client c{http_.host(), http_.port()};
        for (size_t i = lane; i < n; i += lanes)
          got[i] = c.post("/accounts/" + acc + "/deposit", "{\"amount\":1}",
                          {});
      });
    for (auto& t : threads)
      t.join();
    requests_ += static_cast<int64_t>(n);
    std::vector<int64_t> versions;
    auto top = last_pos_;
    for (const auto& a : got) {
      check(a.status == 200 && a.num("position") > last_pos_,
            "one of 65 deposits on " + acc + " answered " + show(a));
      versions.push_back(a.num("version"));
      top = std::max(top, a.num("position"));
    }
    std::sort(versions.begin(), versions.end());
    check(versions == want, "65 deposits on " + acc + " got versions "
                              + std::to_string(versions.front()) + " to "
                              + std::to_string(versions.back()) + ", expected "
                              + std::to_string(want.front()) + " to "
                              + std::to_string(want.back()));
    last_pos_ = top;
  }

  /// A deposit with the Idempotency-Key of an earlier request: the first
  /// answer when that was a deposit on the same account that wrote, 409
  /// `duplicate_command` when it wrote on another aggregate.
  void reuse_key(const op& x) {
    std::vector<const sent*> keyed;
    for (const auto& s : sent_)
      if (!s.req.key.empty())
        keyed.push_back(&s);
    std::string k = keyed.empty()
                      ? mink::make_uuid()
                      : keyed[keyed.size() - 1
                              - static_cast<size_t>(x.target) % keyed.size()]
                          ->req.key;
    exec(request{op_kind::deposit, slot(x.acc), "", "", "", x.amount, k});
  }

  // -- one request ------------------------------------------------------------

  struct outcome {
    bool wrote = false;
    std::string id;
    std::string label;
  };

  static std::string label(const expectation& e) {
    return std::to_string(e.status) + " "
           + (e.error.empty() ? to_string(e.pos) : e.error);
  }

  outcome exec(const request& r, bool remember = true) {
    // The aggregate: the id given, else the Idempotency-Key, else one the
    // service makes up (a placeholder until the answer names it).
    auto id = !r.id.empty()    ? r.id
              : !r.key.empty() ? lower(r.key)
                               : std::string{"?"};
    auto expect = model_.apply(r, id);
    auto res = send(r);
    ++coverage()[label(expect)];
    if (remember || res.status != expect.status) {
      std::ostringstream os;
      os << "  " << r << "\n    expected " << expect << "\n    got "
         << show(res);
      note(os.str());
    }
    check(res.status == expect.status, "wrong status");
    outcome out{false, id == "?" ? "" : id, label(expect)};
    if (!expect.error.empty()) {
      check(res.str("error") == expect.error, "wrong error code");
    } else {
      out.id = check_success(r, id, expect, res);
      out.wrote = expect.pos == pos_kind::fresh;
    }
    if (remember)
      sent_.push_back(sent{r, out.id, out.wrote});
    return out;
  }

  answer send(const request& r) {
    ++requests_;
    httplib::Headers headers;
    if (!r.key.empty())
      headers.emplace("Idempotency-Key", r.key);
    auto id_field = r.id.empty() ? std::string{} : ",\"id\":\"" + r.id + "\"";
    switch (r.kind) {
      case op_kind::open:
        return http_.post("/accounts",
                          "{\"owner\":\"" + r.owner + "\"" + id_field + "}",
                          headers);
      case op_kind::transfer:
        return http_.post("/transfers",
                          "{\"from\":\"" + r.from + "\",\"to\":\"" + r.to
                            + "\",\"amount\":" + std::to_string(r.amount)
                            + id_field + "}",
                          headers);
      case op_kind::close:
        return http_.post("/accounts/" + r.id + "/close", "", headers);
      default:
        return http_.post("/accounts/" + r.id + "/" + to_string(r.kind),
                          "{\"amount\":" + std::to_string(r.amount) + "}",
                          headers);
    }
  }

  /// Checks a successful answer; returns the aggregate's id.
  std::string check_success(const request& r, std::string id,
                            const expectation& expect, const answer& res) {
    if (id == "?") {
      // An id the service made up: from now on the model knows it by it.
      check(mink::is_uuid(res.str("id")), "a made-up id that is no UUID");
      model_.rename(r.kind, id, res.str("id"));
      id = res.str("id");
    }
    check(res.str("id") == id, "wrong id");
    check(res.num("version") == expect.version, "wrong version");
    auto pos = res.num("position");
    switch (expect.pos) {
      case pos_kind::fresh:
        check(pos > last_pos_, "the position of a new write is not beyond "
                               + std::to_string(last_pos_));
        last_pos_ = pos;
        if (!r.key.empty())
          model_.set_first_position(lower(r.key), pos);
        break;
      case pos_kind::first:
        check(pos == expect.position, "not the first answer's position");
        break;
      case pos_kind::none:
        check(pos == 0, "a position for a command that wrote nothing");
        break;
    }
    if (r.kind == op_kind::transfer) {
      check(res.str("status") == "initiated", "wrong status field");
      await_transfer(id, expect.transfer_status);
    }
    return id;
  }

  /// Polls the transfer until it is final (bounded); checks how it ended.
  void await_transfer(const std::string& id, const std::string& status) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    answer res;
    for (;;) {
      res = http_.get("/transfers/" + id);
      auto st = res.str("status");
      if (st == "completed" || st == "rejected" || st == "compensated")
        break;
      check(std::chrono::steady_clock::now() < deadline,
            "transfer " + id + " not final after 20 s: " + show(res));
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    note("    transfer " + id + " ended " + res.str("status"));
    check(res.str("status") == status, "transfer " + id + " ended "
                                          + res.str("status") + ", expected "
                                          + status);
    const auto& t = model_.transfers().at(id);
    check(res.str("from") == t.from && res.str("to") == t.to
            && res.num("amount") == t.amount,
          "transfer " + id + " has other parameters: " + show(res));
    last_pos_ = std::max(last_pos_, res.num("position"));
  }

  // -- reads ------------------------------------------------------------------

  std::string at() const {
    return "?position=" + std::to_string(last_pos_);
  }

  void read_account(const std::string& id) {
    auto res = http_.get("/accounts/" + id + at());
    ++requests_;
    auto i = model_.accounts().find(id);
    if (i == model_.accounts().end()) {
      check(res.status == 404 && res.str("error") == "account_not_found",
            "GET /accounts/" + id + at() + ": expected 404, got " + show(res));
      return;
    }
    const auto& a = i->second;
    std::ostringstream want;
    want << "owner " << a.owner << ", " << (a.closed ? "closed" : "open")
         << ", balance " << a.balance << ", version " << a.version;
    check(res.status == 200 && res.str("owner") == a.owner
            && res.str("status") == (a.closed ? "closed" : "open")
            && res.num("balance") == a.balance
            && res.num("version") == a.version,
          "GET /accounts/" + id + at() + ": expected " + want.str() + ", got "
            + show(res));
  }

  totals read_totals() {
    auto res = http_.get("/total" + at());
    ++requests_;
    check(res.status == 200, "GET /total" + at() + ": " + show(res));
    totals t{res.num("total"),      res.num("deposits"),
             res.num("withdrawals"), res.num("in_transit"),
             res.num("accounts"),   res.num("sum_of_balances")};
    check(t.sum_of_balances + t.in_transit == t.total,
          "GET /total" + at() + ": sum_of_balances + in_transit != total: "
            + show(res));
    return t;
  }

  /// The total moved by this sequence's deposits and withdrawals only.
  void check_totals() {
    auto t = read_totals();
    std::ostringstream os;
    os << "GET /total" << at() << ": since the start expected deposits +"
       << model_.deposits << ", withdrawals +" << model_.withdrawals
       << ", accounts +" << model_.opened << "; got deposits +"
       << t.deposits - base_.deposits << ", withdrawals +"
       << t.withdrawals - base_.withdrawals << ", accounts +"
       << t.accounts - base_.accounts;
    check(t.deposits - base_.deposits == model_.deposits
            && t.withdrawals - base_.withdrawals == model_.withdrawals
            && t.accounts - base_.accounts == model_.opened
            && t.total - base_.total == model_.deposits - model_.withdrawals,
          os.str());
  }

  void check_all() {
    for (const auto& s : slots_)
      if (model_.accounts().count(s) == 0)
        read_account(s);
    for (const auto& [id, a] : model_.accounts())
      read_account(id);
    for (const auto& [id, t] : model_.transfers()) {
      auto res = http_.get("/transfers/" + id + at());
      ++requests_;
      check(res.status == 200 && res.str("status") == t.status,
            "GET /transfers/" + id + at() + ": expected " + t.status
              + ", got " + show(res));
    }
    check_totals();
  }

  // -- helpers ----------------------------------------------------------------

  std::string slot(int i) const { return slots_[static_cast<size_t>(i)]; }

  static std::string key(bool with) { return with ? mink::make_uuid() : ""; }

  static std::string show(const answer& res) {
    return std::to_string(res.status) + " " + res.body;
  }

  void note(const std::string& line) { trace_ += line + "\n"; }

  void check(bool ok, const std::string& what) {
    if (!ok)
      fail(what + "\ntrace of the run:\n" + trace_);
  }

  fast_client& http_;
  std::string prefix_;
  std::vector<std::string> slots_;
  model model_;
  std::vector<sent> sent_;
  totals base_;
  int64_t last_pos_ = 0;
  int next_transfer_ = 0;
  int64_t requests_ = 0;
  std::string trace_;
};

} // namespace

int64_t run_sequence(fast_client& http, const std::string& prefix,
                     const std::vector<op>& ops) {
  runner r{http, prefix};
  r.run(ops);
  return r.requests();
}

} // namespace bank_model

#include "bank_model.hpp"

#include <cctype>
#include <random>
#include <utility>

namespace bank_model {

std::string lower(std::string x) {
  for (auto& c : x)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return x;
}

const char* to_string(op_kind x) {
  switch (x) {
    case op_kind::open: return "open";
    case op_kind::deposit: return "deposit";
    case op_kind::withdraw: return "withdraw";
    case op_kind::close: return "close";
    case op_kind::transfer: return "transfer";
    case op_kind::transfer_again: return "transfer_again";
    case op_kind::repeat: return "repeat";
    case op_kind::repeat_late: return "repeat_late";
    case op_kind::reuse_key: return "reuse_key";
    case op_kind::read: return "read";
    case op_kind::total: return "total";
  }
  return "?";
}

const std::string& owner_name(int index) {
  static const std::string names[] = {"ann", "bob", "Zo\xc3\xab \xe5\xb1\xb1"};
  return names[index % 3];
}

std::ostream& operator<<(std::ostream& os, const op& x) {
  os << to_string(x.kind);
  switch (x.kind) {
    case op_kind::open:
      os << " a" << x.acc << " owner=" << owner_name(x.owner)
         << (x.named ? " id" : "");
      break;
    case op_kind::deposit:
    case op_kind::withdraw:
      os << " a" << x.acc << ' ' << x.amount;
      break;
    case op_kind::close:
    case op_kind::read:
      os << " a" << x.acc;
      break;
    case op_kind::transfer:
      os << " a" << x.acc << "->a" << x.to << ' ' << x.amount
         << (x.named ? " id" : "");
      break;
    case op_kind::transfer_again:
      os << " #" << x.target << ' ' << x.amount;
      break;
    case op_kind::repeat:
      os << " #" << x.target << (x.named ? "" : " key in upper case");
      break;
    case op_kind::repeat_late:
      os << " #" << x.target;
      break;
    case op_kind::reuse_key:
      os << " #" << x.target << " on a" << x.acc << ' ' << x.amount;
      break;
    case op_kind::total:
      break;
  }
  if (x.key && x.kind != op_kind::read && x.kind != op_kind::total
      && x.kind != op_kind::repeat && x.kind != op_kind::repeat_late
      && x.kind != op_kind::reuse_key)
    os << " key";
  return os;
}

namespace {

using rng_t = std::mt19937_64;

int pick(rng_t& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>{lo, hi}(rng);
}

/// Mostly small valid amounts; sometimes 0, negative, or above 10^15.
int64_t amount(rng_t& rng, int64_t typical) {
  switch (pick(rng, 0, 19)) {
    case 0: return 0;
    case 1: return -pick(rng, 1, 100);
    case 2: return max_amount + pick(rng, 1, 10);
    default:
      return std::uniform_int_distribution<int64_t>{1, typical}(rng);
  }
}

op random_op(rng_t& rng) {
  // Weights out of 100.
  static const std::pair<op_kind, int> weights[] = {
    {op_kind::open, 16},          {op_kind::deposit, 17},
    {op_kind::withdraw, 12},      {op_kind::close, 3},
    {op_kind::transfer, 12},      {op_kind::transfer_again, 2},
    {op_kind::repeat, 17},        {op_kind::repeat_late, 2},
    {op_kind::reuse_key, 3},      {op_kind::read, 12},
    {op_kind::total, 4},
  };
  op x;
  auto w = pick(rng, 0, 99);
  for (auto& [kind, weight] : weights) {
    x.kind = kind;
    if (w < weight)
      break;
    w -= weight;
  }
  x.acc = pick(rng, 0, 2);
  x.to = pick(rng, 0, 2);
  x.key = pick(rng, 0, 9) < 7;
  x.named = pick(rng, 0, 3) > 0;
  x.owner = pick(rng, 0, 9) < 7 ? 0 : pick(rng, 1, 2);
  x.target = pick(rng, 0, 7);
  x.amount = amount(rng, x.kind == op_kind::withdraw ? 1500 : 500);
  return x;
}

} // namespace

rc::Gen<std::vector<op>> gen_ops(int min, int max) {
  return rc::Gen<std::vector<op>>([=](const rc::Random& random, int) {
    auto r = random;
    rng_t rng{r.next()};
    std::vector<op> ops(static_cast<size_t>(pick(rng, min, max)));
    for (auto& x : ops)
      x = random_op(rng);
    return rc::shrinkable::shrinkRecur(
      std::move(ops),
      [](const std::vector<op>& v) { return rc::shrink::removeChunks(v); });
  });
}

std::ostream& operator<<(std::ostream& os, const request& x) {
  os << to_string(x.kind);
  if (x.kind == op_kind::transfer)
    os << " " << x.from << "->" << x.to;
  if (!x.id.empty())
    os << " id=" << x.id;
  if (x.kind == op_kind::open)
    os << " owner=" << x.owner;
  if (x.kind != op_kind::open && x.kind != op_kind::close)
    os << " amount=" << x.amount;
  if (!x.key.empty())
    os << " key=" << x.key;
  return os;
}

std::ostream& operator<<(std::ostream& os, const expectation& x) {
  os << x.status;
  if (!x.error.empty())
    return os << ' ' << x.error;
  os << " version " << x.version;
  switch (x.pos) {
    case pos_kind::fresh: os << ", a new position"; break;
    case pos_kind::first: os << ", position " << x.position << " (first answer)"; break;
    case pos_kind::none: os << ", position 0 (no events)"; break;
  }
  if (!x.transfer_status.empty())
    os << ", ends " << x.transfer_status;
  return os;
}

// -- the model ----------------------------------------------------------------

namespace {

expectation refused(int status, const char* code) {
  expectation e;
  e.status = status;
  e.error = code;
  return e;
}

expectation wrote(int status, int64_t version) {
  expectation e;
  e.status = status;
  e.version = version;
  return e;
}

bool valid_amount(int64_t x) {
  return x >= 1 && x <= max_amount;
}

} // namespace

expectation model::apply(const request& req, const std::string& id) {
  auto is_transfer = req.kind == op_kind::transfer;
  auto stream = (is_transfer ? "transfer/" : "account/") + id;
  auto key = lower(req.key); // a UUID: either case is the same key
  if (!key.empty()) {
    // A command id the store recorded: the first answer, or, on another
    // aggregate, not a repeat at all.
    auto i = records_.find(key);
    if (i != records_.end()) {
      if (i->second.stream != stream)
        return refused(409, "duplicate_command");
      auto status = req.kind == op_kind::open ? 201 : is_transfer ? 202 : 200;
      auto e = wrote(status, i->second.version);
      e.pos = pos_kind::first;
      e.position = i->second.position;
      if (is_transfer)
        e.transfer_status = transfers_.at(id).status;
      return e;
    }
  }
  auto e = is_transfer ? decide_transfer(req, id) : decide_account(req, id);
  if (e.status < 300 && e.pos == pos_kind::fresh && !key.empty())
    records_[key] = record{stream, e.version, 0};
  return e;
}

void model::set_first_position(const std::string& key, int64_t position) {
  auto i = records_.find(key);
  if (i != records_.end())
    i->second.position = position;
}

void model::rename(op_kind kind, const std::string& from,
                   const std::string& to) {
  if (kind == op_kind::transfer) {
    auto node = transfers_.extract(from);
    if (!node.empty()) {
      node.key() = to;
      transfers_.insert(std::move(node));
    }
    return;
  }
  auto node = accounts_.extract(from);
  if (!node.empty()) {
    node.key() = to;
    accounts_.insert(std::move(node));
  }
}

bool model::is_open(const std::string& id) const {
  auto i = accounts_.find(id);
  return i != accounts_.end() && !i->second.closed;
}

expectation model::decide_account(const request& req, const std::string& id) {
  auto i = accounts_.find(id);
  if (req.kind == op_kind::open) {
    if (i == accounts_.end()) {
      accounts_[id] = account{req.owner, false, 0, 1};
      ++opened;
      return wrote(201, 1);
    }
    if (i->second.closed)
      return refused(409, "account_closed");
    if (i->second.owner != req.owner)
      return refused(409, "account_already_open");
    auto e = wrote(201, i->second.version); // a repeat: nothing to do
    e.pos = pos_kind::none;
    return e;
  }
  if (i == accounts_.end())
    return refused(404, "account_not_found");
  auto& acc = i->second;
  if (acc.closed)
    return refused(409, "account_closed");
  switch (req.kind) {
    case op_kind::deposit:
      if (!valid_amount(req.amount))
        return refused(422, "invalid_amount");
      acc.balance += req.amount;
      deposits += req.amount;
      return wrote(200, ++acc.version);
    case op_kind::withdraw:
      if (!valid_amount(req.amount))
        return refused(422, "invalid_amount");
      if (req.amount > acc.balance)
        return refused(422, "insufficient_funds");
      acc.balance -= req.amount;
      withdrawals += req.amount;
      return wrote(200, ++acc.version);
    default: // close: the balance is paid out, then the account closed
      if (acc.balance > 0) {
        withdrawals += acc.balance;
        acc.balance = 0;
        ++acc.version;
      }
      acc.closed = true;
      return wrote(200, ++acc.version);
  }
}

expectation model::decide_transfer(const request& req, const std::string& id) {
  auto i = transfers_.find(id);
  if (i != transfers_.end()) {
    const auto& t = i->second;
    if (t.from != req.from || t.to != req.to || t.amount != req.amount)
      return refused(409, "transfer_exists");
    auto e = wrote(202, t.version); // a repeat: nothing to do
    e.pos = pos_kind::none;
    e.transfer_status = t.status;
    return e;
  }
  if (!valid_amount(req.amount))
    return refused(422, "invalid_amount");
  if (req.from == req.to)
    return refused(422, "same_account");
  transfer t{req.from, req.to, req.amount, "initiated", 1};
  run_saga(t);
  auto e = wrote(202, 1);
  e.transfer_status = t.status;
  transfers_[id] = std::move(t);
  return e;
}

void model::run_saga(transfer& t) {
  if (!is_open(t.from) || accounts_[t.from].balance < t.amount) {
    t.status = "rejected";
    t.version = 2;
    return;
  }
  auto& from = accounts_[t.from];
  from.balance -= t.amount;
  ++from.version;
  t.version = 4;
  if (!is_open(t.to)) {
    from.balance += t.amount; // refunded
    ++from.version;
    t.status = "compensated";
    return;
  }
  auto& to = accounts_[t.to];
  to.balance += t.amount;
  ++to.version;
  t.status = "completed";
}

} // namespace bank_model

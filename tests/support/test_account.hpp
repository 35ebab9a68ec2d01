#pragma once

// The test domain of mink's own tests and benchmarks (with the ledger of
// test_ledger.hpp): a bank account that is opened,
// takes deposits and withdrawals (never overdrawn) and is closed, paying out
// what is left. In a namespace of its own, apart from the bank service's
// domain (namespace `bank`).

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <rapidjson/document.h>

#include "mink/aggregate.hpp"
#include "mink/command/command.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/uuid.hpp"

namespace mink::test_domain {

// -- business errors ----------------------------------------------------------

/// The account's own error codes: business errors, never retried.
enum class bank_errc : uint8_t {
  none = 0,
  account_not_open,
  account_already_open,
  account_closed,
  invalid_amount,
  insufficient_funds,
};

/// The category of `bank_errc` errors.
constexpr caf::atom_value bank_error_category = caf::atom("bank");

inline const char* to_string(bank_errc x) {
  switch (x) {
    case bank_errc::none: return "none";
    case bank_errc::account_not_open: return "account_not_open";
    case bank_errc::account_already_open: return "account_already_open";
    case bank_errc::account_closed: return "account_closed";
    case bank_errc::invalid_amount: return "invalid_amount";
    case bank_errc::insufficient_funds: return "insufficient_funds";
  }
  return "unknown";
}

/// Found by CAF through ADL: lets `caf::error` and `caf::expected<T>` be
/// built from a `bank_errc`.
inline caf::error make_error(bank_errc x) {
  return caf::error{static_cast<uint8_t>(x), bank_error_category};
}

inline caf::error make_error(bank_errc x, std::string what) {
  return caf::error{static_cast<uint8_t>(x), bank_error_category,
                    caf::make_message(std::move(what))};
}

/// Renders bank errors by name and others as mink does.
inline std::string describe(const caf::error& err) {
  if (!err || err.category() != bank_error_category)
    return mink::to_text(err);
  std::string result = "bank.";
  result += to_string(static_cast<bank_errc>(err.code()));
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
    result += ": ";
    result += ctx.get_as<std::string>(0);
  }
  return result;
}

// -- events -------------------------------------------------------------------

struct account_opened {
  std::string owner;
};

struct money_deposited {
  int64_t amount = 0;
};

struct money_withdrawn {
  int64_t amount = 0;
};

struct account_closed {};

using account_event = std::variant<account_opened, money_deposited,
                                   money_withdrawn, account_closed>;

// -- commands -----------------------------------------------------------------

struct open_account {
  std::string owner;
};

struct deposit {
  int64_t amount = 0;
};

struct withdraw {
  int64_t amount = 0;
};

struct close_account {};

using account_command
  = std::variant<open_account, deposit, withdraw, close_account>;

// -- state and behavior -------------------------------------------------------

enum class account_status { unopened, open, closed };

struct account_state {
  account_status status = account_status::unopened;
  std::string owner;
  int64_t balance = 0;
};

template <class... Fs>
struct overload : Fs... {
  using Fs::operator()...;
};

template <class... Fs>
overload(Fs...) -> overload<Fs...>;

struct account_decider {
  using state_type = account_state;
  using event_type = account_event;
  using command_type = account_command;
  using result = caf::expected<std::vector<account_event>>;

  static result decide(const account_state& st, const account_command& cmd) {
    return std::visit(
      overload{
        [&](const open_account& x) -> result {
          switch (st.status) {
            case account_status::unopened:
              return std::vector<account_event>{account_opened{x.owner}};
            case account_status::closed:
              return bank_errc::account_closed;
            case account_status::open:
              break;
          }
          if (x.owner == st.owner)
            return std::vector<account_event>{}; // a repeat: nothing to do
          return bank_errc::account_already_open;
        },
        [&](const deposit& x) -> result {
          if (auto err = check_open(st))
            return err;
          if (x.amount <= 0)
            return bank_errc::invalid_amount;
          return std::vector<account_event>{money_deposited{x.amount}};
        },
        [&](const withdraw& x) -> result {
          if (auto err = check_open(st))
            return err;
          if (x.amount <= 0)
            return bank_errc::invalid_amount;
          if (x.amount > st.balance)
            return make_error(bank_errc::insufficient_funds,
                              "balance " + std::to_string(st.balance)
                                + ", requested " + std::to_string(x.amount));
          return std::vector<account_event>{money_withdrawn{x.amount}};
        },
        [&](const close_account&) -> result {
          if (auto err = check_open(st))
            return err;
          std::vector<account_event> evs;
          if (st.balance > 0)
            evs.emplace_back(money_withdrawn{st.balance}); // pay out
          evs.emplace_back(account_closed{});
          return evs;
        },
      },
      cmd);
  }

  static void evolve(account_state& st, const account_event& ev) {
    std::visit(overload{
                 [&](const account_opened& x) {
                   st.status = account_status::open;
                   st.owner = x.owner;
                 },
                 [&](const money_deposited& x) { st.balance += x.amount; },
                 [&](const money_withdrawn& x) { st.balance -= x.amount; },
                 [&](const account_closed&) {
                   st.status = account_status::closed;
                 },
               },
               ev);
  }

  // -- snapshots: the state's own JSON encoding ------------------------------

  static constexpr const char* state_type_name = "account";
  static constexpr int32_t state_schema_version = 1;

  static void encode_state(const account_state& st, rapidjson::Document& doc) {
    auto& a = doc.GetAllocator();
    doc.SetObject();
    doc.AddMember("status", static_cast<int>(st.status), a);
    doc.AddMember("owner", rapidjson::Value{st.owner.c_str(), a}, a);
    doc.AddMember("balance", st.balance, a);
  }

  static caf::expected<account_state> decode_state(const rapidjson::Value& v) {
    if (!v.IsObject() || !v.HasMember("status") || !v["status"].IsInt()
        || !v.HasMember("owner") || !v["owner"].IsString()
        || !v.HasMember("balance") || !v["balance"].IsInt64())
      return mink::make_error(mink::errc::decode_failed, "account state");
    auto status = v["status"].GetInt();
    if (status < 0 || status > 2)
      return mink::make_error(mink::errc::decode_failed, "account status");
    return account_state{static_cast<account_status>(status),
                         v["owner"].GetString(), v["balance"].GetInt64()};
  }

  static caf::error check_open(const account_state& st) {
    switch (st.status) {
      case account_status::unopened: return bank_errc::account_not_open;
      case account_status::closed: return bank_errc::account_closed;
      case account_status::open: break;
    }
    return {};
  }
};

using account = mink::aggregate<account_decider>;

/// A command envelope for account `id`, with a new command id and the
/// correlation id `corr-<id>`.
inline command_envelope make_command(const std::string& id,
                                     account_command cmd) {
  command_envelope env;
  env.type = "account_command";
  env.aggregate_type = "account";
  env.aggregate_id = id;
  env.command_id = make_uuid();
  env.meta.correlation_id = "corr-" + id;
  env.payload = std::move(cmd);
  return env;
}

// -- serialization ------------------------------------------------------------

namespace detail {

inline caf::error bad(const char* what) {
  return mink::make_error(mink::errc::invalid_argument, what);
}

template <class T>
caf::error add_amount_event(mink::event_registry& reg, std::string name) {
  return reg.add<T>(
    std::move(name), 1,
    [](const T& x, rapidjson::Document& doc) {
      doc.SetObject();
      doc.AddMember("amount", x.amount, doc.GetAllocator());
    },
    [](const rapidjson::Value& v) -> caf::expected<T> {
      if (!v.IsObject() || !v.HasMember("amount") || !v["amount"].IsInt64())
        return bad("amount missing");
      T x;
      x.amount = v["amount"].GetInt64();
      return x;
    });
}

} // namespace detail

/// Registers the account's events: `AccountOpened`, `MoneyDeposited`,
/// `MoneyWithdrawn` and `AccountClosed`.
inline caf::error register_events(mink::event_registry& reg) {
  if (auto err = reg.add<account_opened>(
        "AccountOpened", 1,
        [](const account_opened& x, rapidjson::Document& doc) {
          auto& alloc = doc.GetAllocator();
          doc.SetObject();
          doc.AddMember("owner",
                        rapidjson::Value{x.owner.data(),
                                         static_cast<rapidjson::SizeType>(
                                           x.owner.size()),
                                         alloc},
                        alloc);
        },
        [](const rapidjson::Value& v) -> caf::expected<account_opened> {
          if (!v.IsObject() || !v.HasMember("owner") || !v["owner"].IsString())
            return detail::bad("owner missing");
          return account_opened{
            std::string{v["owner"].GetString(), v["owner"].GetStringLength()}};
        }))
    return err;
  if (auto err = detail::add_amount_event<money_deposited>(reg,
                                                           "MoneyDeposited"))
    return err;
  if (auto err = detail::add_amount_event<money_withdrawn>(reg,
                                                           "MoneyWithdrawn"))
    return err;
  return reg.add<account_closed>(
    "AccountClosed", 1,
    [](const account_closed&, rapidjson::Document& doc) { doc.SetObject(); },
    [](const rapidjson::Value& v) -> caf::expected<account_closed> {
      if (!v.IsObject())
        return detail::bad("not an object");
      return account_closed{};
    });
}

} // namespace mink::test_domain

#include "bank/events.hpp"

#include <string>

#include "bank/account.hpp"
#include "bank/transfer.hpp"
#include "mink/errc.hpp"

namespace bank {

namespace {

using doc_t = rapidjson::Document;
using val_t = rapidjson::Value;

caf::error bad(const std::string& type, const char* what) {
  return mink::make_error(mink::errc::decode_failed, type + ": " + what);
}

void put(doc_t& doc, const char* key, const std::string& x) {
  auto& a = doc.GetAllocator();
  doc.AddMember(val_t{key, a},
                val_t{x.data(), static_cast<rapidjson::SizeType>(x.size()), a},
                a);
}

void put(doc_t& doc, const char* key, int64_t x) {
  auto& a = doc.GetAllocator();
  doc.AddMember(val_t{key, a}, val_t{x}, a);
}

bool get(const val_t& v, const char* key, std::string& out) {
  auto i = v.FindMember(key);
  if (i == v.MemberEnd() || !i->value.IsString())
    return false;
  out.assign(i->value.GetString(), i->value.GetStringLength());
  return true;
}

bool get(const val_t& v, const char* key, int64_t& out) {
  auto i = v.FindMember(key);
  if (i == v.MemberEnd() || !i->value.IsInt64())
    return false;
  out = i->value.GetInt64();
  return true;
}

/// An event without fields.
template <class T>
caf::error add_empty(mink::event_registry& reg, std::string name) {
  return reg.add<T>(
    name, 1, [](const T&, doc_t& doc) { doc.SetObject(); },
    [name](const val_t& v) -> caf::expected<T> {
      if (!v.IsObject())
        return bad(name, "not an object");
      return T{};
    });
}

/// An event with one amount.
template <class T>
caf::error add_amount(mink::event_registry& reg, std::string name) {
  return reg.add<T>(
    name, 1,
    [](const T& x, doc_t& doc) {
      doc.SetObject();
      put(doc, "amount", x.amount);
    },
    [name](const val_t& v) -> caf::expected<T> {
      T x;
      if (!v.IsObject() || !get(v, "amount", x.amount))
        return bad(name, "amount missing");
      return x;
    });
}

/// An event with a transfer id and an amount.
template <class T>
caf::error add_transfer_amount(mink::event_registry& reg, std::string name) {
  return reg.add<T>(
    name, 1,
    [](const T& x, doc_t& doc) {
      doc.SetObject();
      put(doc, "transfer_id", x.transfer_id);
      put(doc, "amount", x.amount);
    },
    [name](const val_t& v) -> caf::expected<T> {
      T x;
      if (!v.IsObject() || !get(v, "transfer_id", x.transfer_id)
          || !get(v, "amount", x.amount))
        return bad(name, "transfer_id or amount missing");
      return x;
    });
}

/// An event with a reason.
template <class T>
caf::error add_reason(mink::event_registry& reg, std::string name) {
  return reg.add<T>(
    name, 1,
    [](const T& x, doc_t& doc) {
      doc.SetObject();
      put(doc, "reason", x.reason);
    },
    [name](const val_t& v) -> caf::expected<T> {
      T x;
      if (!v.IsObject() || !get(v, "reason", x.reason))
        return bad(name, "reason missing");
      return x;
    });
}

} // namespace

caf::error register_events(mink::event_registry& reg) {
  caf::error err;
  auto add = [&](caf::error e) {
    if (!err && e)
      err = std::move(e);
  };
  add(reg.add<account_opened>(
    "AccountOpened", 1,
    [](const account_opened& x, doc_t& doc) {
      doc.SetObject();
      put(doc, "owner", x.owner);
    },
    [](const val_t& v) -> caf::expected<account_opened> {
      account_opened x;
      if (!v.IsObject() || !get(v, "owner", x.owner))
        return bad("AccountOpened", "owner missing");
      return x;
    }));
  add(add_amount<money_deposited>(reg, "MoneyDeposited"));
  add(add_amount<money_withdrawn>(reg, "MoneyWithdrawn"));
  add(add_transfer_amount<funds_debited>(reg, "FundsDebited"));
  add(add_transfer_amount<funds_credited>(reg, "FundsCredited"));
  add(add_transfer_amount<funds_refunded>(reg, "FundsRefunded"));
  add(add_empty<account_closed>(reg, "AccountClosed"));
  add(reg.add<transfer_initiated>(
    "TransferInitiated", 1,
    [](const transfer_initiated& x, doc_t& doc) {
      doc.SetObject();
      put(doc, "from", x.from);
      put(doc, "to", x.to);
      put(doc, "amount", x.amount);
    },
    [](const val_t& v) -> caf::expected<transfer_initiated> {
      transfer_initiated x;
      if (!v.IsObject() || !get(v, "from", x.from) || !get(v, "to", x.to)
          || !get(v, "amount", x.amount))
        return bad("TransferInitiated", "from, to or amount missing");
      return x;
    }));
  add(add_empty<transfer_debited>(reg, "TransferDebited"));
  add(add_empty<transfer_credited>(reg, "TransferCredited"));
  add(add_empty<transfer_completed>(reg, "TransferCompleted"));
  add(add_reason<transfer_rejected>(reg, "TransferRejected"));
  add(add_reason<transfer_credit_failed>(reg, "TransferCreditFailed"));
  add(add_empty<transfer_compensated>(reg, "TransferCompensated"));
  return err;
}

} // namespace bank

// The HTTP API's command routes (POST): open an account, deposit,
// withdraw, close, start a transfer. Each answers from the command's reply;
// no thread waits for it.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <rapidjson/document.h>

#include "bank/account.hpp"
#include "bank/transfer.hpp"
#include "mink/command/declared_commands.hpp"
#include "bank/http_api_detail.hpp"
#include "mink/http/command_meta.hpp"
#include "mink/uuid.hpp"

namespace bank::detail {

namespace {

using mink::http::get_id;
using mink::http::get_string;
using mink::http::parse_object;

/// The field `amount`: an integer number of cents (the aggregate checks
/// that it is positive).
std::optional<http_error> get_amount(const rapidjson::Document& doc,
                                     int64_t& out) {
  auto err = mink::http::get_int(doc, "amount", out, INT64_MIN, INT64_MAX);
  if (err && err->code == "invalid_field")
    err->message = "field 'amount' must be an integer (cents) that fits in "
                   "64 bits";
  return err;
}

/// The id of a new aggregate and the command's id and metadata. Without an
/// `id` in the body, the id is the Idempotency-Key when one is given: a
/// repeat then reaches the same aggregate and gets the first answer (a
/// made-up id would make the repeat a second command).
std::optional<http_error> new_aggregate(const request& req,
                                        const rapidjson::Document& doc,
                                        std::string& id, mink::metadata& meta,
                                        std::string& cid) {
  if (auto err = get_id(doc, "id", id, false))
    return err;
  if (auto err = mink::http::command_meta(req, meta, cid))
    return err;
  if (id.empty())
    id = cid;
  return std::nullopt;
}

} // namespace

void api::post_account(const request& req, responder reply) {
  rapidjson::Document doc;
  std::string owner;
  std::string id;
  mink::metadata meta;
  std::string cid;
  if (auto err = parse_object(req.body, doc))
    return kit_->send_error(reply, *err);
  if (auto err = get_string(doc, "owner", owner))
    return kit_->send_error(reply, *err);
  if (auto err = new_aggregate(req, doc, id, meta, cid))
    return kit_->send_error(reply, *err);
  auto env = mink::make_command<account_decider>(id, open_account{owner}, cid,
                                                 meta);
  kit_->command(std::move(reply), std::move(env), 201, std::move(id));
}

void api::account_command(const request& req, responder reply,
                          const std::string& what) {
  std::string id;
  if (auto err = path_id(req, "account", id))
    return kit_->send_error(reply, *err);
  rapidjson::Document doc;
  if (auto err = parse_object(req.body, doc, what == "close"))
    return kit_->send_error(reply, *err);
  bank::account_command cmd;
  if (what == "close") {
    cmd = close_account{};
  } else {
    int64_t amount = 0;
    if (auto err = get_amount(doc, amount))
      return kit_->send_error(reply, *err);
    if (what == "deposit")
      cmd = deposit{amount};
    else
      cmd = withdraw{amount};
  }
  mink::metadata meta;
  std::string cid;
  if (auto err = mink::http::command_meta(req, meta, cid))
    return kit_->send_error(reply, *err);
  auto env = mink::make_command<account_decider>(id, std::move(cmd), cid, meta);
  kit_->command(std::move(reply), std::move(env), 200, std::move(id));
}

void api::start_transfer(const request& req, responder reply) {
  rapidjson::Document doc;
  std::string from;
  std::string to;
  std::string id;
  int64_t amount = 0;
  mink::metadata meta;
  std::string cid;
  if (auto err = parse_object(req.body, doc))
    return kit_->send_error(reply, *err);
  if (auto err = get_id(doc, "from", from))
    return kit_->send_error(reply, *err);
  if (auto err = get_id(doc, "to", to))
    return kit_->send_error(reply, *err);
  if (auto err = get_amount(doc, amount))
    return kit_->send_error(reply, *err);
  if (auto err = new_aggregate(req, doc, id, meta, cid))
    return kit_->send_error(reply, *err);
  auto env = mink::make_command<transfer_decider>(
    id, initiate_transfer{from, to, amount}, cid, meta);
  kit_->command(std::move(reply), std::move(env), 202, std::move(id), "initiated");
}

} // namespace bank::detail

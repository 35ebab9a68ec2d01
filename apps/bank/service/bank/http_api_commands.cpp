// The HTTP API's command routes (POST): open an account, deposit,
// withdraw, close, start a transfer.

#include <cstdint>
#include <string>
#include <utility>

#include <httplib.h>
#include <rapidjson/document.h>

#include "bank/commands.hpp"
#include "bank/http_api_detail.hpp"
#include "mink/uuid.hpp"

namespace bank::detail {

/// The command metadata and id of a request; false (with the answer
/// sent) when its Idempotency-Key is not a UUID.
bool api::command_meta(const httplib::Request& req, httplib::Response& res,
                       mink::metadata& meta, std::string& command_id) {
  meta.correlation_id = current().correlation_id;
  command_id = req.get_header_value("Idempotency-Key");
  if (command_id.empty()) {
    command_id = mink::make_uuid();
  } else if (!mink::is_uuid(command_id)) {
    bad_request(res, "invalid_header", "Idempotency-Key must be a UUID");
    return false;
  }
  return true;
}

void api::command(httplib::Response& res, mink::command_envelope env,
                  int status, const std::string& id) {
  auto result = ctx_->commands->send(std::move(env));
  if (!result) {
    send_error(res, result.error());
    return;
  }
  send_object(res, status, [&](writer_t& w) {
    put(w, "id", id);
    put(w, "version", result->version);
    put(w, "position", result->position);
  });
}

void api::post_account(const httplib::Request& req, httplib::Response& res) {
  rapidjson::Document doc;
  std::string owner;
  std::string id;
  if (auto err = parse_object(req.body, doc))
    return send_error(res, *err);
  if (auto err = get_string(doc, "owner", owner))
    return send_error(res, *err);
  if (auto err = get_id(doc, "id", id, false))
    return send_error(res, *err);
  if (id.empty())
    id = mink::make_uuid();
  mink::metadata meta;
  std::string cid;
  if (!command_meta(req, res, meta, cid))
    return;
  command(res, make_command(id, bank::open_account{owner}, cid, meta), 201, id);
}

/// deposit, withdraw and close.
void api::account_command(const httplib::Request& req, httplib::Response& res,
                          const std::string& what) {
  std::string id;
  if (!path_id(req, res, "account", id))
    return;
  rapidjson::Document doc;
  if (auto err = parse_object(req.body, doc, what == "close"))
    return send_error(res, *err);
  account_command_t cmd;
  if (what == "close") {
    cmd = close_account{};
  } else {
    int64_t amount = 0;
    if (auto err = get_amount(doc, amount))
      return send_error(res, *err);
    if (what == "deposit")
      cmd = deposit{amount};
    else
      cmd = withdraw{amount};
  }
  mink::metadata meta;
  std::string cid;
  if (!command_meta(req, res, meta, cid))
    return;
  command(res, make_command(id, std::move(cmd), cid, meta), 200, id);
}

void api::start_transfer(const httplib::Request& req, httplib::Response& res) {
  rapidjson::Document doc;
  std::string from;
  std::string to;
  std::string id;
  int64_t amount = 0;
  if (auto err = parse_object(req.body, doc))
    return send_error(res, *err);
  if (auto err = get_id(doc, "from", from))
    return send_error(res, *err);
  if (auto err = get_id(doc, "to", to))
    return send_error(res, *err);
  if (auto err = get_amount(doc, amount))
    return send_error(res, *err);
  if (auto err = get_id(doc, "id", id, false))
    return send_error(res, *err);
  if (id.empty())
    id = mink::make_uuid();
  mink::metadata meta;
  std::string cid;
  if (!command_meta(req, res, meta, cid))
    return;
  auto result = ctx_->commands->send(
    make_command(id, initiate_transfer{from, to, amount}, cid, meta));
  if (!result)
    return send_error(res, result.error());
  send_object(res, 202, [&](writer_t& w) {
    put(w, "id", id);
    put(w, "status", std::string{"initiated"});
    put(w, "version", result->version);
    put(w, "position", result->position);
  });
}

} // namespace bank::detail

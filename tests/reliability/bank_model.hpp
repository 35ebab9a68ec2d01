#pragma once

// A model of the bank service's HTTP API, for the model-based test
// (model_test.cpp): random operations, and for each request the answer the
// model predicts (status, error code, version, and whether its position is
// new, the first answer's, or none), plus the balances that follow.

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <rapidcheck.h>

namespace bank_model {

/// What one step of a sequence does.
enum class op_kind {
  open,           ///< POST /accounts for slot `acc`
  deposit,        ///< POST /accounts/{slot}/deposit
  withdraw,       ///< POST /accounts/{slot}/withdraw
  close,          ///< POST /accounts/{slot}/close
  transfer,       ///< POST /transfers from slot `acc` to slot `to`
  transfer_again, ///< POST /transfers with the id of an earlier transfer
  repeat,         ///< an earlier request again (the key upper-cased unless `named`)
  repeat_late,    ///< 65 deposits on its account first, then the repeat
  reuse_key,      ///< a deposit with the Idempotency-Key of an earlier one
  read,           ///< GET /accounts/{slot}?position=N
  total,          ///< GET /total?position=N
};

const char* to_string(op_kind x);

/// One generated step. Fields that a kind does not use are ignored.
struct op {
  op_kind kind = op_kind::read;
  int acc = 0;        ///< account slot (0..2)
  int to = 0;         ///< transfer target slot
  int64_t amount = 0; ///< may be invalid (0, negative, above 10^15)
  bool key = false;   ///< sends an Idempotency-Key
  bool named = true;  ///< open, transfer: an `id` in the body; repeat: key as sent
  int owner = 0;      ///< open: index of the owner's name
  int target = 0;     ///< repeat, reuse_key, transfer_again: how far back
};

std::ostream& operator<<(std::ostream& os, const op& x);

/// Sequences of `min` to `max` operations (uniform); shrunk by deleting
/// operations (chunks, then single ones).
rc::Gen<std::vector<op>> gen_ops(int min, int max);

/// `x` in lower case (ASCII).
std::string lower(std::string x);

/// The owner names of `op::owner`.
const std::string& owner_name(int index);

/// The smallest and largest valid amounts.
constexpr int64_t max_amount = 1000000000000000; // 10^15

/// A request as sent; a repeat sends it again unchanged.
struct request {
  op_kind kind = op_kind::deposit; ///< open, deposit, withdraw, close, transfer
  /// The account (path, or body `id` of open) or transfer (body `id`); empty
  /// for open and transfer without an `id` in the body.
  std::string id;
  std::string from;
  std::string to;
  std::string owner;
  int64_t amount = 0;
  std::string key; ///< Idempotency-Key; empty: none
};

std::ostream& operator<<(std::ostream& os, const request& x);

/// Where a successful answer's position must be.
enum class pos_kind {
  fresh, ///< beyond every position answered before (the command wrote)
  first, ///< the first answer's (a repeat of a command that wrote)
  none,  ///< 0 (decided no events)
};

/// What the model predicts for one request.
struct expectation {
  int status = 0;
  std::string error; ///< the error code when status >= 400
  int64_t version = -1;
  pos_kind pos = pos_kind::fresh;
  int64_t position = 0;        ///< for pos_kind::first
  std::string transfer_status; ///< a transfer's final status
};

std::ostream& operator<<(std::ostream& os, const expectation& x);

struct account {
  std::string owner;
  bool closed = false;
  int64_t balance = 0;
  int64_t version = 0;
};

struct transfer {
  std::string from;
  std::string to;
  int64_t amount = 0;
  std::string status;
  int64_t version = 0;
};

/// The bank as the HTTP API promises it (docs/http-api.md,
/// docs/commands.md#repeated-commands), for the requests of one sequence.
class model {
public:
  /// Predicts the answer to `req` on aggregate `id` (the resolved id; for an
  /// id the service makes up, any id not used before) and applies its
  /// effect, the transfer saga included (run to its end).
  expectation apply(const request& req, const std::string& id);

  /// The position the service answered for the first, recorded, try of
  /// the command with Idempotency-Key `key`.
  void set_first_position(const std::string& key, int64_t position);

  /// Moves aggregate `from` to `to` (an id the service made up).
  void rename(op_kind kind, const std::string& from, const std::string& to);

  const std::map<std::string, account>& accounts() const { return accounts_; }
  const std::map<std::string, transfer>& transfers() const { return transfers_; }

  int64_t deposits = 0;
  int64_t withdrawals = 0;
  int64_t opened = 0;

private:
  struct record {
    std::string stream;
    int64_t version = 0;
    int64_t position = 0;
  };

  expectation decide_account(const request& req, const std::string& id);
  expectation decide_transfer(const request& req, const std::string& id);
  void run_saga(transfer& t);
  bool is_open(const std::string& id) const;

  std::map<std::string, account> accounts_;
  std::map<std::string, transfer> transfers_;
  std::map<std::string, record> records_; ///< by Idempotency-Key
};

} // namespace bank_model

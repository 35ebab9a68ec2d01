#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mink/projection/event_handlers.hpp"
#include "mink/projection/projection.hpp"

namespace mink {

namespace detail {

/// What both read models share: a name, a category, and handlers per event
/// type whose types are the read filter.
template <class Projection, class... Args>
class handler_read_model : public Projection {
public:
  handler_read_model(std::string name,
                     std::shared_ptr<const event_registry> reg,
                     std::string category)
    : name_(std::move(name)),
      category_(std::move(category)),
      handlers_(std::move(reg)) {
    // nop
  }

  std::string name() const override {
    return name_;
  }

  read_filter filter() const override {
    return {category_, handlers_.types()};
  }

protected:
  /// Handles events of declared type `E` with
  /// `f(Args..., const typed_event<E>&)`.
  template <class E, class F>
  void on(F f) {
    handlers_.template on<E>(std::move(f));
  }

  std::string name_;
  std::string category_;
  event_handlers<Args...> handlers_;
};

} // namespace detail

/// An exactly-once SQL read model written as handlers per event type:
///
/// ~~~
/// class balances : public mink::sql_read_model {
/// public:
///   balances(std::shared_ptr<const mink::event_registry> reg)
///     : sql_read_model("balances", std::move(reg), "account") {
///     table("balances", "id text PRIMARY KEY, amount bigint NOT NULL");
///     on<money_deposited>([](soci::session& sql, const auto& ev) {
///       ... ev.data.amount, ev.id(), ev.position() ...
///     });
///   }
/// };
/// ~~~
///
/// It reads only the event types it has handlers for (its filter), in the
/// category given (all when empty). Each batch's rows commit with its
/// checkpoint (see `sql_projection`); `begin_batch` and `end_batch` let a
/// read model gather rows and write them with one statement per batch.
/// The tables it declares with `table` are created by `setup` and emptied
/// by `clear`; a read model with other needs overrides those instead.
/// Its code is in mink::sql (link a SQL store adapter).
class sql_read_model
  : public detail::handler_read_model<sql_projection, soci::session&> {
public:
  sql_read_model(std::string name, std::shared_ptr<const event_registry> reg,
                 std::string category = {});

  caf::error handle(soci::session& sql,
                    const std::vector<recorded_event>& events) override;

  /// Creates every declared table that is missing, in declaration order.
  caf::error setup(soci::session& sql) override;

  /// Deletes the rows of every declared table, the last declared first.
  /// Without a declared table it is an error: a rebuild would keep stale
  /// rows.
  caf::error clear(soci::session& sql) override;

protected:
  /// Declares a table the read model owns: `setup` runs
  /// `CREATE TABLE IF NOT EXISTS <name> (<columns>)`, `clear` empties it.
  /// `name` is an identifier, or `schema.table` (a prefix from
  /// configuration): `[A-Za-z_][A-Za-z0-9_]*` parts of at most 63
  /// characters; `setup` refuses another with `invalid_argument`.
  void table(std::string name, std::string columns);

  /// Runs before the handlers of a batch (e.g. to read the rows the batch
  /// touches in one query).
  virtual caf::error begin_batch(soci::session& sql,
                                 const std::vector<recorded_event>& events);

  /// Runs after the handlers of a batch, inside its transaction.
  virtual caf::error end_batch(soci::session& sql);

private:
  /// `invalid_argument` for a declared name that is not an identifier.
  caf::error check_tables() const;

  struct owned_table {
    std::string name;
    std::string columns;
  };
  std::vector<owned_table> tables_;
};

/// An at-least-once read model anywhere (memory, a cache, another service)
/// written as handlers per event type `f(const typed_event<E>&)`; see
/// `async_projection` and `sql_read_model`.
class async_read_model : public detail::handler_read_model<async_projection> {
public:
  async_read_model(std::string name, std::shared_ptr<const event_registry> reg,
                   std::string category = {});

  caf::error handle(const std::vector<recorded_event>& events) override;
};

} // namespace mink

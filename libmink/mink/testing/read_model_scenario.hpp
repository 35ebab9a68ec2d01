#pragma once

// Needs mink::sqlite (the read model runs on a SQLite database of its own).

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <soci/soci.h>

#include "mink/adapters/sqlite/sqlite_checkpoint_store.hpp"
#include "mink/projection/projection.hpp"
#include "mink/store/read_filter_match.hpp"
#include "mink/testing/event_log.hpp"

namespace mink::testing {

/// Rows of a query, each column as text (`NULL` for null).
using table_rows = std::vector<std::vector<std::string>>;

/// Given/When/Then for a SQL read model (`sql_projection`, e.g. a
/// `sql_read_model`): given events, then these rows. The read model runs
/// on a fresh SQLite database in a temporary directory, removed with the
/// scenario; each `given` is one batch, committed with the checkpoint as
/// the projection engine would.
///
/// ~~~
/// mink::testing::read_model_scenario sc{
///   std::make_shared<balances>(registry), registry};
/// BOOST_REQUIRE(!sc.given("account-1", account_opened{"Ada"}));
/// BOOST_REQUIRE(!sc.given("account-1", money_deposited{50}));
/// BOOST_TEST(sc.rows("SELECT id, balance FROM balances")
///            == (mink::testing::table_rows{{"1", "50"}}));
/// ~~~
class read_model_scenario {
public:
  read_model_scenario(std::shared_ptr<sql_projection> model,
                      std::shared_ptr<const event_registry> registry)
    : model_(std::move(model)), log_(std::move(registry)) {
    auto pattern = (std::filesystem::temp_directory_path()
                    / "mink-read-model-XXXXXX")
                     .string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    dir_ = pattern;
    sqlite_config cfg;
    cfg.path = (dir_ / "read-model.db").string();
    auto store = sqlite_checkpoint_store::open(cfg);
    if (!store)
      throw std::runtime_error(to_text(store.error()));
    store_ = std::move(*store);
    if (auto rec = store_->ensure(model_->name()); !rec)
      throw std::runtime_error(to_text(rec.error()));
    setup_error_ = store_->run(
      [this](soci::session& sql) { return model_->setup(sql); });
  }

  ~read_model_scenario() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  read_model_scenario(const read_model_scenario&) = delete;
  read_model_scenario& operator=(const read_model_scenario&) = delete;

  /// Stores `ev` as the next event of `stream_id` and applies it (if the
  /// read model's filter takes it) in a batch of its own. Returns the
  /// setup's or the handler's error; a failed batch leaves no row.
  template <class E>
  caf::error given(const std::string& stream_id, const E& ev,
                   metadata meta = {}, int64_t timestamp_us = 0) {
    auto rec = log_.record(stream_id, ev, std::move(meta), timestamp_us);
    if (!rec)
      return std::move(rec.error());
    return apply({std::move(*rec)});
  }

  /// Applies recorded events as one batch: those the read model's filter
  /// takes, while the checkpoint moves past all of them.
  caf::error apply(std::vector<recorded_event> events) {
    if (setup_error_)
      return setup_error_;
    auto to = events.empty() ? applied_ : events.back().global_position;
    auto err = store_->transact(
      model_->name(), applied_,
      [&](soci::session& sql) -> caf::expected<int64_t> {
        auto taken = filtered(events);
        if (!taken.empty())
          if (auto e = model_->handle(sql, taken))
            return e;
        return to;
      });
    if (!err)
      applied_ = to;
    return err;
  }

  /// Runs `work` on the read model's database (e.g. the model's `clear`,
  /// or statements a test needs) and returns its error.
  caf::error run(const std::function<caf::error(soci::session&)>& work) {
    return store_->run(work);
  }

  /// Runs `query` and returns its rows, each column as text.
  table_rows rows(const std::string& query) {
    table_rows out;
    auto err = store_->run([&](soci::session& sql) -> caf::error {
      soci::rowset<soci::row> rs = sql.prepare << query;
      for (const auto& r : rs) {
        std::vector<std::string> row;
        for (size_t i = 0; i < r.size(); ++i)
          row.push_back(text_of(r, i));
        out.push_back(std::move(row));
      }
      return {};
    });
    if (err)
      throw std::runtime_error(to_text(err));
    return out;
  }

private:
  std::vector<recorded_event>
  filtered(const std::vector<recorded_event>& events) const {
    auto f = model_->filter();
    std::vector<recorded_event> out;
    for (const auto& ev : events)
      if (matches(f, ev))
        out.push_back(ev);
    return out;
  }

  static std::string text_of(const soci::row& r, size_t i) {
    if (r.get_indicator(i) == soci::i_null)
      return "NULL";
    switch (r.get_properties(i).get_data_type()) {
      case soci::dt_string: return r.get<std::string>(i);
      case soci::dt_double: return std::to_string(r.get<double>(i));
      case soci::dt_integer: return std::to_string(r.get<int>(i));
      case soci::dt_long_long: return std::to_string(r.get<long long>(i));
      case soci::dt_unsigned_long_long:
        return std::to_string(r.get<unsigned long long>(i));
      default: return "?";
    }
  }

  std::shared_ptr<sql_projection> model_;
  event_log log_;
  std::filesystem::path dir_;
  std::unique_ptr<sqlite_checkpoint_store> store_;
  caf::error setup_error_;
  int64_t applied_ = 0;
};

} // namespace mink::testing

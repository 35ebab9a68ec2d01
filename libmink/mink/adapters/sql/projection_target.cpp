#include "mink/adapters/sql/projection_target.hpp"

#include <utility>

#include "mink/errc.hpp"

namespace mink {

projection_target::~projection_target() = default;

bool is_store_failure(const caf::error& err) noexcept {
  auto code = code_of(err);
  return code == errc::store_unavailable || code == errc::timeout
         || code == errc::storage_failure;
}

caf::error handler_error(const std::string& projection, caf::error err) {
  if (code_of(err) != errc::wrong_expected_version)
    return err;
  return make_error(errc::projection_failed,
                    "projection " + projection + ": " + to_text(err));
}

namespace {

/// Whether a replay that failed with `err` parks its event again: not when
/// the store failed or another runner holds the projection (then the letter
/// stays as it was and the replay can be asked for again).
bool parks_again(const caf::error& err) {
  return code_of(err) != errc::wrong_expected_version && !is_store_failure(err);
}

class async_target : public projection_target {
public:
  async_target(std::shared_ptr<async_projection> p,
               std::shared_ptr<checkpoint_store> store)
    : p_(std::move(p)), store_(std::move(store)), name_(p_->name()) {
    // nop
  }

  const projection& get() const override { return *p_; }

  caf::error setup() override { return {}; }

  caf::error apply(int64_t expected, const std::vector<recorded_event>& relevant,
                   int64_t to) override {
    if (!relevant.empty())
      if (auto err = call_handler(name_, [&] { return p_->handle(relevant); }))
        return err;
    return store_->save(name_, expected, to);
  }

  caf::error skip(int64_t expected, const recorded_event& ev,
                  const std::string& error) override {
    if (auto err = store_->park(name_, ev, error))
      return err;
    return store_->save(name_, expected, ev.global_position);
  }

  caf::error rebuild(int64_t expected) override {
    if (auto err = call_handler(name_, [&] { return p_->clear(); }))
      return err;
    if (auto err = store_->save(name_, expected, 0))
      return err;
    return store_->complete_request(name_, 0);
  }

  caf::error replay(int64_t, const recorded_event& ev) override {
    auto err = call_handler(name_, [&] { return p_->handle({ev}); });
    if (err) {
      if (parks_again(err))
        if (auto park_err = store_->park(name_, ev, to_text(err)))
          return park_err;
      return err;
    }
    return store_->remove_dead_letter(name_, ev.global_position);
  }

private:
  std::shared_ptr<async_projection> p_;
  std::shared_ptr<checkpoint_store> store_;
  std::string name_;
};

class sql_target : public projection_target {
public:
  sql_target(std::shared_ptr<sql_projection> p,
             std::shared_ptr<sql_checkpoint_store> store)
    : p_(std::move(p)), store_(std::move(store)), name_(p_->name()) {
    // nop
  }

  const projection& get() const override { return *p_; }

  caf::error setup() override {
    return store_->run([&](soci::session& sql) {
      return call_handler(name_, [&] { return p_->setup(sql); });
    });
  }

  caf::error apply(int64_t expected, const std::vector<recorded_event>& relevant,
                   int64_t to) override {
    return store_->transact(
      name_, expected, [&](soci::session& sql) -> caf::expected<int64_t> {
        if (!relevant.empty())
          if (auto err = call_handler(name_,
                                      [&] { return p_->handle(sql, relevant); }))
            return err;
        return to;
      });
  }

  caf::error skip(int64_t expected, const recorded_event& ev,
                  const std::string& error) override {
    return store_->transact(name_, expected,
                            [&](soci::session& sql) -> caf::expected<int64_t> {
                              store_->park_in(sql, name_, ev, error);
                              return ev.global_position;
                            });
  }

  caf::error rebuild(int64_t expected) override {
    auto err = store_->transact(
      name_, expected, [&](soci::session& sql) -> caf::expected<int64_t> {
        if (auto err = call_handler(name_, [&] { return p_->clear(sql); }))
          return err;
        return int64_t{0};
      });
    if (err)
      return err;
    return store_->complete_request(name_, 0);
  }

  caf::error replay(int64_t expected, const recorded_event& ev) override {
    auto err = store_->transact(
      name_, expected, [&](soci::session& sql) -> caf::expected<int64_t> {
        if (auto err = call_handler(name_,
                                    [&] { return p_->handle(sql, {ev}); }))
          return err;
        store_->remove_dead_letter_in(sql, name_, ev.global_position);
        return expected;
      });
    if (err && parks_again(err))
      if (auto park_err = store_->park(name_, ev, to_text(err)))
        return park_err;
    return err;
  }

private:
  std::shared_ptr<sql_projection> p_;
  std::shared_ptr<sql_checkpoint_store> store_;
  std::string name_;
};

} // namespace

std::unique_ptr<projection_target>
make_target(std::shared_ptr<async_projection> p,
            std::shared_ptr<checkpoint_store> store) {
  return std::make_unique<async_target>(std::move(p), std::move(store));
}

std::unique_ptr<projection_target>
make_target(std::shared_ptr<sql_projection> p,
            std::shared_ptr<sql_checkpoint_store> store) {
  return std::make_unique<sql_target>(std::move(p), std::move(store));
}

} // namespace mink

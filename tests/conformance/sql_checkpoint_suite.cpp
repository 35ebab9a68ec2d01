// Conformance of the SQL checkpoint stores (SQLite, PostgreSQL): a read
// model's rows and the checkpoint commit in one transaction, or neither
// does. Skipped for adapters that are not a `sql_checkpoint_store`.

#include "checkpoint_fixture.hpp"

#include <stdexcept>

#include <soci/soci.h>

#include "mink/adapters/sql/sql_checkpoint_store.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

/// A SQL checkpoint store, a read-model table `rows (k, v)` and a
/// projection `p` at position 0.
struct sql_fixture : checkpoint_fixture {
  sql_fixture() {
    sql = dynamic_cast<sql_checkpoint_store*>(cps.get());
    if (sql == nullptr)
      return;
    table = storage->table_name("ckpt_rows");
    MINK_REQUIRE_NO_ERROR(sql->run([&](soci::session& s) -> caf::error {
      s << "CREATE TABLE " + table + " (k TEXT PRIMARY KEY, v BIGINT)";
      return {};
    }));
    ensure_ok("p");
  }

  /// Returns the keys of the read model, in order.
  std::vector<std::string> keys() {
    std::vector<std::string> result;
    MINK_REQUIRE_NO_ERROR(sql->run([&](soci::session& s) -> caf::error {
      soci::rowset<std::string> rs = (s.prepare << "SELECT k FROM " + table
                                                     + " ORDER BY k");
      for (const auto& k : rs)
        result.push_back(k);
      return {};
    }));
    return result;
  }

  /// Inserts the row `k` inside a transaction's work.
  void insert(soci::session& s, const std::string& k, long long v = 1) {
    s << "INSERT INTO " + table + " (k, v) VALUES (:k, :v)", soci::use(k),
      soci::use(v);
  }

  sql_checkpoint_store* sql = nullptr;
  std::string table;
};

#define SKIP_UNLESS_SQL()                                                      \
  if (sql == nullptr) {                                                        \
    BOOST_TEST_MESSAGE(storage->name() << ": not a SQL checkpoint store");     \
    return;                                                                    \
  }

using strings = std::vector<std::string>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(sql_checkpoint_suite, sql_fixture)

BOOST_AUTO_TEST_CASE(rows_and_checkpoint_commit_together) {
  SKIP_UNLESS_SQL();
  MINK_REQUIRE_NO_ERROR(sql->transact("p", 0, [&](soci::session& s) {
    insert(s, "a");
    insert(s, "b");
    return caf::expected<int64_t>{2};
  }));
  BOOST_TEST(keys() == (strings{"a", "b"}), boost::test_tools::per_element());
  BOOST_TEST(load_existing(*open_another(), "p").position == 2);
  MINK_REQUIRE_NO_ERROR(sql->transact("p", 2, [&](soci::session& s) {
    insert(s, "c");
    return caf::expected<int64_t>{7};
  }));
  BOOST_TEST(keys() == (strings{"a", "b", "c"}),
             boost::test_tools::per_element());
  BOOST_TEST(position_of("p") == 7);
}

BOOST_AUTO_TEST_CASE(an_error_of_the_work_rolls_everything_back) {
  SKIP_UNLESS_SQL();
  auto err = sql->transact("p", 0, [&](soci::session& s) {
    insert(s, "a");
    return caf::expected<int64_t>{
      make_error(errc::decode_failed, "cannot decode event 1")};
  });
  MINK_CHECK_ERRC(err, errc::decode_failed);
  BOOST_TEST(to_text(err).find("cannot decode event 1") != std::string::npos);
  BOOST_TEST(keys().empty());
  BOOST_TEST(position_of("p") == 0);
}

BOOST_AUTO_TEST_CASE(an_exception_of_the_work_rolls_everything_back) {
  SKIP_UNLESS_SQL();
  auto err = sql->transact("p", 0, [&](soci::session& s)
                                      -> caf::expected<int64_t> {
    insert(s, "a");
    throw std::runtime_error("handler exploded");
  });
  MINK_CHECK_ERRC(err, errc::projection_failed);
  BOOST_TEST(to_text(err).find("handler exploded") != std::string::npos);
  // A failing statement throws too (SOCI's exception).
  err = sql->transact("p", 0, [&](soci::session& s) {
    insert(s, "b");
    insert(s, "b"); // primary key violation
    return caf::expected<int64_t>{1};
  });
  MINK_CHECK_ERRC(err, errc::projection_failed);
  BOOST_TEST(keys().empty());
  BOOST_TEST(position_of("p") == 0);
}

BOOST_AUTO_TEST_CASE(a_moved_checkpoint_rolls_the_work_back) {
  SKIP_UNLESS_SQL();
  MINK_REQUIRE_NO_ERROR(open_another()->save("p", 0, 5));
  auto err = sql->transact("p", 0, [&](soci::session& s) {
    insert(s, "a");
    return caf::expected<int64_t>{3};
  });
  MINK_CHECK_ERRC(err, errc::wrong_expected_version);
  BOOST_TEST(keys().empty());
  BOOST_TEST(position_of("p") == 5);
  // A missing projection rolls back the same way.
  MINK_CHECK_ERRC(sql->transact("nope", 0,
                                [&](soci::session& s) {
                                  insert(s, "b");
                                  return caf::expected<int64_t>{1};
                                }),
                  errc::projection_not_found);
  BOOST_TEST(keys().empty());
}

BOOST_AUTO_TEST_CASE(parking_inside_a_transaction_commits_with_it) {
  SKIP_UNLESS_SQL();
  MINK_REQUIRE_NO_ERROR(sql->transact("p", 0, [&](soci::session& s) {
    insert(s, "a");
    sql->park_in(s, "p", make_recorded(2), "poison");
    return caf::expected<int64_t>{3};
  }));
  auto xs = letters_ok("p");
  BOOST_REQUIRE_EQUAL(xs.size(), 1u);
  BOOST_TEST(xs[0].position == 2);
  BOOST_TEST(xs[0].error == "poison");
  BOOST_TEST(xs[0].parked_us > 0);
  BOOST_TEST(position_of("p") == 3);
  // Parking the same position again replaces the letter.
  MINK_REQUIRE_NO_ERROR(cps->request_replay("p", 2));
  MINK_REQUIRE_NO_ERROR(sql->transact("p", 3, [&](soci::session& s) {
    sql->park_in(s, "p", make_recorded(2), "again");
    return caf::expected<int64_t>{4};
  }));
  xs = letters_ok("p");
  BOOST_REQUIRE_EQUAL(xs.size(), 1u);
  BOOST_TEST(xs[0].error == "again");
  BOOST_TEST(!xs[0].replay_requested);
  // Removing inside a transaction commits with it too.
  MINK_REQUIRE_NO_ERROR(sql->transact("p", 4, [&](soci::session& s) {
    sql->remove_dead_letter_in(s, "p", 2);
    return caf::expected<int64_t>{5};
  }));
  BOOST_TEST(letters_ok("p").empty());
}

BOOST_AUTO_TEST_CASE(parking_inside_a_transaction_rolls_back_with_it) {
  SKIP_UNLESS_SQL();
  // The work fails after parking.
  MINK_CHECK_ERRC(sql->transact("p", 0,
                                [&](soci::session& s) {
                                  sql->park_in(s, "p", make_recorded(2), "x");
                                  return caf::expected<int64_t>{
                                    make_error(errc::projection_failed)};
                                }),
                  errc::projection_failed);
  // The checkpoint moved meanwhile.
  MINK_REQUIRE_NO_ERROR(open_another()->save("p", 0, 1));
  MINK_CHECK_ERRC(sql->transact("p", 0,
                                [&](soci::session& s) {
                                  sql->park_in(s, "p", make_recorded(2), "x");
                                  return caf::expected<int64_t>{2};
                                }),
                  errc::wrong_expected_version);
  BOOST_TEST(letters_ok("p").empty());
  BOOST_TEST(position_of("p") == 1);
  // A removal rolls back too.
  MINK_REQUIRE_NO_ERROR(cps->park("p", make_recorded(2), "kept"));
  MINK_CHECK_ERRC(sql->transact("p", 1,
                                [&](soci::session& s)
                                  -> caf::expected<int64_t> {
                                  sql->remove_dead_letter_in(s, "p", 2);
                                  throw std::runtime_error("late failure");
                                }),
                  errc::projection_failed);
  BOOST_TEST(letters_ok("p").size() == 1u);
  // Parking for a missing projection or with a bad name fails the work.
  MINK_CHECK_ERRC(sql->transact("p", 1,
                                [&](soci::session& s) {
                                  insert(s, "a");
                                  sql->park_in(s, "nope", make_recorded(3),
                                               "x");
                                  return caf::expected<int64_t>{3};
                                }),
                  errc::projection_failed);
  MINK_CHECK_ERRC(sql->transact("p", 1,
                                [&](soci::session& s) {
                                  sql->park_in(s, "", make_recorded(3), "x");
                                  return caf::expected<int64_t>{3};
                                }),
                  errc::projection_failed);
  BOOST_TEST(keys().empty());
  BOOST_TEST(position_of("p") == 1);
  BOOST_TEST(letters_ok("").size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_transactions_are_invalid_arguments) {
  SKIP_UNLESS_SQL();
  auto work = [&](soci::session& s) {
    insert(s, "a");
    return caf::expected<int64_t>{1};
  };
  MINK_CHECK_ERRC(sql->transact("", 0, work), errc::invalid_argument);
  MINK_CHECK_ERRC(sql->transact("p\n", 0, work), errc::invalid_argument);
  MINK_CHECK_ERRC(sql->transact("p", -1, work), errc::invalid_argument);
  MINK_CHECK_ERRC(sql->transact("p", 0, sql_checkpoint_store::work_fn{}),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(sql->transact("p", 0,
                                [&](soci::session& s) {
                                  insert(s, "b");
                                  return caf::expected<int64_t>{-1};
                                }),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(sql->run({}), errc::invalid_argument);
  BOOST_TEST(keys().empty());
  BOOST_TEST(position_of("p") == 0);
}

BOOST_AUTO_TEST_CASE(run_commits_or_rolls_back) {
  SKIP_UNLESS_SQL();
  MINK_REQUIRE_NO_ERROR(sql->run([&](soci::session& s) -> caf::error {
    insert(s, "a");
    return {};
  }));
  MINK_CHECK_ERRC(sql->run([&](soci::session& s) -> caf::error {
    insert(s, "b");
    return make_error(errc::storage_failure, "no");
  }),
                  errc::storage_failure);
  MINK_CHECK_ERRC(sql->run([&](soci::session& s) -> caf::error {
    insert(s, "c");
    throw std::logic_error("setup bug");
  }),
                  errc::projection_failed);
  BOOST_TEST(keys() == strings{"a"}, boost::test_tools::per_element());
  BOOST_TEST(position_of("p") == 0);
}

BOOST_AUTO_TEST_CASE(connections_stay_usable_after_failures) {
  SKIP_UNLESS_SQL();
  // More failures than any pool has connections, of every kind.
  for (int i = 0; i < 12; ++i) {
    auto err = sql->transact("p", static_cast<int64_t>(i),
                             [&](soci::session& s) -> caf::expected<int64_t> {
                               insert(s, "x" + std::to_string(i));
                               switch (i % 3) {
                                 case 0:
                                   s << "SELECT * FROM no_such_table";
                                   return int64_t{1};
                                 case 1:
                                   throw std::runtime_error("thrown");
                                 default:
                                   return make_error(errc::decode_failed);
                               }
                             });
    BOOST_CHECK(err);
  }
  for (int i = 0; i < 8; ++i)
    MINK_REQUIRE_NO_ERROR(sql->transact("p", i, [&](soci::session& s) {
      insert(s, "ok" + std::to_string(i));
      return caf::expected<int64_t>{i + 1};
    }));
  BOOST_TEST(keys().size() == 8u);
  BOOST_TEST(position_of("p") == 8);
  MINK_CHECK_NO_ERROR(cps->save("p", 8, 9));
}

BOOST_AUTO_TEST_SUITE_END()

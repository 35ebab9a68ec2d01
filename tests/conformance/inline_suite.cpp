// Inline projections: run in the append transaction of the SQLite and
// PostgreSQL stores; a failing one rejects its stream's append alone. The
// memory store refuses them.

#include "checkpoint_fixture.hpp"

#include <chrono>
#include <thread>

#include <soci/soci.h>

#include "mink/projection/projection.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

/// Counts events per stream in `table (stream_id, n)`; fails on events of
/// type `poison` (by error) and `bomb` (by exception). Events of type
/// `endless` run a query that never ends, `endless_write` an insert that
/// never ends; `slow` sleeps (in C++) for twice the stores' default inline
/// deadline.
class counting_projection : public sql_projection {
public:
  explicit counting_projection(std::string table) : table_(std::move(table)) {
    // nop
  }

  std::string name() const override { return "inline_counts"; }

  caf::error setup(soci::session& sql) override {
    sql << "CREATE TABLE IF NOT EXISTS " + table_
             + " (stream_id TEXT PRIMARY KEY, n BIGINT NOT NULL)";
    return {};
  }

  caf::error handle(soci::session& sql,
                    const std::vector<recorded_event>& events) override {
    for (const auto& ev : events) {
      if (ev.type == "poison")
        return make_error(errc::invalid_argument,
                          "poison in " + ev.stream_id);
      if (ev.type == "bomb")
        throw std::runtime_error("bomb in " + ev.stream_id);
      if (ev.type == "endless") {
        long long n = 0;
        sql << "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
               " FROM c) SELECT count(*) FROM c",
          soci::into(n);
      }
      if (ev.type == "endless_write")
        sql << "INSERT INTO " + table_
                 + " (stream_id, n) SELECT 'w' || x, x FROM (WITH RECURSIVE"
                   " c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
                   " SELECT x FROM c) AS s";
      if (ev.type == "slow")
        std::this_thread::sleep_for(std::chrono::milliseconds{1000});
      sql << "INSERT INTO " + table_
               + " (stream_id, n) VALUES (:s, 1) ON CONFLICT (stream_id) DO "
                 "UPDATE SET n = "
               + table_ + ".n + 1",
        soci::use(ev.stream_id);
    }
    return {};
  }

  caf::error clear(soci::session& sql) override {
    sql << "DELETE FROM " + table_;
    return {};
  }

private:
  std::string table_;
};

stream_append append_of(const std::string& stream, std::vector<std::string> types) {
  stream_append sa;
  sa.stream_id = stream;
  sa.expected = expected_version::any();
  for (auto& t : types) {
    event_data e;
    e.type = t;
    e.data = "{}";
    sa.events.push_back(std::move(e));
  }
  return sa;
}

/// One append per stream `acct-1`, `acct-2`, ...: the i-th of the events
/// of types `types[i]`.
std::vector<stream_append>
batch_of(std::vector<std::vector<std::string>> types) {
  std::vector<stream_append> out;
  for (size_t i = 0; i < types.size(); ++i)
    out.push_back(
      append_of("acct-" + std::to_string(i + 1), std::move(types[i])));
  return out;
}

struct inline_fixture : checkpoint_fixture {
  inline_fixture() {
    store = storage->open();
    sql = dynamic_cast<sql_checkpoint_store*>(cps.get());
    table = storage->table_name("inline_counts");
  }

  /// The read model: (stream id, count), ordered by stream id.
  std::vector<std::pair<std::string, long long>> counts() {
    std::vector<std::pair<std::string, long long>> result;
    MINK_REQUIRE_NO_ERROR(sql->run([&](soci::session& s) -> caf::error {
      soci::rowset<soci::row> rs = (s.prepare << "SELECT stream_id, n FROM "
                                                   + table
                                                   + " ORDER BY stream_id");
      for (const auto& r : rs)
        result.emplace_back(r.get<std::string>(0), r.get<long long>(1));
      return {};
    }));
    return result;
  }

  /// Appends events of `types` to a new stream `stream`, alone.
  caf::expected<append_result> append_alone(const std::string& stream,
                                            std::vector<std::string> types) {
    return store->append(stream, expected_version::no_stream(),
                         append_of(stream, std::move(types)).events);
  }

  std::unique_ptr<event_store> store;
  sql_checkpoint_store* sql = nullptr;
  std::string table;
};

using counts_t = std::vector<std::pair<std::string, long long>>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(inline_projections, inline_fixture)

BOOST_AUTO_TEST_CASE(the_memory_store_refuses_them_and_null_is_invalid) {
  MINK_CHECK_ERRC(store->add_inline(nullptr), errc::invalid_argument);
  if (sql != nullptr)
    return;
  auto err = store->add_inline(std::make_shared<counting_projection>(table));
  MINK_CHECK_ERRC(err, errc::invalid_argument);
  BOOST_CHECK(to_text(err).find("inline") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(read_model_commits_with_the_events) {
  if (sql == nullptr)
    return;
  MINK_REQUIRE_NO_ERROR(
    store->add_inline(std::make_shared<counting_projection>(table)));
  auto batch = batch_of({{"a", "b"}, {"a"}});
  auto res = store->append(std::move(batch));
  BOOST_REQUIRE(res[0] && res[1]);
  BOOST_CHECK((counts() == counts_t{{"acct-1", 2}, {"acct-2", 1}}));
}

BOOST_AUTO_TEST_CASE(a_failing_projection_rejects_that_append_alone) {
  if (sql == nullptr)
    return;
  MINK_REQUIRE_NO_ERROR(
    store->add_inline(std::make_shared<counting_projection>(table)));
  auto batch = batch_of(
    {{"a", "b"}, {"a", "poison"}, {"a"}, {"bomb"}, {"a", "b", "c"}});
  auto res = store->append(std::move(batch));
  BOOST_REQUIRE(res[0]);
  BOOST_REQUIRE(!res[1]);
  MINK_CHECK_ERRC(res[1], errc::projection_failed);
  BOOST_CHECK(to_text(res[1].error()).find("poison in acct-2")
              != std::string::npos);
  BOOST_REQUIRE(res[2]);
  BOOST_REQUIRE(!res[3]);
  MINK_CHECK_ERRC(res[3], errc::projection_failed);
  BOOST_CHECK(to_text(res[3].error()).find("bomb in acct-4")
              != std::string::npos);
  BOOST_REQUIRE(res[4]);
  // Positions stay dense: the rejected streams took none.
  BOOST_CHECK((res[0]->positions == std::vector<int64_t>{1, 2}));
  BOOST_CHECK((res[2]->positions == std::vector<int64_t>{3}));
  BOOST_CHECK((res[4]->positions == std::vector<int64_t>{4, 5, 6}));
  auto all = store->read_all(1, 100);
  BOOST_REQUIRE(all);
  BOOST_CHECK_EQUAL(all->size(), 6u);
  MINK_CHECK_ERRC(store->read_stream("acct-2", 1, 10), errc::stream_not_found);
  MINK_CHECK_ERRC(store->read_stream("acct-4", 1, 10), errc::stream_not_found);
  // Neither the poison's first event nor anything of acct-4 reached the
  // read model.
  BOOST_CHECK((counts() == counts_t{{"acct-1", 2}, {"acct-3", 1}, {"acct-5", 3}}));
  // The next append goes on from there.
  auto next = append_alone("acct-2", {"a"});
  BOOST_REQUIRE(next);
  BOOST_CHECK_EQUAL(next->positions.front(), 7);
  BOOST_CHECK((counts()
               == counts_t{{"acct-1", 2}, {"acct-2", 1}, {"acct-3", 1}, {"acct-5", 3}}));
}

BOOST_AUTO_TEST_CASE(a_projection_past_its_deadline_rejects_that_append_alone) {
  // The stores' default inline deadline is 500 ms: `endless` SQL is
  // interrupted at it, `slow` C++ overruns it. Both reject their append;
  // the rest of the batch commits with dense positions.
  if (sql == nullptr)
    return;
  MINK_REQUIRE_NO_ERROR(
    store->add_inline(std::make_shared<counting_projection>(table)));
  auto batch = batch_of({{"a"}, {"a", "endless"}, {"a", "b"}, {"slow"}, {"a"}});
  auto res = store->append(std::move(batch));
  BOOST_REQUIRE(res[0]);
  MINK_CHECK_ERRC(res[1], errc::projection_failed);
  BOOST_REQUIRE(res[2]);
  MINK_CHECK_ERRC(res[3], errc::projection_failed);
  BOOST_CHECK(to_text(res[3].error()).find("deadline") != std::string::npos);
  BOOST_REQUIRE(res[4]);
  BOOST_CHECK((res[0]->positions == std::vector<int64_t>{1}));
  BOOST_CHECK((res[2]->positions == std::vector<int64_t>{2, 3}));
  BOOST_CHECK((res[4]->positions == std::vector<int64_t>{4}));
  MINK_CHECK_ERRC(store->read_stream("acct-2", 1, 10), errc::stream_not_found);
  MINK_CHECK_ERRC(store->read_stream("acct-4", 1, 10), errc::stream_not_found);
  BOOST_CHECK((counts() == counts_t{{"acct-1", 1}, {"acct-3", 2}, {"acct-5", 1}}));
  // An append alone past the deadline fails the same way.
  auto alone = append_alone("acct-6", {"endless"});
  MINK_CHECK_ERRC(alone, errc::projection_failed);
  // The connection is fine afterwards: the next append commits.
  auto next = append_alone("acct-2", {"a"});
  BOOST_REQUIRE(next);
  BOOST_CHECK_EQUAL(next->positions.front(), 5);
}

BOOST_AUTO_TEST_CASE(an_interrupted_write_past_the_deadline_rejects_that_append_alone) {
  // SQLite rolls the whole transaction back when it interrupts a write;
  // the store then commits the batch without that stream.
  if (sql == nullptr)
    return;
  MINK_REQUIRE_NO_ERROR(
    store->add_inline(std::make_shared<counting_projection>(table)));
  auto batch = batch_of({{"a"}, {"a", "endless_write"}, {"a", "b"}});
  auto res = store->append(std::move(batch));
  BOOST_REQUIRE(res[0]);
  MINK_CHECK_ERRC(res[1], errc::projection_failed);
  BOOST_REQUIRE(res[2]);
  BOOST_CHECK((res[0]->positions == std::vector<int64_t>{1}));
  BOOST_CHECK((res[2]->positions == std::vector<int64_t>{2, 3}));
  MINK_CHECK_ERRC(store->read_stream("acct-2", 1, 10), errc::stream_not_found);
  BOOST_CHECK((counts() == counts_t{{"acct-1", 1}, {"acct-3", 2}}));
}

BOOST_AUTO_TEST_SUITE_END()

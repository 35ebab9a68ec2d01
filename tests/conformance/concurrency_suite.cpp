// Conformance: many threads and handles at once. Optimistic concurrency
// yields exactly one winner per version and stream versions stay dense. (The
// positions suite checks global positions under concurrent writers.)

#include "fixture.hpp"
#include "threads.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

/// What one append attempt of a worker thread yielded.
struct attempt {
  int64_t expected = 0;
  errc code = errc::none;
  std::string error;
  int64_t version = 0;
  std::vector<int64_t> positions;
  std::string data;

  /// Takes the outcome of the append this attempt made.
  void take(const caf::expected<append_result>& res) {
    if (res) {
      version = res->version;
      positions = res->positions;
    } else {
      code = code_of(res.error());
      error = to_text(res.error());
    }
  }
};

/// Per thread, the outcome of each round: `ok`, or the error code and its
/// text.
using outcomes = std::vector<std::vector<std::string>>;

/// Returns `ok`, or the error code of `res` followed by its text.
template <class T>
std::string outcome_of(const caf::expected<T>& res) {
  return res ? std::string{"ok"}
             : std::string{to_string(code_of(res.error()))} + " ("
                 + to_text(res.error()) + ")";
}

/// Returns how many threads succeeded in round `r`; checks that every
/// other thread failed with `loser` and that each recorded every round.
size_t winners_of_round(const outcomes& codes, int rounds, int r,
                        const std::string& loser) {
  size_t ok = 0;
  for (size_t t = 0; t < codes.size(); ++t) {
    BOOST_REQUIRE_EQUAL(codes[t].size(), static_cast<size_t>(rounds));
    const auto& c = codes[t][static_cast<size_t>(r)];
    if (c == "ok")
      ++ok;
    else
      BOOST_TEST(c.rfind(loser, 0) == 0,
                 "round " << r << ", thread " << t << ": " << c);
  }
  return ok;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(concurrency_suite, store_fixture)

BOOST_AUTO_TEST_CASE(exact_version_race_has_one_winner_per_version) {
  constexpr int64_t target = 200;
  constexpr size_t num_threads = 8;
  constexpr size_t max_attempts = 20 * target;
  const std::string stream = "counter-1";
  std::vector<std::vector<attempt>> attempts(num_threads);
  std::vector<std::vector<std::string>> problems(num_threads);
  run_threads(num_threads, [&](event_store& st, size_t t) {
    for (size_t n = 0; n < max_attempts; ++n) {
      auto si = st.stream_info(stream);
      if (!si) {
        problems[t].push_back("stream_info: " + describe(si));
        if (problems[t].size() > 10)
          return;
        continue;
      }
      if (si->version >= target)
        return;
      attempt a;
      a.expected = si->version;
      a.data = R"({"thread":)" + std::to_string(t) + R"(,"version":)"
               + std::to_string(si->version + 1) + "}";
      a.take(st.append(stream, ev::exact(si->version),
                       {make_event("tick", a.data)}));
      attempts[t].push_back(std::move(a));
    }
    problems[t].push_back("gave up after " + std::to_string(max_attempts)
                          + " attempts");
  });
  std::vector<std::string> all_problems;
  std::map<int64_t, size_t> wins;
  std::map<int64_t, std::string> winner_data;
  std::vector<int64_t> positions;
  size_t conflicts = 0;
  for (size_t t = 0; t < num_threads; ++t) {
    for (auto& p : problems[t])
      all_problems.push_back("thread " + std::to_string(t) + ": " + p);
    for (auto& a : attempts[t]) {
      if (a.code == errc::none) {
        if (a.version != a.expected + 1 || a.positions.size() != 1)
          all_problems.push_back("append at " + std::to_string(a.expected)
                                 + " returned version "
                                 + std::to_string(a.version) + " with "
                                 + std::to_string(a.positions.size())
                                 + " positions");
        ++wins[a.expected + 1];
        winner_data[a.expected + 1] = a.data;
        positions.insert(positions.end(), a.positions.begin(),
                         a.positions.end());
      } else if (a.code == errc::wrong_expected_version) {
        ++conflicts;
      } else {
        all_problems.push_back("append at " + std::to_string(a.expected)
                               + " failed with " + a.error);
      }
    }
  }
  BOOST_TEST_MESSAGE(storage->name() << ": " << conflicts
                                     << " conflicts for " << target
                                     << " versions");
  BOOST_TEST(all_problems.empty(), all_problems.size()
                                     << " problems:" << first_of(all_problems));
  for (int64_t v = 1; v <= target; ++v)
    BOOST_TEST(wins[v] == 1u, "version " << v << " has " << wins[v]
                                         << " winners");
  BOOST_TEST(wins.size() == static_cast<size_t>(target));
  auto events = read_stream_all(stream);
  BOOST_TEST(versions_of(events) == iota_from_one(target),
             boost::test_tools::per_element());
  for (const auto& x : events)
    BOOST_TEST(x.data == winner_data[x.stream_version],
               "version " << x.stream_version << " holds " << x.data
                          << " but the winner wrote "
                          << winner_data[x.stream_version]);
  std::sort(positions.begin(), positions.end());
  BOOST_TEST(positions == iota_from_one(target),
             boost::test_tools::per_element());
  BOOST_TEST(positions_of(read_everything()) == iota_from_one(target),
             boost::test_tools::per_element());
  BOOST_TEST(last_position() == target);
  BOOST_TEST(info(stream).version == target);
}

BOOST_AUTO_TEST_CASE(stale_exact_version_fails_after_another_handle_wrote) {
  // This handle wrote the stream last, then another handle moved it on:
  // the versions this handle saw must not let a stale, too new or
  // "no stream" expected version through, nor leave a gap or a repeat.
  auto other = open_another();
  append_ok("order-1", make_events(2), ev::no_stream());
  MINK_REQUIRE_OK(other->append("order-1", ev::exact(2), make_events(1)));
  MINK_CHECK_ERRC(store->append("order-1", ev::exact(2), make_events(1)),
                  errc::wrong_expected_version);
  MINK_CHECK_ERRC(store->append("order-1", ev::exact(0), make_events(1)),
                  errc::wrong_expected_version);
  MINK_CHECK_ERRC(store->append("order-1", ev::exact(5), make_events(1)),
                  errc::wrong_expected_version);
  auto res = append_ok("order-1", make_events(1), ev::exact(3));
  BOOST_TEST(res.version == 4);
  // The same again after the other handle wrote twice in a row.
  MINK_REQUIRE_OK(other->append("order-1", ev::exact(4), make_events(1)));
  MINK_REQUIRE_OK(other->append("order-1", ev::exact(5), make_events(2)));
  MINK_CHECK_ERRC(store->append("order-1", ev::exact(4), make_events(1)),
                  errc::wrong_expected_version);
  BOOST_TEST(append_ok("order-1", make_events(1), ev::exact(7)).version == 8);
  BOOST_TEST(info("order-1").version == 8);
  BOOST_TEST(last_position() == 8);
}

BOOST_AUTO_TEST_CASE(no_stream_race_has_one_winner) {
  constexpr size_t num_threads = 8;
  constexpr int rounds = 10;
  // codes[t][r]: what thread t got in round r.
  outcomes codes(num_threads);
  run_threads(num_threads, [&](event_store& st, size_t t) {
    for (int r = 0; r < rounds; ++r) {
      codes[t].push_back(outcome_of(
        st.append("race-" + std::to_string(r), ev::no_stream(),
                  make_events(2))));
    }
  });
  for (int r = 0; r < rounds; ++r) {
    auto ok = winners_of_round(codes, rounds, r, "wrong_expected_version");
    BOOST_TEST(ok == 1u, "round " << r << " has " << ok << " winners");
    BOOST_TEST(info("race-" + std::to_string(r)).version == 2);
  }
  BOOST_TEST(last_position() == 2 * rounds);
  BOOST_TEST(positions_of(read_everything()) == iota_from_one(2 * rounds),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(any_appends_from_many_threads_all_succeed) {
  constexpr size_t num_threads = 4;
  constexpr int per_thread = 25;
  constexpr int64_t total = num_threads * per_thread * 2;
  const std::string stream = "log-1";
  std::vector<std::vector<attempt>> attempts(num_threads);
  run_threads(num_threads, [&](event_store& st, size_t t) {
    for (int i = 0; i < per_thread; ++i) {
      attempt a;
      a.take(st.append(stream, ev::any(), make_events(2)));
      attempts[t].push_back(std::move(a));
    }
  });
  std::vector<int64_t> positions;
  std::set<int64_t> versions;
  for (size_t t = 0; t < num_threads; ++t) {
    int64_t prev = 0;
    for (const auto& a : attempts[t]) {
      BOOST_CHECK_MESSAGE(a.code == errc::none,
                          "thread " << t << ": " << a.error);
      if (a.code != errc::none)
        continue;
      BOOST_TEST(a.version > prev, "thread " << t << " saw version "
                                             << a.version << " after "
                                             << prev);
      prev = a.version;
      BOOST_TEST(versions.insert(a.version).second,
                 "version " << a.version << " returned twice");
      BOOST_TEST(a.positions.size() == 2u);
      positions.insert(positions.end(), a.positions.begin(), a.positions.end());
    }
  }
  std::sort(positions.begin(), positions.end());
  BOOST_TEST(positions == iota_from_one(total),
             boost::test_tools::per_element());
  BOOST_TEST(info(stream).version == total);
  auto events = read_stream_all(stream);
  BOOST_TEST(versions_of(events) == iota_from_one(total),
             boost::test_tools::per_element());
  // One stream: version order and global order agree.
  BOOST_TEST(positions_of(events) == iota_from_one(total),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicate_id_race_has_one_winner) {
  constexpr size_t num_threads = 4;
  constexpr int rounds = 10;
  std::vector<std::string> ids;
  for (int r = 0; r < rounds; ++r)
    ids.push_back(make_uuid());
  outcomes codes(num_threads);
  run_threads(num_threads, [&](event_store& st, size_t t) {
    for (int r = 0; r < rounds; ++r) {
      auto stream = "dup-" + std::to_string(r) + "x" + std::to_string(t);
      codes[t].push_back(outcome_of(
        st.append(stream, ev::no_stream(),
                  {make_event_with_id(ids[static_cast<size_t>(r)])})));
    }
  });
  for (int r = 0; r < rounds; ++r) {
    auto ok = winners_of_round(codes, rounds, r, "duplicate_event_id");
    BOOST_TEST(ok == 1u, "id " << r << " was stored " << ok << " times");
  }
  BOOST_TEST(last_position() == rounds);
  BOOST_TEST(positions_of(read_everything()) == iota_from_one(rounds),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

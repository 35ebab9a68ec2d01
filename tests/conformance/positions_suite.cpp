// Conformance: global positions stay dense across handles (connections)
// writing at once, and a reader polling `read_all` never sees a gap: a reader
// that sees position p has seen every position below p.

#include "fixture.hpp"
#include "threads.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;
using std::chrono::steady_clock;

} // namespace

BOOST_FIXTURE_TEST_SUITE(positions_suite, store_fixture)

BOOST_AUTO_TEST_CASE(two_handles_keep_positions_dense_and_readers_see_no_gap) {
  constexpr int iterations = 120;
  constexpr auto reader_deadline = std::chrono::seconds{60};
  std::vector<std::unique_ptr<event_store>> writers;
  writers.push_back(open_another());
  writers.push_back(open_another());
  auto reader = open_another();
  // What the writers did.
  struct writer_log {
    std::vector<int64_t> positions;
    std::map<std::string, int64_t> appended; // events per stream
    std::vector<std::string> problems;
  };
  std::vector<writer_log> logs(writers.size());
  // What the reader saw.
  std::vector<std::string> reader_problems;
  int64_t reader_last = 0;
  size_t reader_count = 0;
  size_t reader_polls = 0;
  std::atomic<bool> writers_done{false};
  start_gate gate;
  std::vector<std::thread> threads;
  for (size_t w = 0; w < writers.size(); ++w) {
    threads.emplace_back([&, w] {
      auto& st = *writers[w];
      auto& log = logs[w];
      auto own = std::string{w == 0 ? "alpha" : "beta"} + "-";
      gate.wait();
      for (int i = 0; i < iterations; ++i) {
        std::vector<stream_append> batch;
        auto n = static_cast<size_t>(1 + i % 3);
        auto own_stream = own + std::to_string(i % 5);
        auto shared_stream = "shared-" + std::to_string(i % 2);
        switch (i % 4) {
          case 0:
            batch.push_back({own_stream, ev::any(), make_events(n)});
            break;
          case 1:
            batch.push_back({own_stream, ev::any(), make_events(n)});
            batch.push_back({shared_stream, ev::any(), make_events(1)});
            break;
          case 2:
            batch.push_back({shared_stream, ev::any(), make_events(n)});
            break;
          default:
            // A stream that is rejected between two that commit.
            batch.push_back({shared_stream, ev::any(), make_events(1)});
            batch.push_back({"shared-0", ev::no_stream(), make_events(1)});
            batch.push_back({own_stream, ev::any(), make_events(n)});
        }
        // "shared-0" exists from the start (see below), so no_stream fails.
        auto results = st.append(batch);
        if (results.size() != batch.size()) {
          log.problems.push_back("wrong number of results");
          continue;
        }
        for (size_t k = 0; k < batch.size(); ++k) {
          bool must_fail = batch[k].expected == ev::no_stream();
          const auto& res = results[k];
          if (must_fail) {
            if (res || code_of(res.error()) != errc::wrong_expected_version)
              log.problems.push_back("no_stream on shared-0: "
                                     + describe(res));
            continue;
          }
          if (!res) {
            log.problems.push_back(batch[k].stream_id + ": " + describe(res));
            continue;
          }
          if (res->positions.size() != batch[k].events.size())
            log.problems.push_back(batch[k].stream_id
                                   + ": wrong number of positions");
          log.positions.insert(log.positions.end(), res->positions.begin(),
                               res->positions.end());
          log.appended[batch[k].stream_id] += static_cast<int64_t>(
            batch[k].events.size());
        }
      }
    });
  }
  threads.emplace_back([&] {
    std::map<std::string, int64_t> stream_versions;
    auto deadline = steady_clock::now() + reader_deadline;
    gate.wait();
    while (reader_problems.size() < 10) {
      if (steady_clock::now() > deadline) {
        reader_problems.push_back("reader timed out at position "
                                  + std::to_string(reader_last));
        return;
      }
      ++reader_polls;
      auto page = reader->read_all(reader_last + 1, 64);
      if (!page) {
        reader_problems.push_back("read_all: " + describe(page));
        return;
      }
      if (page->empty()) {
        if (!writers_done.load()) {
          std::this_thread::sleep_for(std::chrono::milliseconds{1});
          continue;
        }
        auto lp = reader->last_position();
        if (!lp) {
          reader_problems.push_back("last_position: " + describe(lp));
          return;
        }
        if (*lp == reader_last)
          return;
        if (*lp < reader_last) {
          reader_problems.push_back("last_position " + std::to_string(*lp)
                                    + " is below the read position "
                                    + std::to_string(reader_last));
          return;
        }
        continue;
      }
      auto expected = reader_last + 1;
      for (const auto& x : *page) {
        if (x.global_position != expected)
          reader_problems.push_back("after position "
                                    + std::to_string(expected - 1)
                                    + " the reader got position "
                                    + std::to_string(x.global_position));
        expected = x.global_position + 1;
        auto& v = stream_versions[x.stream_id];
        if (x.stream_version != v + 1)
          reader_problems.push_back("stream " + x.stream_id + ": version "
                                    + std::to_string(x.stream_version)
                                    + " follows version " + std::to_string(v)
                                    + " in global order");
        v = x.stream_version;
        ++reader_count;
      }
      reader_last = page->back().global_position;
    }
  });
  // Make "shared-0" exist so that the no_stream appends above fail.
  auto seed = append_ok("shared-0", make_events(1), ev::no_stream());
  BOOST_REQUIRE(seed.positions == std::vector<int64_t>{1});
  gate.open();
  threads[0].join();
  threads[1].join();
  writers_done.store(true);
  threads[2].join();
  // Writers.
  std::vector<int64_t> positions{1};
  std::map<std::string, int64_t> appended{{"shared-0", 1}};
  for (size_t w = 0; w < logs.size(); ++w) {
    BOOST_TEST(logs[w].problems.empty(),
               "writer " << w << ": " << logs[w].problems.size()
                         << " problems:" << first_of(logs[w].problems));
    positions.insert(positions.end(), logs[w].positions.begin(),
                     logs[w].positions.end());
    for (const auto& [id, n] : logs[w].appended)
      appended[id] += n;
  }
  auto total = static_cast<int64_t>(positions.size());
  std::sort(positions.begin(), positions.end());
  BOOST_TEST(positions == iota_from_one(total),
             boost::test_tools::per_element());
  BOOST_TEST(last_position() == total);
  // The reader.
  BOOST_TEST_MESSAGE(storage->name() << ": reader polled " << reader_polls
                                     << " times");
  BOOST_TEST(reader_problems.empty(), reader_problems.size()
                                        << " reader problems:"
                                        << first_of(reader_problems));
  BOOST_TEST(reader_last == total);
  BOOST_TEST(reader_count == static_cast<size_t>(total));
  // Reading everything afterwards.
  auto everything = read_everything();
  BOOST_TEST(positions_of(everything) == iota_from_one(total),
             boost::test_tools::per_element());
  std::set<std::string> ids;
  for (const auto& x : everything)
    BOOST_TEST(ids.insert(x.event_id).second,
               "event id " << x.event_id << " occurs twice");
  // Every stream is dense and its versions follow global order.
  for (const auto& [id, n] : appended) {
    BOOST_TEST_CONTEXT("stream " << id) {
      auto events = read_stream_all(id);
      BOOST_TEST(versions_of(events) == iota_from_one(n),
                 boost::test_tools::per_element());
      auto ps = positions_of(events);
      BOOST_TEST(std::is_sorted(ps.begin(), ps.end()));
      BOOST_TEST(info(id).version == n);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Read models by event type: handlers get the decoded event and where it is
// stored; events without a handler are skipped without being decoded.

#include "mink/projection/read_model.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <vector>

#include "mink/errc.hpp"
#include "mink/serialization/declared_events.hpp"
#include "../support/error_text.hpp"

using namespace mink;

namespace tally {

struct added { int64_t n = 0; };
MINK_EVENT(added, "TallyAdded", n)
struct renamed { std::string name; };
MINK_EVENT(renamed, "TallyRenamed", name)

/// Sums what was added, per tally, in memory.
class sums : public async_read_model {
public:
  explicit sums(std::shared_ptr<const event_registry> reg)
    : async_read_model("sums", std::move(reg), "tally") {
    on<added>([this](const typed_event<added>& ev) -> caf::error {
      if (ev.data.n < 0)
        return make_error(errc::invalid_argument, "negative");
      seen.push_back(std::string{ev.id()} + "@" + std::to_string(ev.position())
                     + "/v" + std::to_string(ev.version()) + " "
                     + ev.meta().correlation_id);
      total += ev.data.n;
      return {};
    });
  }
  std::vector<std::string> seen;
  int64_t total = 0;
};

} // namespace tally

namespace {

recorded_event rec(std::string type, std::string data, int64_t position) {
  recorded_event r;
  r.stream_id = "tally-t" + std::to_string(position % 2);
  r.stream_version = position;
  r.global_position = position;
  r.type = std::move(type);
  r.data = std::move(data);
  r.meta.correlation_id = "c" + std::to_string(position);
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(read_models)

BOOST_AUTO_TEST_CASE(handlers_get_the_decoded_event_and_its_place) {
  auto reg = std::make_shared<event_registry>();
  BOOST_REQUIRE((!register_events<tally::added, tally::renamed>(*reg)));
  tally::sums model{reg};
  BOOST_TEST(model.filter().category == "tally");
  BOOST_TEST(model.filter().event_types
             == std::vector<std::string>{"TallyAdded"});
  // The rename has no handler: skipped, though its data is not even JSON.
  auto err = model.handle({rec("TallyAdded", R"({"n":2})", 1),
                           rec("TallyRenamed", "not json", 2),
                           rec("TallyAdded", R"({"n":5,"extra":true})", 3)});
  BOOST_REQUIRE_MESSAGE(!err, to_text(err));
  BOOST_TEST(model.total == 7);
  BOOST_TEST(model.seen
             == (std::vector<std::string>{"t1@1/v1 c1", "t1@3/v3 c3"}));
}

BOOST_AUTO_TEST_CASE(a_bad_event_or_a_failing_handler_is_an_error) {
  auto reg = std::make_shared<event_registry>();
  BOOST_REQUIRE((!register_events<tally::added, tally::renamed>(*reg)));
  tally::sums model{reg};
  auto bad = model.handle({rec("TallyAdded", R"({"m":1})", 1)});
  BOOST_TEST((bad == errc::decode_failed));
  BOOST_TEST(to_text(bad).find("TallyAdded: field 'n' is missing")
             != std::string::npos);
  BOOST_TEST((model.handle({rec("TallyAdded", R"({"n":-1})", 2)})
              == errc::invalid_argument));
}

BOOST_AUTO_TEST_SUITE_END()

// The ledger of the shared test domain (tests/support/test_ledger.hpp),
// which the benchmarks drive: its rule, its event codec and its snapshot
// codec, so that what the benchmarks measure is what they claim.

#include <boost/test/unit_test.hpp>

#include <string>

#include "../support/test_ledger.hpp"
#include "mink/aggregate.hpp"
#include "mink/errc.hpp"
#include "mink/testing/boost_test.hpp"
#include "mink/testing/given_when_then.hpp"

using namespace mink;
using namespace mink::test_domain;
using mink::testing::given_when_then;

namespace {

struct ledger_fixture {
  event_registry reg;

  ledger_fixture() { BOOST_REQUIRE(!register_ledger(reg)); }
};

using ledger = aggregate<ledger_decider>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(test_ledger, ledger_fixture)

BOOST_AUTO_TEST_CASE(a_note_is_noted_and_survives_its_codec) {
  std::string text(200, 'x');
  given_when_then<ledger> f{reg};
  MINK_CHECK_THAT(f.given({noted{"a"}}).when(note{text}).then_events(
    {noted{text}}));
}

BOOST_AUTO_TEST_CASE(an_empty_note_is_refused) {
  given_when_then<ledger> f{reg};
  MINK_CHECK_THAT(f.when(note{""}).then_error(
    make_error(errc::invalid_argument, "empty note")));
}

BOOST_AUTO_TEST_CASE(the_state_counts_lines_and_bytes_through_a_snapshot) {
  ledger_state st;
  ledger_decider::evolve(st, noted{"abc"});
  ledger_decider::evolve(st, noted{"de"});
  BOOST_TEST(st.lines == 2);
  BOOST_TEST(st.bytes == 5u);
  rapidjson::Document doc;
  ledger_decider::encode_state(st, doc);
  auto back = ledger_decider::decode_state(doc);
  BOOST_REQUIRE(static_cast<bool>(back));
  BOOST_TEST(back->lines == 2);
  BOOST_TEST(back->bytes == 5u);
  rapidjson::Document bad;
  bad.Parse(R"({"lines": "two"})");
  BOOST_TEST(!ledger_decider::decode_state(bad));
}

BOOST_AUTO_TEST_SUITE_END()

// The HTTP kit: errors to HTTP answers (mink's codes by their table, a
// service's business errors through its map, anything else 500) and the
// command id of a request.

#include <boost/test/unit_test.hpp>
#include <caf/sec.hpp>

#include "mink/errc.hpp"
#include "mink/http/command_meta.hpp"
#include "mink/http/error_mapping.hpp"
#include "mink/uuid.hpp"

using namespace mink;
using mink::http::http_error;

BOOST_AUTO_TEST_SUITE(error_mapping)

BOOST_AUTO_TEST_CASE(mink_codes_map_by_their_table) {
  auto map = [](errc code) {
    return http::to_http_error(make_error(code, "why"));
  };
  BOOST_TEST(map(errc::invalid_argument).status == 400);
  for (auto code : {errc::overloaded, errc::store_unavailable, errc::timeout,
                    errc::storage_failure}) {
    BOOST_TEST(map(code).status == 503);
    BOOST_TEST(map(code).code == to_string(code));
  }
  BOOST_TEST(map(errc::wrong_expected_version).status == 409);
  BOOST_TEST(map(errc::wrong_expected_version).code == "conflict");
  BOOST_TEST(map(errc::duplicate_command).status == 409);
  BOOST_TEST(map(errc::stream_not_found).status == 500);
  BOOST_TEST(map(errc::stream_not_found).code == "stream_not_found");
  BOOST_TEST(map(errc::invalid_argument).message.find("why")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(business_errors_go_through_the_service_map_first) {
  http::business_error_map business = [](const caf::error& err)
    -> std::optional<http_error> {
    if (code_of(err) == errc::invalid_argument)
      return http_error{422, "rule_broken", "a business rule"};
    return std::nullopt;
  };
  auto x = http::to_http_error(make_error(errc::invalid_argument, "x"),
                               business);
  BOOST_TEST(x.status == 422);
  BOOST_TEST(x.code == "rule_broken");
  // Not the map's: the table answers.
  BOOST_TEST(http::to_http_error(make_error(errc::timeout), business).status
             == 503);
  // Another category altogether.
  auto other = http::to_http_error(caf::make_error(caf::sec::unexpected_message));
  BOOST_TEST(other.status == 500);
  BOOST_TEST(other.code == "internal_error");
  BOOST_TEST(http::error_json(x, "c-1").find("\"correlation_id\":\"c-1\"")
             != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(command_meta)

BOOST_AUTO_TEST_CASE(the_idempotency_key_is_the_command_id_in_lower_case) {
  http::request req;
  req.correlation_id = "corr-1";
  req.headers.emplace_back("idempotency-key",
                           "6F9619FF-8B86-D011-B42D-00C04FC964FF");
  metadata meta;
  std::string id;
  BOOST_TEST(!http::command_meta(req, meta, id));
  BOOST_TEST(id == "6f9619ff-8b86-d011-b42d-00c04fc964ff");
  BOOST_TEST(meta.correlation_id == "corr-1");
}

BOOST_AUTO_TEST_CASE(no_key_gets_a_new_id_and_a_bad_key_is_refused) {
  http::request req;
  metadata meta;
  std::string first;
  std::string second;
  BOOST_TEST(!http::command_meta(req, meta, first));
  BOOST_TEST(!http::command_meta(req, meta, second));
  BOOST_TEST(is_uuid(first));
  BOOST_TEST(first != second);
  req.headers.emplace_back("idempotency-key", "not-a-uuid");
  auto refused = http::command_meta(req, meta, first);
  BOOST_REQUIRE(refused);
  BOOST_TEST(refused->status == 400);
  BOOST_TEST(refused->code == "invalid_header");
}

BOOST_AUTO_TEST_SUITE_END()

#include "mink/store/conninfo.hpp"

#include <boost/test/unit_test.hpp>

using mink::mask_password;

BOOST_AUTO_TEST_SUITE(conninfo)

BOOST_AUTO_TEST_CASE(keyword_form) {
  BOOST_CHECK_EQUAL(mask_password("host=h password=s3cr3t dbname=d"),
                    "host=h password=*** dbname=d");
  BOOST_CHECK_EQUAL(mask_password("host=h password=s3cr3t"),
                    "host=h password=***");
  BOOST_CHECK_EQUAL(mask_password("password=a host=h password=b"),
                    "password=*** host=h password=***");
}

BOOST_AUTO_TEST_CASE(keyword_form_quoted) {
  BOOST_CHECK_EQUAL(mask_password("host=h password = 'a b\\' c' user=u"),
                    "host=h password = *** user=u");
  BOOST_CHECK_EQUAL(mask_password("password='se cret'"), "password=***");
}

BOOST_AUTO_TEST_CASE(uri_form) {
  BOOST_CHECK_EQUAL(mask_password("postgresql://user:pass@host/db"),
                    "postgresql://user:***@host/db");
  BOOST_CHECK_EQUAL(mask_password("postgresql://u:pw@host:5432/db"),
                    "postgresql://u:***@host:5432/db");
  BOOST_CHECK_EQUAL(mask_password("postgresql://h/db?user=u&password=pw&x=1"),
                    "postgresql://h/db?user=u&password=***&x=1");
  BOOST_CHECK_EQUAL(mask_password("postgres://u@host:5432/db"),
                    "postgres://u@host:5432/db");
}

BOOST_AUTO_TEST_CASE(no_password) {
  BOOST_CHECK_EQUAL(mask_password("host=h user=u"), "host=h user=u");
  BOOST_CHECK_EQUAL(mask_password(""), "");
  BOOST_CHECK_EQUAL(mask_password("passwordless=x"), "passwordless=x");
}

BOOST_AUTO_TEST_SUITE_END()

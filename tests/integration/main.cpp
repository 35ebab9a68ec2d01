#define BOOST_TEST_MODULE mink integration tests
#include <boost/test/unit_test.hpp>

#define BOOST_TEST_MODULE mink actor tests
#include <boost/test/unit_test.hpp>

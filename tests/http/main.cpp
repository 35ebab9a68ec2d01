#define BOOST_TEST_MODULE mink HTTP server tests
#include <boost/test/unit_test.hpp>

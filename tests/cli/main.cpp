#define BOOST_TEST_MODULE mink cli tests
#include <boost/test/unit_test.hpp>

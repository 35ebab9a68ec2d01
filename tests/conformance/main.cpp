#define BOOST_TEST_MODULE mink store conformance
#include <boost/test/unit_test.hpp>

#define BOOST_TEST_MODULE mink reliability guarantees
#include <boost/test/unit_test.hpp>

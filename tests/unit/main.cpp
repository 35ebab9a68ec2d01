#define BOOST_TEST_MODULE mink unit tests
#include <boost/test/unit_test.hpp>

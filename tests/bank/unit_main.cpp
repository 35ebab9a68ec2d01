#define BOOST_TEST_MODULE bank unit tests
#include <boost/test/unit_test.hpp>

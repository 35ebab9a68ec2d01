#define BOOST_TEST_MODULE bank service tests on PostgreSQL
#include <boost/test/unit_test.hpp>

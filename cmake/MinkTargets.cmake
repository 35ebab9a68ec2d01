# One helper per kind of target. Every target gets the same warnings.

function(mink_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()

# mink_add_executable(<name> SOURCES <files>... [LIBS <targets>...])
# A program: an app, a benchmark or a test helper.
function(mink_add_executable name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE mink ${arg_LIBS} mink_allocator)
  mink_set_warnings(${name})
endfunction()

# mink_add_test(<name> SOURCES <files>... [LIBS <targets>...] [LABELS <l>...])
# A Boost.Test executable registered with CTest.
function(mink_add_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  mink_add_executable(${name} SOURCES ${arg_SOURCES}
    LIBS Boost::unit_test_framework ${arg_LIBS})
  target_compile_definitions(${name} PRIVATE BOOST_TEST_DYN_LINK)
  add_test(NAME ${name} COMMAND ${name} --log_level=test_suite --report_level=short)
  if(arg_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${arg_LABELS}")
  endif()
endfunction()

# One helper per kind of target. Every target gets the same warnings.

function(mink_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()

include(GNUInstallDirs)

# mink_add_library(<component> [SOURCES <files>...] [INCLUDE_DIR <dir>]
#                  [PUBLIC <targets>...] [PRIVATE <targets>...])
# One component of the installed package: target mink_<component>, known
# as mink::<component> in this build and to projects that find_package(mink).
# Without SOURCES the library is header-only (an INTERFACE library).
# INCLUDE_DIR (default: the current source directory) holds its headers,
# which are installed under include/ by the top-level CMakeLists.
function(mink_add_library component)
  cmake_parse_arguments(arg "" "INCLUDE_DIR" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  set(target mink_${component})
  if(NOT arg_INCLUDE_DIR)
    set(arg_INCLUDE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  if(arg_SOURCES)
    add_library(${target} ${arg_SOURCES})
    # Unity batches: for the one-off sanitizer and fuzz builds, which
    # compile every file once (an incremental build would recompile a
    # batch per change). The tests are never batched.
    if(MINK_UNITY_BUILD)
      set_target_properties(${target} PROPERTIES UNITY_BUILD ON
                                                 UNITY_BUILD_BATCH_SIZE 8)
    endif()
    # Position-independent, so that a user's shared library can link the
    # installed static archives too.
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    set(scope PUBLIC)
    target_link_libraries(${target} PRIVATE ${arg_PRIVATE})
    mink_set_warnings(${target})
  else()
    add_library(${target} INTERFACE)
    set(scope INTERFACE)
  endif()
  add_library(mink::${component} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${component})
  target_include_directories(${target} ${scope}
    "$<BUILD_INTERFACE:${arg_INCLUDE_DIR}>"
    "$<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated>"
    "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
  target_link_libraries(${target} ${scope} ${arg_PUBLIC})
  install(TARGETS ${target} EXPORT mink-targets
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}")
endfunction()

# mink_add_adapter(<name> SOURCES <files>... PUBLIC <targets>...)
# A store adapter (libmink/mink/adapters/<name>/): a component that also
# registers its URL schemes with mink::open_stores. Its <name>_adapter.cpp
# defines mink_<name>_adapter_anchor; every program that links the
# component is linked as if it called that function, so the registration
# in the same file is kept even from a static library.
function(mink_add_adapter name)
  mink_add_library(${name} ${ARGN} INCLUDE_DIR "${PROJECT_SOURCE_DIR}/libmink")
  target_link_options(mink_${name} INTERFACE
                      "LINKER:--undefined=mink_${name}_adapter_anchor")
  target_link_libraries(mink_stores INTERFACE mink_${name})
endfunction()

# mink_add_executable(<name> SOURCES <files>... [LIBS <targets>...])
# A program: an app, a benchmark or a test helper.
function(mink_add_executable name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE mink_stores ${arg_LIBS} mink_allocator)
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

# mink_add_script_test(<name> SCRIPT <file> [ARGS <args>...] [LABELS <l>...]
#                      [TIMEOUT <s>] [REQUIRES <target>...])
# A test written as a Python script run by Debian's python3 (it drives
# programs as a user would, e.g. through a headless browser); not added
# when a target it REQUIRES is not built.
function(mink_add_script_test name)
  cmake_parse_arguments(arg "" "SCRIPT;TIMEOUT" "ARGS;LABELS;REQUIRES" ${ARGN})
  foreach(target IN LISTS arg_REQUIRES)
    if(NOT TARGET ${target})
      return()
    endif()
  endforeach()
  add_test(NAME ${name} COMMAND /usr/bin/python3 "${arg_SCRIPT}" ${arg_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "${arg_LABELS}")
  if(arg_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${arg_TIMEOUT})
  endif()
endfunction()

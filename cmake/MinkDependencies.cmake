# Imported targets for everything mink's build uses: the library's
# dependencies (MinkFindDependencies, installed with the package) and what
# only the programs and tests need.

include(MinkFindDependencies)
mink_find_dependencies(${mink_components})

# What mink's programs, tests and benchmarks need beyond the libraries; a
# build of the libraries alone (a subproject, or for `cmake --install`)
# needs none of it.
if(MINK_BUILD_APPS OR MINK_BUILD_TESTS OR MINK_BUILD_BENCHMARKS OR MINK_FUZZ)
  # The tests' Boost.Test.
  find_package(Boost REQUIRED COMPONENTS unit_test_framework)

  # CLI11 (header-only): argument parsing of the programs.
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp)
  if(NOT CLI11_INCLUDE_DIR)
    message(FATAL_ERROR "CLI11 not found: install libcli11-dev (see scripts/setup.sh)")
  endif()
  add_library(CLI11::CLI11 INTERFACE IMPORTED GLOBAL)
  set_target_properties(CLI11::CLI11 PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${CLI11_INCLUDE_DIR}")

  # cpp-httplib (libcpp-httplib-dev): the HTTP server of the reference service.
  # Debian ships it split: httplib.h plus the compiled libcpp-httplib, built
  # with OpenSSL, zlib and Brotli support. Its users must see the same
  # definitions (they change the library's classes).
  mink_import_library(httplib::httplib HEADER httplib.h LIBRARY cpp-httplib
                      DEPS Threads::Threads)
  set_property(TARGET httplib::httplib PROPERTY INTERFACE_COMPILE_DEFINITIONS
    CPPHTTPLIB_OPENSSL_SUPPORT CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)

  # jemalloc (libjemalloc-dev): the allocator of mink's programs unless
  # MINK_ALLOCATOR is "system". Linked whether or not a program calls into it
  # (--no-as-needed), so that its malloc replaces glibc's for the whole
  # process, CAF and libpq included.
  if(MINK_ALLOCATOR STREQUAL "jemalloc")
    find_library(JEMALLOC_LIBRARY jemalloc)
    if(NOT JEMALLOC_LIBRARY)
      message(FATAL_ERROR "jemalloc not found: install libjemalloc-dev (see "
                          "scripts/setup.sh) or configure -DMINK_ALLOCATOR=system")
    endif()
    add_library(mink_allocator INTERFACE)
    target_link_libraries(mink_allocator INTERFACE
      "-Wl,--push-state,--no-as-needed" "${JEMALLOC_LIBRARY}" "-Wl,--pop-state")
  elseif(MINK_ALLOCATOR STREQUAL "system")
    add_library(mink_allocator INTERFACE)
  else()
    message(FATAL_ERROR "MINK_ALLOCATOR must be jemalloc or system, not "
                        "'${MINK_ALLOCATOR}'")
  endif()
endif()

# Imported targets for the dependencies that ship no CMake config of their own
# (CAF 0.17 and SOCI 4.0 on Debian 12), plus the ones that do.

include(FindPackageHandleStandardArgs)

# mink_import_library(<target> HEADER <file> LIBRARY <name> [DEPS <targets>...])
# Finds one header and one shared library and wraps them in an imported target.
function(mink_import_library target)
  cmake_parse_arguments(arg "" "HEADER;LIBRARY" "DEPS" ${ARGN})
  string(MAKE_C_IDENTIFIER "${target}" var)
  find_path(${var}_INCLUDE_DIR ${arg_HEADER})
  find_library(${var}_LIBRARY ${arg_LIBRARY})
  find_package_handle_standard_args(${var}
    REQUIRED_VARS ${var}_LIBRARY ${var}_INCLUDE_DIR)
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "${target} not found: install it (see scripts/setup.sh)")
  endif()
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${${var}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${var}_INCLUDE_DIR}")
  if(arg_DEPS)
    set_property(TARGET ${target} PROPERTY INTERFACE_LINK_LIBRARIES ${arg_DEPS})
  endif()
endfunction()

find_package(Threads REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(RapidJSON REQUIRED)
find_package(Boost REQUIRED COMPONENTS unit_test_framework)
find_package(spdlog REQUIRED)

mink_import_library(CAF::core HEADER caf/all.hpp LIBRARY caf_core
                    DEPS Threads::Threads)
mink_import_library(CAF::io HEADER caf/io/all.hpp LIBRARY caf_io DEPS CAF::core)
mink_import_library(SOCI::core HEADER soci/soci.h LIBRARY soci_core
                    DEPS ${CMAKE_DL_LIBS})
mink_import_library(SOCI::postgresql HEADER soci/postgresql/soci-postgresql.h
                    LIBRARY soci_postgresql DEPS SOCI::core PostgreSQL::PostgreSQL)
mink_import_library(SOCI::sqlite3 HEADER soci/sqlite3/soci-sqlite3.h
                    LIBRARY soci_sqlite3 DEPS SOCI::core SQLite::SQLite3)

add_library(RapidJSON::rapidjson INTERFACE IMPORTED GLOBAL)
set_target_properties(RapidJSON::rapidjson PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIRS}")

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

# What each component of mink needs from the system, as imported targets.
# mink's own build asks for every component; the installed minkConfig.cmake
# asks only for the components a project names (and those they need), so a
# program that uses only SQLite finds neither libpq nor SOCI's PostgreSQL
# backend. CAF 0.17 and SOCI 4.0 ship no CMake config on Debian 12, hence
# mink_import_library.

include(FindPackageHandleStandardArgs)

# mink_import_library(<target> HEADER <file> LIBRARY <name> [DEPS <targets>...])
# Finds one header and one shared library and wraps them in an imported target.
function(mink_import_library target)
  cmake_parse_arguments(arg "" "HEADER;LIBRARY" "DEPS" ${ARGN})
  if(TARGET ${target})
    return()
  endif()
  string(MAKE_C_IDENTIFIER "${target}" var)
  find_path(${var}_INCLUDE_DIR ${arg_HEADER})
  find_library(${var}_LIBRARY ${arg_LIBRARY})
  # NAME_MISMATCHED (CMake 3.17+): called from mink's package file, not
  # from a Find<var>.cmake; without it CMake warns users of the package.
  set(mismatched)
  if(NOT CMAKE_VERSION VERSION_LESS 3.17)
    set(mismatched NAME_MISMATCHED)
  endif()
  find_package_handle_standard_args(${var}
    REQUIRED_VARS ${var}_LIBRARY ${var}_INCLUDE_DIR ${mismatched})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "mink: ${target} not found (${arg_HEADER}, "
                        "lib${arg_LIBRARY}): install its Debian -dev package")
  endif()
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${${var}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${var}_INCLUDE_DIR}")
  if(arg_DEPS)
    set_property(TARGET ${target} PROPERTY INTERFACE_LINK_LIBRARIES ${arg_DEPS})
  endif()
endfunction()

# The components and the components each one builds on.
set(mink_components core sql sqlite postgres actors http service bench testing)
set(mink_component_needs_core "")
set(mink_component_needs_sql core)
set(mink_component_needs_sqlite sql)
set(mink_component_needs_postgres sql)
set(mink_component_needs_actors sql)
set(mink_component_needs_http core)
set(mink_component_needs_service actors http)
set(mink_component_needs_bench actors)
set(mink_component_needs_testing core)

# mink_component_closure(<out-var> <components>...)
# The components named and every component they build on.
function(mink_component_closure out)
  set(todo ${ARGN})
  set(seen "")
  while(todo)
    list(POP_FRONT todo c)
    if(NOT c IN_LIST mink_components)
      message(FATAL_ERROR "mink has no component '${c}'; it has: "
                          "${mink_components}")
    endif()
    if(NOT c IN_LIST seen)
      list(APPEND seen ${c})
      list(APPEND todo ${mink_component_needs_${c}})
    endif()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

# mink_find_dependencies(<components>...)
# Creates the imported targets the given components (closed over what they
# build on) link.
macro(mink_find_dependencies)
  mink_component_closure(mink_needed ${ARGN})
  if(core IN_LIST mink_needed)
    find_package(Threads REQUIRED)
    find_package(RapidJSON REQUIRED)
    find_package(spdlog REQUIRED)
    mink_import_library(CAF::core HEADER caf/all.hpp LIBRARY caf_core
                        DEPS Threads::Threads)
    if(NOT TARGET RapidJSON::rapidjson)
      add_library(RapidJSON::rapidjson INTERFACE IMPORTED GLOBAL)
      set_target_properties(RapidJSON::rapidjson PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIRS}")
    endif()
  endif()
  if(sql IN_LIST mink_needed)
    mink_import_library(SOCI::core HEADER soci/soci.h LIBRARY soci_core
                        DEPS ${CMAKE_DL_LIBS})
  endif()
  if(sqlite IN_LIST mink_needed)
    find_package(SQLite3 REQUIRED)
    mink_import_library(SOCI::sqlite3 HEADER soci/sqlite3/soci-sqlite3.h
                        LIBRARY soci_sqlite3 DEPS SOCI::core SQLite::SQLite3)
  endif()
  if(postgres IN_LIST mink_needed)
    find_package(PostgreSQL REQUIRED)
    mink_import_library(SOCI::postgresql
                        HEADER soci/postgresql/soci-postgresql.h
                        LIBRARY soci_postgresql
                        DEPS SOCI::core PostgreSQL::PostgreSQL)
  endif()
  if(actors IN_LIST mink_needed)
    # CAF's network layer: commands forwarded between the nodes of a
    # cluster.
    mink_import_library(CAF::io HEADER caf/io/all.hpp LIBRARY caf_io
                        DEPS CAF::core)
  endif()
  if(service IN_LIST mink_needed)
    # prometheus-cpp-dev; its config also looks for the pull and push
    # parts' libraries (civetweb, curl), which that package brings.
    find_package(prometheus-cpp CONFIG REQUIRED)
  endif()
  if(http IN_LIST mink_needed)
    find_package(Boost REQUIRED)
    find_package(OpenSSL REQUIRED)
  endif()
endmacro()

# `cpack -G DEB` (in the build directory): the libmink-dev package, i.e.
# what `cmake --install` puts in place, depending on the Debian packages
# that mink's components need to build and link a program.
set(CPACK_PACKAGE_NAME "libmink-dev")
set(CPACK_PACKAGE_VENDOR "mink")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "mink: actor-based event sourcing and CQRS in C++ (development files)")
set(CPACK_PACKAGE_CONTACT "mink developers <mink@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libcaf-dev (>= 0.17), libcaf-dev (<< 0.18), rapidjson-dev, libspdlog-dev, libsoci-dev (>= 4.0), libsoci-sqlite3-4.0, libsoci-postgresql4.0, libsqlite3-dev, libpq-dev, libboost-dev (>= 1.74), libssl-dev, prometheus-cpp-dev (>= 1.0), cmake (>= 3.16)")
set(CPACK_GENERATOR DEB)
include(CPack)

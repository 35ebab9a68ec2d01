# MINK_SANITIZE and MINK_FUZZ: compiler and linker flags for every target
# (mink's own code; Debian's libraries stay as they are built). Included
# before the dependencies, because a sanitizer forces the system allocator:
# jemalloc replaces malloc, and the sanitizers must intercept it.

set(mink_known_sanitizers address undefined leak thread)

if(NOT MINK_SANITIZE STREQUAL "")
  string(REPLACE "," ";" mink_sanitizers "${MINK_SANITIZE}")
  foreach(s IN LISTS mink_sanitizers)
    if(NOT s IN_LIST mink_known_sanitizers)
      message(FATAL_ERROR "MINK_SANITIZE: unknown sanitizer '${s}' in "
        "'${MINK_SANITIZE}'; use a comma list of: address, undefined, leak, "
        "thread (e.g. address,undefined or thread)")
    endif()
  endforeach()
  if("thread" IN_LIST mink_sanitizers AND
     ("address" IN_LIST mink_sanitizers OR "leak" IN_LIST mink_sanitizers))
    message(FATAL_ERROR "MINK_SANITIZE: thread cannot be combined with "
                        "address or leak ('${MINK_SANITIZE}')")
  endif()
  if(NOT MINK_ALLOCATOR STREQUAL "system")
    message(STATUS "MINK_SANITIZE=${MINK_SANITIZE}: using the system allocator "
                   "(jemalloc and the sanitizers do not mix)")
    set(MINK_ALLOCATOR "system" CACHE STRING
        "Allocator of mink's programs: jemalloc or system" FORCE)
  endif()
  string(REPLACE ";" "," mink_sanitize_flag "${mink_sanitizers}")
  add_compile_options(-fsanitize=${mink_sanitize_flag} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${mink_sanitize_flag})
  if("undefined" IN_LIST mink_sanitizers)
    # A finding fails the program instead of printing and going on. Two
    # checks stay recoverable, so that tests/sanitizers/ubsan.supp can
    # suppress their reports inside Debian's RapidJSON and CAF headers
    # (UBSan cannot suppress an unrecoverable check);
    # UBSAN_OPTIONS=halt_on_error=1, which the scripts set, makes their
    # other reports fatal as well.
    #
    # No vptr check: it needs the type_info of every polymorphic class
    # whose objects it sees, and Debian's SOCI does not export some (e.g.
    # soci::details::ref_counted_statement), so the tests would not link.
    add_compile_options(-fno-sanitize-recover=undefined
                        -fsanitize-recover=pointer-overflow,null
                        -fno-sanitize=vptr)
    add_link_options(-fno-sanitize=vptr)
  endif()
endif()

if(MINK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MINK_FUZZ needs clang (libFuzzer), not "
      "${CMAKE_CXX_COMPILER_ID}: configure with -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  # Coverage instrumentation for everything; only the fuzzers link the
  # libFuzzer driver (mink_add_fuzzer).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

set(MINK_FUZZ_SECONDS 30 CACHE STRING
    "How long CTest runs each fuzz target (mink_add_fuzzer)")

# mink_add_fuzzer(<name> SOURCES <files>... [LIBS <targets>...]
#                 [CORPUS <dir>] [SECONDS <n>])
# A libFuzzer target (defines LLVMFuzzerTestOneInput), built only with
# MINK_FUZZ=ON. It is registered with CTest as fuzz_<name> (label "fuzz"):
# a run of SECONDS (default MINK_FUZZ_SECONDS, 30) that starts from the seed corpus CORPUS
# (default: tests/fuzz/corpus/<name>) and writes the inputs it finds to a
# directory of the build tree, never to the seeds.
function(mink_add_fuzzer name)
  cmake_parse_arguments(arg "" "CORPUS;SECONDS" "SOURCES;LIBS" ${ARGN})
  if(NOT MINK_FUZZ)
    return()
  endif()
  if(NOT arg_CORPUS)
    set(arg_CORPUS "${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name}")
  endif()
  if(NOT arg_SECONDS)
    set(arg_SECONDS ${MINK_FUZZ_SECONDS})
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE mink_stores ${arg_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  mink_set_warnings(${name})
  set(work "${CMAKE_CURRENT_BINARY_DIR}/${name}-work")
  add_test(NAME fuzz_${name}
    COMMAND bash -c "mkdir -p '${work}/corpus' '${work}/artifacts' && exec \"$0\" \"$@\""
      $<TARGET_FILE:${name}> -max_total_time=${arg_SECONDS} -timeout=10
      -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix=${work}/artifacts/
      ${work}/corpus ${arg_CORPUS})
  # A sanitizer report fails the run; RapidJSON's known report is
  # suppressed (tests/sanitizers/ubsan.supp says why).
  set_tests_properties(fuzz_${name} PROPERTIES LABELS fuzz TIMEOUT 600
    ENVIRONMENT "ASAN_OPTIONS=halt_on_error=1:detect_leaks=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/ubsan.supp")
endfunction()

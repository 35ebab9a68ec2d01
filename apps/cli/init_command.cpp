// mink init DIR: writes a new CMake project that builds against the
// installed mink package: one aggregate, one SQL read model, a program that
// runs them on SQLite, and a test of both.

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace mink::cli {

namespace {

std::string dir_arg;

constexpr const char* cmake_file = R"tmpl(cmake_minimum_required(VERSION 3.16)
project(@NAME@ LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)

find_package(mink CONFIG REQUIRED COMPONENTS actors sqlite testing)
find_package(Boost REQUIRED COMPONENTS unit_test_framework)

add_executable(@NAME@ src/main.cpp)
target_include_directories(@NAME@ PRIVATE src)
target_link_libraries(@NAME@ PRIVATE mink::actors mink::sqlite)

enable_testing()
add_executable(@NAME@_tests tests/tally_test.cpp)
target_include_directories(@NAME@_tests PRIVATE src)
target_link_libraries(@NAME@_tests PRIVATE mink::testing mink::sqlite
                      Boost::unit_test_framework)
add_test(NAME @NAME@_tests COMMAND @NAME@_tests)
)tmpl";

constexpr const char* domain_file = R"tmpl(#pragma once

// The tally: numbers added up, never below zero. Its read model keeps the
// total of every tally in the table `totals`.

#include <string>
#include <variant>
#include <vector>

#include <soci/soci.h>

#include "mink/aggregate.hpp"
#include "mink/errc.hpp"
#include "mink/projection/read_model.hpp"
#include "mink/serialization/describe.hpp"

namespace @NAME@ {

struct added { int64_t amount = 0; };
MINK_EVENT(added, "Added", amount)

struct add { int64_t amount = 0; };
MINK_COMMAND(add, amount)

struct tally_state { int64_t total = 0; };
MINK_FIELDS(tally_state, total)

struct tally {
  using state_type = tally_state;
  using event_type = std::variant<added>;
  using command_type = std::variant<add>;
  static constexpr const char* category = "tally";
  static constexpr const char* state_type_name = "@NAME@.tally";

  static caf::expected<std::vector<event_type>>
  decide(const tally_state& st, const command_type& cmd) {
    auto amount = std::get<add>(cmd).amount;
    if (st.total + amount < 0)
      return mink::make_error(mink::errc::invalid_argument,
                              "the total would fall below zero");
    return std::vector<event_type>{added{amount}};
  }

  static void evolve(tally_state& st, const event_type& ev) {
    st.total += std::get<added>(ev).amount;
  }
};

/// `totals (id, total)`.
class totals : public mink::sql_read_model {
public:
  explicit totals(std::shared_ptr<const mink::event_registry> reg)
    : sql_read_model("totals", std::move(reg), tally::category) {
    table("totals", "id text PRIMARY KEY, total bigint NOT NULL");
    on<added>([](soci::session& sql, const mink::typed_event<added>& ev) {
      std::string id{ev.id()};
      long long amount = ev.data.amount;
      sql << "INSERT INTO totals (id, total) VALUES (:i, :a) ON CONFLICT (id) "
             "DO UPDATE SET total = totals.total + excluded.total",
        soci::use(id), soci::use(amount);
    });
  }
};

} // namespace @NAME@
)tmpl";

constexpr const char* main_file = R"tmpl(// Runs the tally on a store URL (default: SQLite under ./data).

#include <cstdio>

#include "mink/actors/runtime.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/uuid.hpp"
#include "tally.hpp"

int main(int argc, char** argv) {
  auto registry = std::make_shared<mink::event_registry>();
  auto where = mink::parse_store_url(argc > 1 ? argv[1]
                                              : "sqlite:./data/@NAME@.db");
  if (!where || mink::register_events<@NAME@::tally::event_type>(*registry))
    return std::puts("bad store URL"), 2;
  mink::runtime_config cfg;
  cfg.store = *where;
  auto rt = mink::runtime::start(std::move(cfg), registry);
  if (!rt || !(*rt)->add_aggregate<@NAME@::tally>()
      || (*rt)->start_commands({})
      || (*rt)->projections().add(std::make_shared<@NAME@::totals>(registry)))
    return std::puts("cannot start"), 1;
  auto id = mink::make_uuid();
  int64_t position = 0;
  for (int64_t x : {2, 3}) {
    auto res = (*rt)->commands()->send_wait(
      mink::make_command<@NAME@::tally>(id, @NAME@::add{x}, mink::make_uuid()));
    if (!res)
      return std::puts(mink::to_text(res.error()).c_str()), 1;
    position = res->position;
  }
  if ((*rt)->projections().wait_for("totals", position, std::chrono::seconds{10}))
    return std::puts("the read model did not catch up"), 1;
  long long total = 0;
  auto err = (*rt)->stores().sql->run([&](soci::session& sql) -> caf::error {
    sql << "SELECT total FROM totals WHERE id = :i", soci::use(id),
      soci::into(total);
    return {};
  });
  std::printf("tally %s: total %lld\n", id.c_str(), total);
  return err || total != 5;
}
)tmpl";

constexpr const char* test_file = R"tmpl(#define BOOST_TEST_MODULE @NAME@
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "mink/serialization/declared_events.hpp"
#include "mink/testing/boost_test.hpp"
#include "mink/testing/given_when_then.hpp"
#include "mink/testing/read_model_scenario.hpp"
#include "tally.hpp"

using namespace @NAME@;

struct fixture {
  std::shared_ptr<mink::event_registry> registry
    = std::make_shared<mink::event_registry>();
  fixture() {
    BOOST_REQUIRE(!mink::register_events<tally::event_type>(*registry));
  }
};

BOOST_FIXTURE_TEST_CASE(adding_adds, fixture) {
  mink::testing::given_when_then<mink::aggregate<tally>> gwt{*registry};
  MINK_CHECK_THAT(gwt.given({added{5}}).when(add{-2}).then_events({added{-2}}));
}

BOOST_FIXTURE_TEST_CASE(the_total_never_falls_below_zero, fixture) {
  mink::testing::given_when_then<mink::aggregate<tally>> gwt{*registry};
  MINK_CHECK_THAT(gwt.given({added{5}}).when(add{-6}).then_error(
    mink::make_error(mink::errc::invalid_argument)));
}

BOOST_FIXTURE_TEST_CASE(the_read_model_keeps_totals, fixture) {
  mink::testing::read_model_scenario sc{std::make_shared<totals>(registry),
                                        registry};
  BOOST_REQUIRE(!sc.given("tally-a", added{2}));
  BOOST_REQUIRE(!sc.given("tally-b", added{7}));
  BOOST_REQUIRE(!sc.given("tally-a", added{3}));
  BOOST_TEST(sc.rows("SELECT id, total FROM totals ORDER BY id")
             == (mink::testing::table_rows{{"a", "5"}, {"b", "7"}}));
}
)tmpl";

constexpr const char* readme_file = R"tmpl(# @NAME@

A service on mink, made by `mink init`: the aggregate `tally` and its read
model `totals` in `src/tally.hpp`, a program that runs them, and tests.

    cmake -S . -B build -DCMAKE_PREFIX_PATH=/where/mink/is/installed
    cmake --build build -j2
    (cd build && ctest --output-on-failure)
    ./build/@NAME@                      # on SQLite under ./data
)tmpl";

/// The project name: the directory's name with anything but letters,
/// digits and `_` turned into `_`, starting with a letter.
std::string project_name(const std::filesystem::path& dir) {
  std::string out;
  for (unsigned char c : dir.filename().string())
    out += std::isalnum(c) && c < 0x80 ? static_cast<char>(std::tolower(c)) : '_';
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0])))
    out = "app_" + out;
  return out;
}

std::string fill(std::string text, const std::string& name) {
  for (auto i = text.find("@NAME@"); i != std::string::npos;
       i = text.find("@NAME@", i + name.size()))
    text.replace(i, 6, name);
  return text;
}

void write(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out{file};
  out << text;
  if (!out)
    fail("cannot write " + file.string(), exit_failure);
}

void run_init() {
  std::filesystem::path dir = dir_arg;
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)
      && !std::filesystem::is_empty(dir, ec))
    fail(dir.string() + " exists and is not empty", exit_usage);
  auto name = project_name(std::filesystem::absolute(dir).lexically_normal());
  write(dir / "CMakeLists.txt", fill(cmake_file, name));
  write(dir / "src" / "tally.hpp", fill(domain_file, name));
  write(dir / "src" / "main.cpp", fill(main_file, name));
  write(dir / "tests" / "tally_test.cpp", fill(test_file, name));
  write(dir / "README.md", fill(readme_file, name));
  std::cout << "wrote project " << name << " to " << dir.string()
            << "\nnext: cmake -S " << dir.string() << " -B "
            << (dir / "build").string()
            << " -DCMAKE_PREFIX_PATH=<where mink is installed>\n";
}

} // namespace

void add_init(CLI::App& app, context&) {
  auto* cmd = app.add_subcommand(
    "init", "Write a new CMake project built on the installed mink: one "
            "aggregate, one read model, a program and its tests");
  cmd->add_option("dir", dir_arg, "The project's directory (new or empty)")
    ->required();
  cmd->callback(run_init);
}

} // namespace mink::cli

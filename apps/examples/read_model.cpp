// A SQL read model with read-your-writes: page visits counted per page in a
// table that commits with its checkpoint (exactly once). After each
// command, the query waits until the read model has the command's events.

#include <cstdio>
#include <string>
#include <variant>

#include <soci/soci.h>

#include "mink/actors/runtime.hpp"
#include "mink/projection/read_model.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/uuid.hpp"

namespace demo {

struct visited { std::string from; };
MINK_EVENT(visited, "Visited", from)

struct visit { std::string from; };
MINK_COMMAND(visit, from)

struct no_state {};

struct page {
  using state_type = no_state;
  using event_type = std::variant<visited>;
  using command_type = std::variant<visit>;
  static constexpr const char* category = "page";
  static caf::expected<std::vector<event_type>> decide(const no_state&,
                                                       const command_type& c) {
    return std::vector<event_type>{visited{std::get<visit>(c).from}};
  }
  static void evolve(no_state&, const event_type&) {}
};

class page_visits : public mink::sql_read_model {
public:
  explicit page_visits(std::shared_ptr<const mink::event_registry> reg)
    : sql_read_model("page_visits", std::move(reg), page::category) {
    table("page_visits",
          "page text PRIMARY KEY, visits bigint NOT NULL, last_from text NOT NULL");
    on<visited>([](soci::session& sql, const mink::typed_event<visited>& ev) {
      std::string id{ev.id()};
      sql << "INSERT INTO page_visits (page, visits, last_from) VALUES (:p, 1, "
             ":f) ON CONFLICT (page) DO UPDATE SET visits = visits + 1, "
             "last_from = excluded.last_from",
        soci::use(id), soci::use(ev.data.from);
    });
  }
};

} // namespace demo

int main(int argc, char** argv) {
  auto registry = std::make_shared<mink::event_registry>();
  auto where = mink::parse_store_url(
    argc > 1 ? argv[1] : "sqlite:./data/example-read-model.db");
  if (mink::register_events<demo::visited>(*registry) || !where)
    return std::puts("bad setup"), 1;
  mink::runtime_config cfg;
  cfg.store = *where;
  auto rt = mink::runtime::start(std::move(cfg), registry);
  if (!rt || !(*rt)->add_aggregate<demo::page>() || (*rt)->start_commands({})
      || (*rt)->projections().add(std::make_shared<demo::page_visits>(registry)))
    return std::puts("cannot start (a SQL store is needed)"), 1;
  auto page = "home-" + mink::make_uuid().substr(24);
  bool ok = true;
  for (int i = 1; i <= 3; ++i) {
    auto from = "ref" + std::to_string(i);
    auto res = (*rt)->commands()->send_wait(mink::make_command<demo::page>(
      page, demo::visit{from}, mink::make_uuid()));
    // Read your write: wait until the read model holds the command's event.
    if (!res || (*rt)->projections().wait_for("page_visits", res->position,
                                               std::chrono::seconds{10}))
      return std::puts("command or wait failed"), 1;
    long long visits = 0;
    std::string last;
    auto err = (*rt)->stores().sql->run([&](soci::session& sql) -> caf::error {
      sql << "SELECT visits, last_from FROM page_visits WHERE page = :p",
        soci::use(page), soci::into(visits), soci::into(last);
      return {};
    });
    std::printf("visit %d at position %lld: %lld visits, last from %s\n", i,
                static_cast<long long>(res->position), visits, last.c_str());
    ok = ok && !err && visits == i && last == from;
  }
  std::puts(ok ? "as expected" : "UNEXPECTED");
  return ok ? 0 : 1;
}

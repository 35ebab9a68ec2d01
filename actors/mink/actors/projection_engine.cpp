#include "mink/actors/projection_engine.hpp"

#include <unistd.h>

#include <thread>
#include <utility>

#include <caf/all.hpp>

#include "mink/actors/read_waits.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

std::string default_runner_id() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0)
    host[0] = '\0';
  return std::to_string(getpid()) + "@" + host;
}

} // namespace

projection_engine::projection_engine(caf::actor_system& sys,
                                     std::shared_ptr<event_store> store,
                                     std::shared_ptr<checkpoint_store> checkpoints,
                                     feed_actor feed, runner_config cfg)
  : sys_(sys),
    store_(std::move(store)),
    checkpoints_(std::move(checkpoints)),
    feed_(std::move(feed)),
    cfg_(std::move(cfg)) {
  if (cfg_.runner_id.empty())
    cfg_.runner_id = default_runner_id();
  waits_ = detail::spawn_read_waits(sys_, checkpoints_);
}

projection_engine::~projection_engine() {
  stop();
}

caf::error projection_engine::add(std::shared_ptr<async_projection> p) {
  if (!p)
    return make_error(errc::invalid_argument, "projection is null");
  auto name = p->name();
  return start(make_target(std::move(p), checkpoints_), name);
}

caf::error projection_engine::add(std::shared_ptr<sql_projection> p) {
  if (!p)
    return make_error(errc::invalid_argument, "projection is null");
  auto sql = std::dynamic_pointer_cast<sql_checkpoint_store>(checkpoints_);
  if (!sql)
    return make_error(errc::invalid_argument,
                      "SQL projection " + p->name()
                        + " needs a SQL checkpoint store (SQLite or "
                          "PostgreSQL), in the database of its read model");
  auto name = p->name();
  return start(make_target(std::move(p), std::move(sql)), name);
}

caf::error projection_engine::start(std::unique_ptr<projection_target> target,
                                    const std::string& name) {
  if (auto problem = projection_name_problem(name); !problem.empty())
    return make_error(errc::invalid_argument, problem);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (statuses_.count(name) != 0)
      return make_error(errc::invalid_argument,
                        "a projection named " + name + " already runs here");
  }
  // The read model's schema exists before add() returns, so a service can
  // answer queries from the moment it serves them (the runner repeats the
  // setup when it takes the lead; setups are idempotent).
  if (auto err = target->setup())
    return err;
  std::lock_guard<std::mutex> guard{mtx_};
  if (statuses_.count(name) != 0)
    return make_error(errc::invalid_argument,
                      "a projection named " + name + " already runs here");
  auto status = std::make_shared<projection_status>(name);
  statuses_.emplace(name, status);
  runners_.push_back(spawn_projection_runner(sys_, std::move(target), store_,
                                             checkpoints_, feed_,
                                             std::move(status), cfg_));
  return {};
}

std::vector<std::shared_ptr<const projection_status>>
projection_engine::statuses() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::shared_ptr<const projection_status>> result;
  for (const auto& [name, status] : statuses_)
    result.push_back(status);
  return result;
}

std::shared_ptr<const projection_status>
projection_engine::status(const std::string& name) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = statuses_.find(name);
  return i == statuses_.end() ? nullptr : i->second;
}

caf::error projection_engine::wait_for(const std::string& name,
                                       int64_t position,
                                       std::chrono::milliseconds timeout) {
  auto st = status(name);
  if (!st)
    return make_error(errc::projection_not_found,
                      "no projection named " + name + " runs here");
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  constexpr auto slice = std::chrono::milliseconds{20};
  for (;;) {
    if (st->position() >= position)
      return {};
    auto now = clock::now();
    if (now >= deadline)
      break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline
                                                                      - now);
    if (st->leader()) {
      if (st->wait_for(position, std::min(left, std::chrono::milliseconds{100})))
        return {};
      continue;
    }
    // Another process runs it: its checkpoint is in the store.
    if (auto rec = checkpoints_->load(name); rec && *rec
                                             && (*rec)->position >= position)
      return {};
    std::this_thread::sleep_for(std::min(left, slice));
  }
  return make_error(errc::timeout,
                    "projection " + name + " did not reach position "
                      + std::to_string(position) + " within "
                      + std::to_string(timeout.count()) + " ms");
}

void projection_engine::when_reached(const std::string& name,
                                     int64_t position,
                                     std::chrono::milliseconds timeout,
                                     std::function<void(caf::error)> done) {
  auto st = status(name);
  if (!st)
    return done(make_error(errc::projection_not_found,
                           "no projection named " + name + " runs here"));
  if (st->position() >= position)
    return done({});
  auto w = std::make_shared<detail::read_wait>();
  w->status = std::move(st);
  w->position = position;
  w->timeout = timeout;
  w->done = std::move(done);
  caf::anon_send(waits_, wait_atom::value, std::move(w));
}

void projection_engine::stop() {
  if (waits_) {
    caf::anon_send_exit(waits_, caf::exit_reason::user_shutdown);
    waits_ = engine_waits_actor{};
  }
  std::vector<projection_runner_actor> runners;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    runners.swap(runners_);
  }
  if (runners.empty())
    return;
  caf::scoped_actor self{sys_};
  for (auto& runner : runners) {
    self->monitor(runner);
    self->send_exit(runner, caf::exit_reason::user_shutdown);
  }
  for (size_t i = 0; i < runners.size(); ++i)
    self->receive([](const caf::down_msg&) {},
                  caf::after(std::chrono::seconds{30}) >> [] {});
}

} // namespace mink

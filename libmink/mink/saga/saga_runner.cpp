#include "mink/saga/saga_runner.hpp"

#include <algorithm>
#include <climits>
#include <deque>
#include <iterator>
#include <optional>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <rapidjson/document.h>

#include "mink/business_error.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/json_codec.hpp"

namespace mink {

saga_definition::~saga_definition() = default;

// Named, not anonymous: `saga_runner::slot` holds a journal, and a member
// of a class with linkage must not use an anonymous namespace's type (GCC
// warns when this file is compiled in a unity batch).
namespace saga_journal {

/// The outcome of a step that a saga acted upon: success, or a business
/// refusal (category, code and explanation).
struct outcome {
  bool ok = true;
  std::string category;
  int code = 0;
  std::string what;
};

using journal_map = std::map<std::string, outcome>;

} // namespace saga_journal

using saga_journal::journal_map;
using saga_journal::outcome;

namespace {

std::string encode_journal(const journal_map& xs) {
  if (xs.empty())
    return {};
  rapidjson::Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  auto str = [&](const std::string& x) {
    return rapidjson::Value{x.data(), static_cast<rapidjson::SizeType>(x.size()),
                            a};
  };
  for (const auto& [key, x] : xs) {
    rapidjson::Value v{rapidjson::kObjectType};
    v.AddMember("ok", x.ok, a);
    if (!x.ok) {
      v.AddMember("category", str(x.category), a);
      v.AddMember("code", x.code, a);
      v.AddMember("what", str(x.what), a);
    }
    doc.AddMember(str(key), v, a);
  }
  auto text = write_json(doc);
  return text ? *text : std::string{};
}

caf::expected<journal_map> decode_journal(const std::string& text) {
  journal_map out;
  if (text.empty())
    return out;
  rapidjson::Document doc;
  if (auto err = parse_json(text, doc))
    return err;
  auto bad = [] {
    return make_error(errc::decode_failed, "saga journal: malformed entry");
  };
  if (!doc.IsObject())
    return bad();
  for (auto i = doc.MemberBegin(); i != doc.MemberEnd(); ++i) {
    const auto& v = i->value;
    if (!v.IsObject() || !v.HasMember("ok") || !v["ok"].IsBool())
      return bad();
    outcome x;
    x.ok = v["ok"].GetBool();
    if (!x.ok) {
      if (!v.HasMember("category") || !v["category"].IsString()
          || !v.HasMember("code") || !v["code"].IsInt()
          || !v.HasMember("what") || !v["what"].IsString())
        return bad();
      x.category = v["category"].GetString();
      x.code = v["code"].GetInt();
      x.what = v["what"].GetString();
    }
    out.emplace(i->name.GetString(), std::move(x));
  }
  return out;
}

caf::expected<command_result> result_of(const outcome& x) {
  if (x.ok)
    return command_result{};
  auto cat = caf::atom_from_string(x.category);
  auto code = static_cast<uint8_t>(x.code);
  if (x.what.empty())
    return caf::error{code, cat};
  return caf::error{code, cat, caf::make_message(x.what)};
}

} // namespace

/// One instance while a batch or a firing works on it.
struct saga_runner::slot {
  std::string id;
  std::any state;
  saga_record record;
  /// The record as stored, which a journal is saved with.
  saga_record stored;
  /// The outcomes of steps taken for unfinished events, by `key/step`.
  journal_map journal;
  bool journal_changed = false;
  /// What the current context handles: `e<position>` or `w<timer>@<due>`.
  std::string key;
  /// The keys whose work finished in this call: their journal entries go
  /// with the next save.
  std::vector<std::string> finished;
  bool dirty = false;
  std::optional<saga_context> ctx;
  /// The timer changes gathered so far.
  saga_change change;
  /// The events of the batch still to handle, in order.
  std::deque<const recorded_event*> events;

  /// Moves the context's timers into `change`: a later set or cancel of a
  /// name replaces an earlier one.
  void take_timers() {
    saga_change now;
    ctx->take_timers(now);
    auto drop_set = [&](const std::string& name) {
      auto& xs = change.set;
      xs.erase(std::remove_if(xs.begin(), xs.end(),
                              [&](const auto& t) { return t.name == name; }),
               xs.end());
    };
    for (auto& name : now.cancel) {
      drop_set(name);
      change.cancel.push_back(std::move(name));
    }
    for (auto& t : now.set) {
      drop_set(t.name);
      change.set.push_back(std::move(t));
    }
    if (ctx->done())
      record.done = true;
    ctx.reset();
    finished.push_back(key);
    dirty = true;
  }

  /// Whether the journal holds steps of an event not yet finished.
  [[nodiscard]] bool event_pending() const {
    return std::any_of(journal.begin(), journal.end(),
                       [](const auto& kv) { return kv.first[0] == 'e'; });
  }

  /// The journal without the entries of finished work.
  [[nodiscard]] journal_map unfinished() const {
    journal_map out;
    for (const auto& [k, x] : journal) {
      auto key = k.substr(0, k.find('/'));
      if (std::find(finished.begin(), finished.end(), key) == finished.end())
        out.emplace(k, x);
    }
    return out;
  }
};

/// The instances one batch or firing works on, in first-seen order, and an
/// index by id (a batch may touch thousands).
struct saga_runner::slot_table {
  std::vector<std::unique_ptr<slot>> all;
  std::unordered_map<std::string, slot*> by_id;

  slot* add(std::unique_ptr<slot> s) {
    auto ptr = s.get();
    by_id.emplace(s->id, ptr);
    all.push_back(std::move(s));
    return ptr;
  }
};

saga_runner::saga_runner(std::shared_ptr<const saga_definition> def,
                         std::shared_ptr<saga_store> store,
                         command_sender send, saga_runner_config cfg)
  : def_(std::move(def)),
    store_(std::move(store)),
    send_(std::move(send)),
    cfg_(std::move(cfg)),
    log_(or_default(cfg_.log)) {
  if (cfg_.time == nullptr)
    cfg_.time = system_clock();
}

saga_runner::~saga_runner() {
  stop();
}

std::string saga_runner::name() const {
  return cfg_.checkpoint_name.empty() ? def_->name() : cfg_.checkpoint_name;
}

read_filter saga_runner::filter() const {
  return def_->filter();
}

error_policy saga_runner::policy() const {
  error_policy p;
  p.action = error_action::retry;
  p.max_attempts = INT_MAX; // a saga must finish: never skip a step
  p.initial_backoff = std::chrono::milliseconds{50};
  p.max_backoff = std::chrono::milliseconds{2000};
  return p;
}

caf::expected<saga_runner::slot*>
saga_runner::slot_of(slot_table& slots, const std::string& instance) {
  if (auto i = slots.by_id.find(instance); i != slots.by_id.end())
    return i->second;
  auto rec = store_->load(def_->name(), instance);
  if (!rec)
    return std::move(rec.error());
  return add_slot(slots, instance, std::move(*rec));
}

caf::error saga_runner::load_slots(slot_table& slots,
                                   const std::vector<std::string>& instances) {
  std::vector<std::string> missing;
  for (const auto& id : instances)
    if (slots.by_id.count(id) == 0)
      missing.push_back(id);
  if (missing.empty())
    return {};
  auto recs = store_->load_many(def_->name(), missing);
  if (!recs)
    return std::move(recs.error());
  if (recs->size() != missing.size())
    return make_error(errc::storage_failure,
                      "saga " + def_->name() + ": the saga store gave "
                        + std::to_string(recs->size()) + " records for "
                        + std::to_string(missing.size()) + " instances");
  for (size_t k = 0; k < missing.size(); ++k)
    if (auto s = add_slot(slots, missing[k], std::move((*recs)[k])); !s)
      return std::move(s.error());
  return {};
}

caf::expected<saga_runner::slot*>
saga_runner::add_slot(slot_table& slots, const std::string& instance,
                      std::optional<saga_record> rec) {
  auto s = std::make_unique<slot>();
  s->id = instance;
  s->change.instance = instance;
  if (rec && rec->done) { // finished: its state is never needed again
    s->record = std::move(*rec);
    s->stored = s->record;
    return slots.add(std::move(s));
  }
  int64_t taken = 0; // a recovered instance's steps taken before
  auto st = rec ? def_->decode_state(rec->state)
                : def_->new_state(instance, taken);
  if (!st)
    return std::move(st.error());
  s->state = std::move(*st);
  if (rec) {
    s->record = std::move(*rec);
    auto journal = decode_journal(s->record.journal);
    if (!journal)
      return std::move(journal.error());
    s->journal = std::move(*journal);
  } else {
    // A journal saved before the first save must come with a state.
    if (s->state.has_value()) { // a finished instance's is not decoded
      auto json = def_->encode_state(s->state);
      if (!json)
        return std::move(json.error());
      s->record.state = std::move(*json);
    }
    s->record.position = taken;
  }
  s->stored = s->record;
  return slots.add(std::move(s));
}

std::vector<caf::expected<command_result>>
saga_runner::send_parts(std::vector<command_envelope> envs) {
  auto part = std::max<size_t>(cfg_.max_in_flight, 1);
  if (envs.size() <= part)
    return send_(std::move(envs));
  std::vector<caf::expected<command_result>> out;
  out.reserve(envs.size());
  for (size_t first = 0; first < envs.size(); first += part) {
    auto last = std::min(envs.size(), first + part);
    std::vector<command_envelope> some(
      std::make_move_iterator(envs.begin() + first),
      std::make_move_iterator(envs.begin() + last));
    auto answers = send_(std::move(some));
    if (answers.size() != last - first)
      return {}; // the caller reports the count
    for (auto& x : answers)
      out.push_back(std::move(x));
  }
  return out;
}

caf::error saga_runner::handle(const std::vector<recorded_event>& events) {
  std::lock_guard<std::mutex> guard{work_mtx_};
  slot_table slots;
  slots_ = &slots;
  // Each instance's events in order; instances side by side, so that the
  // commands of one round go out together.
  std::vector<std::string> ids(events.size());
  for (size_t i = 0; i < events.size(); ++i)
    ids[i] = def_->instance_of(events[i]);
  std::vector<std::string> wanted; // first seen first
  std::unordered_set<std::string_view> seen;
  for (const auto& id : ids)
    if (!id.empty() && seen.insert(id).second)
      wanted.push_back(id);
  if (auto err = load_slots(slots, wanted))
    return err;
  for (size_t i = 0; i < events.size(); ++i)
    if (!ids[i].empty())
      slots.by_id.at(ids[i])->events.push_back(&events[i]);
  for (;;) {
    std::vector<slot*> active;
    for (auto& owned : slots.all) {
      auto s = owned.get();
      auto& queue = s->events;
      while (!queue.empty()) {
        auto ev = queue.front();
        queue.pop_front();
        if (s->record.done || ev->global_position <= s->record.position)
          continue; // finished, or handled before a crash
        s->ctx.emplace(def_->name(), s->id, cfg_.time->now_us(), ev->meta);
        s->key = "e" + std::to_string(ev->global_position);
        if (auto err = def_->handle(s->state, *s->ctx, *ev))
          return err;
        s->record.position = ev->global_position;
        stats_->events.fetch_add(1, std::memory_order_relaxed);
        active.push_back(s);
        break;
      }
    }
    if (active.empty())
      break;
    if (auto err = run_commands(active))
      return err;
    for (auto s : active)
      s->take_timers();
  }
  return save(slots);
}

caf::error saga_runner::run_commands(std::vector<slot*>& active) {
  for (int round = 0; round < cfg_.max_rounds; ++round) {
    std::vector<std::pair<slot*, saga_command>> batch;
    for (auto s : active)
      for (auto& c : s->ctx->take_commands())
        batch.emplace_back(s, std::move(c));
    if (batch.empty()) {
      for (auto s : active)
        if (auto err = s->ctx->take_failure())
          return err;
      return {};
    }
    // A step whose outcome was acted upon before a crash keeps it; the
    // others are sent.
    std::vector<caf::expected<command_result>> results(batch.size(),
                                                       caf::error{});
    std::vector<size_t> sent;
    std::vector<command_envelope> envs;
    for (size_t i = 0; i < batch.size(); ++i) {
      auto& [s, c] = batch[i];
      auto j = s->journal.find(s->key + "/" + c.step);
      if (j != s->journal.end()) {
        results[i] = result_of(j->second);
      } else {
        sent.push_back(i);
        envs.push_back(c.cmd);
      }
    }
    if (!envs.empty()) {
      // Outcomes acted upon so far are stored before more commands go out:
      // a repeat after a crash then takes the same turns.
      if (auto err = save_journals())
        return err;
      auto answers = send_parts(std::move(envs));
      stats_->commands.fetch_add(sent.size(), std::memory_order_relaxed);
      if (answers.size() != sent.size())
        return make_error(errc::projection_failed,
                          "saga " + def_->name() + ": the command sender gave "
                            + std::to_string(answers.size()) + " answers for "
                            + std::to_string(sent.size()) + " commands");
      for (size_t k = 0; k < sent.size(); ++k) {
        auto i = sent[k];
        auto& [s, c] = batch[i];
        results[i] = std::move(answers[k]);
        if (!results[i] && !results[i].error()) // no answer is no success
          results[i] = make_error(errc::projection_failed,
                                  "no answer to step " + c.step);
        const auto& res = results[i];
        if (res || is_business_error(res.error())) {
          outcome x;
          if (!res) {
            x.ok = false;
            x.category = caf::to_string(res.error().category());
            x.code = res.error().code();
            x.what = explanation_of(res.error());
          }
          s->journal[s->key + "/" + c.step] = std::move(x);
          s->journal_changed = true;
        }
      }
    }
    caf::error first_failure;
    for (size_t i = 0; i < batch.size(); ++i) {
      auto& [s, c] = batch[i];
      auto& res = results[i];
      if (res) {
        if (c.on_success)
          c.on_success(*s->ctx);
      } else if (is_business_error(res.error())) {
        stats_->refusals.fetch_add(1, std::memory_order_relaxed);
        if (c.on_refused)
          c.on_refused(res.error(), *s->ctx);
        else
          log_->warn("saga {}: step {} of {} refused: {}", def_->name(),
                     c.step, s->id, to_text(res.error()));
      } else {
        stats_->failures.fetch_add(1, std::memory_order_relaxed);
        log_->warn("saga {}: step {} of {} failed, will retry: {}",
                   def_->name(), c.step, s->id, to_text(res.error()));
        if (!first_failure)
          first_failure = res.error();
      }
    }
    for (auto s : active)
      if (auto err = s->ctx->take_failure(); err && !first_failure)
        first_failure = std::move(err);
    if (first_failure)
      return first_failure;
  }
  return make_error(errc::projection_failed,
                    "saga " + def_->name() + ": more than "
                      + std::to_string(cfg_.max_rounds)
                      + " rounds of commands for one event");
}

caf::error saga_runner::save_journals() {
  std::vector<saga_change> changes;
  for (auto& s : slots_->all) {
    if (!s->journal_changed)
      continue;
    saga_change c;
    c.instance = s->id;
    c.record = s->stored;
    c.record.journal = encode_journal(s->journal);
    changes.push_back(std::move(c));
    s->journal_changed = false;
  }
  if (changes.empty())
    return {};
  return store_->save(def_->name(), changes);
}

caf::error saga_runner::save(slot_table& slots) {
  std::vector<saga_change> changes;
  for (auto& s : slots.all) {
    if (!s->dirty)
      continue;
    if (s->state.has_value()) { // a finished instance's is not decoded
      auto json = def_->encode_state(s->state);
      if (!json)
        return std::move(json.error());
      s->record.state = std::move(*json);
    }
    s->record.journal = encode_journal(s->unfinished());
    s->change.record = s->record;
    changes.push_back(std::move(s->change));
  }
  return store_->save(def_->name(), changes);
}

caf::expected<size_t> saga_runner::fire_due() {
  std::lock_guard<std::mutex> guard{work_mtx_};
  auto now = cfg_.time->now_us();
  auto timers = store_->due(def_->name(), now, cfg_.timer_batch);
  if (!timers)
    return std::move(timers.error());
  // Each instance's timers together, earliest first.
  std::stable_sort(timers->begin(), timers->end(),
                   [](const auto& x, const auto& y) {
                     return x.instance < y.instance;
                   });
  size_t fired = 0;
  caf::error first_failure;
  // One instance at a time, each saved on its own: a failing one does not
  // hold back the others (its timers stay due).
  for (size_t i = 0; i < timers->size();) {
    slot_table slots;
    slots_ = &slots;
    auto n = fire_instance(*timers, i, now, slots);
    if (!n) {
      log_->warn("saga {}: timers of {} failed, will retry: {}", def_->name(),
                 (*timers)[i].instance, to_text(n.error()));
      if (!first_failure)
        first_failure = n.error();
    } else if (auto err = save(slots)) {
      if (!first_failure)
        first_failure = err;
    } else {
      fired += *n;
    }
    auto id = (*timers)[i].instance;
    while (i < timers->size() && (*timers)[i].instance == id)
      ++i;
  }
  if (first_failure)
    return first_failure;
  return fired;
}

caf::expected<size_t>
saga_runner::fire_instance(std::vector<saga_timer>& timers, size_t first,
                           int64_t now,
                           slot_table& slots) {
  auto s = slot_of(slots, timers[first].instance);
  if (!s)
    return std::move(s.error());
  auto& x = **s;
  if (x.event_pending()) // an event of it failed: it goes first
    return size_t{0};
  size_t fired = 0;
  for (auto i = first; i < timers.size() && timers[i].instance == x.id; ++i) {
    const auto& t = timers[i];
    auto named = [&](const auto& xs, auto name_of) {
      return std::any_of(xs.begin(), xs.end(),
                         [&](const auto& y) { return name_of(y) == t.name; });
    };
    // Set or cancelled by a timer fired before it: not this one any more.
    if (named(x.change.set, [](const saga_timer& y) { return y.name; })
        || named(x.change.cancel, [](const std::string& y) { return y; }))
      continue;
    x.change.cancel.push_back(t.name);
    x.dirty = true;
    if (x.record.done)
      continue;
    x.ctx.emplace(def_->name(), x.id, now, metadata{});
    x.key = "w" + t.name + "@" + std::to_string(t.due_us);
    if (!def_->wake(x.state, *x.ctx, t.name))
      log_->warn("saga {}: no handler for timer {} of {}", def_->name(),
                 t.name, x.id);
    std::vector<slot*> active{&x};
    if (auto err = run_commands(active))
      return err;
    x.take_timers();
    ++fired;
    stats_->wakeups.fetch_add(1, std::memory_order_relaxed);
  }
  return fired;
}

void saga_runner::start_timers() {
  std::lock_guard<std::mutex> guard{timer_mtx_};
  if (timer_thread_.joinable() || stopping_)
    return;
  timer_thread_ = std::thread{[this] {
    std::unique_lock<std::mutex> lk{timer_mtx_};
    auto wait = cfg_.timer_poll;
    while (!timer_cv_.wait_for(lk, wait, [this] { return stopping_; })) {
      lk.unlock();
      auto n = fire_due();
      lk.lock();
      // After a failure, wait longer each time (up to 5 s): a store or
      // bus that is down is not asked ten times a second.
      wait = n ? cfg_.timer_poll
               : std::min<std::chrono::milliseconds>(2 * wait,
                                                     std::chrono::seconds{5});
    }
  }};
}

void saga_runner::stop() {
  {
    std::lock_guard<std::mutex> guard{timer_mtx_};
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_thread_.joinable())
    timer_thread_.join();
}

} // namespace mink

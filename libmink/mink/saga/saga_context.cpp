#include "mink/saga/saga_context.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace mink {

namespace {

uint64_t fnv1a(const std::string& str, uint64_t basis) {
  auto h = basis;
  for (unsigned char c : str) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

} // namespace

saga_context::saga_context(std::string saga, std::string instance,
                           int64_t now_us, metadata meta)
  : saga_(std::move(saga)),
    instance_(std::move(instance)),
    now_us_(now_us),
    meta_(std::move(meta)) {
  // nop
}

void saga_context::send(
  std::string step, command_envelope cmd,
  std::function<void(saga_context&)> on_success,
  std::function<void(const caf::error&, saga_context&)> on_refused) {
  cmd.command_id = step_command_id(saga_, instance_, step);
  if (cmd.meta.correlation_id.empty())
    cmd.meta.correlation_id = meta_.correlation_id;
  commands_.push_back(saga_command{std::move(step), std::move(cmd),
                                   std::move(on_success),
                                   std::move(on_refused)});
}

void saga_context::wake_after(const std::string& timer,
                              std::chrono::microseconds after) {
  cancel_.erase(std::remove(cancel_.begin(), cancel_.end(), timer),
                cancel_.end());
  set_.erase(std::remove_if(set_.begin(), set_.end(),
                            [&](const auto& t) { return t.name == timer; }),
             set_.end());
  auto due = after.count() > INT64_MAX - now_us_ ? INT64_MAX // never, really
                                                   : now_us_ + after.count();
  set_.push_back(saga_timer{instance_, timer, due});
}

void saga_context::cancel_wake(const std::string& timer) {
  set_.erase(std::remove_if(set_.begin(), set_.end(),
                            [&](const auto& t) { return t.name == timer; }),
             set_.end());
  cancel_.push_back(timer);
}

std::vector<saga_command> saga_context::take_commands() {
  return std::exchange(commands_, {});
}

void saga_context::take_timers(saga_change& change) {
  for (auto& name : cancel_)
    change.cancel.push_back(std::move(name));
  for (auto& t : set_)
    change.set.push_back(std::move(t));
  cancel_.clear();
  set_.clear();
}

std::string step_command_id(const std::string& saga,
                            const std::string& instance,
                            const std::string& step) {
  auto key = saga + "/" + instance + "/" + step;
  auto hi = fnv1a(key, 14695981039346656037ULL);
  auto lo = fnv1a(key + "#", 0x84222325cbf29ce4ULL ^ hi);
  hi = (hi & ~0xF000ULL) | 0x8000ULL;                        // version 8
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL; // variant 10
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF),
                static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

} // namespace mink

#include "mink/aggregate_events.hpp"

#include <string>

#include "mink/errc.hpp"

namespace mink::detail {

namespace {

/// Names where an event is stored, for error messages.
std::string location(const recorded_event& ev) {
  return "stream " + ev.stream_id + ", version "
         + std::to_string(ev.stream_version) + ", position "
         + std::to_string(ev.global_position);
}

/// The explanation inside `err`, without the code that the wrapping error
/// repeats anyway.
std::string reason(const caf::error& err) {
  auto text = to_text(err);
  auto code = code_of(err);
  if (code == errc::none)
    return text;
  auto prefix = std::string{to_string(code)} + ": ";
  if (text.compare(0, prefix.size(), prefix) == 0)
    text.erase(0, prefix.size());
  return text;
}

} // namespace

caf::error decided_event_error(size_t index, size_t count,
                               const caf::error& err) {
  auto what = "decided event " + std::to_string(index) + " of "
              + std::to_string(count) + ": " + reason(err);
  auto code = code_of(err);
  return make_error(code != errc::none ? code : errc::invalid_argument,
                    std::move(what));
}

caf::error version_gap_error(const recorded_event& ev, int64_t expected) {
  return make_error(errc::decode_failed,
                    "event type \"" + ev.type + "\" (" + location(ev)
                      + ") does not follow the aggregate: expected stream "
                        "version "
                      + std::to_string(expected)
                      + " (events missing, repeated or out of order)");
}

caf::error foreign_event_error(const recorded_event& ev) {
  return make_error(errc::decode_failed,
                    "event type \"" + ev.type + "\" (" + location(ev)
                      + ") is not an event of this aggregate");
}

} // namespace mink::detail

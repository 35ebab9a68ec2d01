#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>

#include "mink/aggregate_events.hpp"
#include "mink/errc.hpp"
#include "mink/event.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/testing/check_result.hpp"

namespace mink::testing {

/// Renders an error for a check's difference.
using error_renderer = std::function<std::string(const caf::error&)>;

namespace detail {

/// One event as a check shows it: `Type {json}`, or why it cannot be shown.
struct rendered_event {
  bool ok = false;
  /// The encoded event when `ok`.
  event_data data;
  /// `Type {json}` when `ok`, otherwise the reason.
  std::string text;
};

inline bool same_encoding(const rendered_event& x, const rendered_event& y) {
  return x.ok && y.ok && x.data.type == y.data.type
         && x.data.schema_version == y.data.schema_version
         && x.data.data == y.data.data;
}

inline std::string count_of(size_t n) {
  return std::to_string(n) + (n == 1 ? " event" : " events");
}

/// Lists `evs`, one per line, marking index `mark` with `->` (and showing
/// `(none)` there when the list is shorter).
inline std::string list(const std::vector<rendered_event>& evs,
                        std::optional<size_t> mark = std::nullopt) {
  std::string out;
  auto line = [&](size_t i, const std::string& text) {
    out += (mark && *mark == i) ? "  -> [" : "     [";
    out += std::to_string(i);
    out += "] ";
    out += text;
    out += '\n';
  };
  for (size_t i = 0; i < evs.size(); ++i)
    line(i, evs[i].text);
  if (mark && *mark >= evs.size())
    line(*mark, "(none)");
  if (evs.empty() && !mark)
    out += "     (none)\n";
  return out;
}

/// Returns the explanation of `err` for `to_text`-style rendering.
inline std::string context_text(const caf::error& err) {
  return err.context().empty() ? std::string{}
                               : caf::to_string(err.context());
}

} // namespace detail

/// A Given/When/Then fixture for testing an aggregate (`mink::aggregate`)
/// without a store: given past events, when a command, then the expected
/// events or the expected error.
///
/// ~~~
/// given_when_then<account> f{registry};
/// auto r = f.given({account_opened{"Ada"}, money_deposited{50}})
///            .when(withdraw{80})
///            .then_error(bank_errc::insufficient_funds);
/// // r.ok, r.difference; with Boost.Test: MINK_CHECK_THAT(...)
/// ~~~
///
/// Events are compared by their encoding through `registry` (type name,
/// schema version and JSON), so event types need no `operator==`, and a
/// difference shows both sides as `Type {json}`. `then_events` also checks
/// that each decided event survives a round trip through the registry
/// (encode, decode, encode gives the same JSON): an event that the store
/// cannot give back unchanged is a bug even when `decide` is right.
///
/// The checks return a `check_result` and never throw; exceptions that
/// `decide` or `evolve` throw become failed checks. The fixture keeps a
/// reference to `registry`, which must outlive it.
template <class Aggregate>
class given_when_then {
public:
  using aggregate_type = Aggregate;
  using event_type = typename Aggregate::event_type;
  using command_type = typename Aggregate::command_type;
  using event_list = std::vector<event_type>;

  /// A fixture that encodes events with `registry` and shows errors with
  /// `render` (by default `mink::to_text`, which shows errors of other
  /// categories as `error(code, 'category', context)`).
  explicit given_when_then(const event_registry& registry,
                           error_renderer render = nullptr)
    : registry_(&registry), render_(std::move(render)) {
    if (!render_)
      render_ = [](const caf::error& err) { return to_text(err); };
  }

  /// Applies past events to the aggregate; calls add up. Must come before
  /// `when`.
  given_when_then& given(const event_list& evs) {
    if (outcome_) {
      note("given() after when(): the command was already decided");
      return *this;
    }
    for (size_t i = 0; i < evs.size(); ++i) {
      try {
        agg_.apply(evs[i]);
      } catch (const std::exception& ex) {
        note("applying given event [" + std::to_string(i)
             + "] threw: " + ex.what());
        return *this;
      }
    }
    return *this;
  }

  /// Decides `cmd` against the aggregate built from the given events. Must
  /// be called once, before the `then_*` checks.
  given_when_then& when(const command_type& cmd) {
    if (outcome_) {
      note("when() called twice; use one fixture per command");
      return *this;
    }
    try {
      outcome_ = agg_.decide(cmd);
    } catch (const std::exception& ex) {
      outcome_ = caf::expected<event_list>{
        make_error(errc::invalid_argument, "decide threw")};
      note(std::string{"decide threw: "} + ex.what());
    }
    return *this;
  }

  /// Checks that `decide` returned exactly `expected`, in order.
  [[nodiscard]] check_result then_events(const event_list& expected) const {
    if (auto problem = setup_problem())
      return *problem;
    auto want = render(expected);
    if (!*outcome_)
      return fail(
        "expected " + detail::count_of(expected.size()) + ", got error "
        + render_(outcome_->error()) + "\nexpected:\n" + detail::list(want));
    auto got = render(**outcome_);
    size_t n = std::min(want.size(), got.size());
    std::optional<size_t> first;
    for (size_t i = 0; i < n && !first; ++i)
      if (!detail::same_encoding(want[i], got[i]))
        first = i;
    if (!first && want.size() != got.size())
      first = n;
    if (first)
      return fail(
        "events differ at index " + std::to_string(*first) + " (expected "
        + detail::count_of(want.size()) + ", got "
        + detail::count_of(got.size()) + ")\nexpected:\n"
        + detail::list(want, first) + "actual:\n" + detail::list(got, first));
    return round_trip(got);
  }

  /// Checks that `decide` failed with `expected`: same code and category
  /// and, when `expected` carries a context (an explanation), the same
  /// context.
  [[nodiscard]] check_result then_error(const caf::error& expected) const {
    if (auto problem = setup_problem())
      return *problem;
    if (!expected)
      return fail("then_error() needs an error; use "
                                "then_no_events() or then_events()");
    if (*outcome_) {
      const auto& evs = **outcome_;
      return fail("expected error " + render_(expected)
                                + ", got " + detail::count_of(evs.size())
                                + (evs.empty() ? "" : ":\n")
                                + (evs.empty() ? "" : detail::list(render(evs))));
    }
    const auto& actual = outcome_->error();
    if (!actual)
      return fail("expected error " + render_(expected)
                                + ", got an empty error instead of events");
    bool same = actual.category() == expected.category()
                && actual.code() == expected.code()
                && (expected.context().empty()
                    || detail::context_text(actual)
                         == detail::context_text(expected));
    if (!same)
      return fail("expected error " + render_(expected)
                                + ", got error " + render_(actual));
    return check_result::pass();
  }

  /// Checks that `decide` succeeded without events.
  [[nodiscard]] check_result then_no_events() const {
    if (auto problem = setup_problem())
      return *problem;
    if (!*outcome_)
      return fail("expected no events, got error "
                                + render_(outcome_->error()));
    const auto& evs = **outcome_;
    if (!evs.empty())
      return fail("expected no events, got "
                                + detail::count_of(evs.size()) + ":\n"
                                + detail::list(render(evs)));
    return check_result::pass();
  }

  /// The aggregate after the given events (the command is never applied).
  const Aggregate& subject() const noexcept {
    return agg_;
  }

private:
  /// A failed check; drops the line break that ends event lists.
  static check_result fail(std::string difference) {
    while (!difference.empty() && difference.back() == '\n')
      difference.pop_back();
    return check_result::fail(std::move(difference));
  }

  void note(std::string what) {
    if (problem_.empty())
      problem_ = std::move(what);
  }

  /// A failed check when the fixture was misused or user code threw.
  std::optional<check_result> setup_problem() const {
    if (!problem_.empty())
      return fail(problem_);
    if (!outcome_)
      return fail("no command: call when() before then_*()");
    return std::nullopt;
  }

  std::vector<detail::rendered_event> render(const event_list& evs) const {
    std::vector<detail::rendered_event> result;
    result.reserve(evs.size());
    for (const auto& ev : evs) {
      detail::rendered_event x;
      auto data = encode_event(*registry_, ev);
      if (data) {
        x.ok = true;
        x.text = data->type + " " + data->data;
        x.data = std::move(*data);
      } else {
        x.text = "(cannot encode: " + render_(data.error()) + ")";
      }
      result.push_back(std::move(x));
    }
    return result;
  }

  /// Checks that each decided event decodes and encodes to the same JSON.
  check_result round_trip(const std::vector<detail::rendered_event>& evs) const {
    for (size_t i = 0; i < evs.size(); ++i) {
      const auto& x = evs[i].data;
      recorded_event stored;
      stored.stream_id = "given_when_then-1";
      stored.stream_version = static_cast<int64_t>(i) + 1;
      stored.global_position = static_cast<int64_t>(i) + 1;
      stored.type = x.type;
      stored.schema_version = x.schema_version;
      stored.data = x.data;
      auto prefix = "decided event [" + std::to_string(i) + "] " + evs[i].text;
      auto back = decode_event<event_type>(*registry_, std::move(stored));
      if (!back)
        return fail(prefix + " does not decode: "
                                  + render_(back.error()));
      auto again = encode_event(*registry_, *back);
      if (!again)
        return fail(prefix + " does not encode after decoding: "
                                  + render_(again.error()));
      if (again->type != x.type || again->data != x.data)
        return fail(prefix + " changes in a round trip through "
                                  "the registry; decoded and encoded again: "
                                  + again->type + " " + again->data);
    }
    return check_result::pass();
  }

  const event_registry* registry_;
  error_renderer render_;
  Aggregate agg_;
  std::optional<caf::expected<event_list>> outcome_;
  std::string problem_;
};

} // namespace mink::testing

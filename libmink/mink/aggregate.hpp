#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/business_error.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace detail {

template <class T>
struct is_variant : std::false_type {};

template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

template <class D, class = void>
struct has_decider_types : std::false_type {};

template <class D>
struct has_decider_types<D, std::void_t<typename D::state_type,
                                        typename D::event_type,
                                        typename D::command_type>>
  : std::true_type {};

template <class D, class = void>
struct has_decide : std::false_type {};

template <class D>
struct has_decide<D, std::void_t<decltype(D::decide(
                       std::declval<const typename D::state_type&>(),
                       std::declval<const typename D::command_type&>()))>>
  : std::is_same<decltype(D::decide(
                   std::declval<const typename D::state_type&>(),
                   std::declval<const typename D::command_type&>())),
                 caf::expected<std::vector<typename D::event_type>>> {};

template <class D, class = void>
struct has_evolve : std::false_type {};

template <class D>
struct has_evolve<D, std::void_t<decltype(D::evolve(
                       std::declval<typename D::state_type&>(),
                       std::declval<const typename D::event_type&>()))>>
  : std::true_type {};

} // namespace detail

/// An event-sourced aggregate: a state, rebuilt by applying the aggregate's
/// events in order, and a version, the number of events applied (which is
/// the version of the aggregate's stream in the store).
///
/// The behavior comes from `Decider`, a type with no data of its own:
/// ~~~
/// struct account_decider {
///   using state_type = account_state;     // default-constructible
///   using event_type = account_event;     // std::variant<opened, ...>
///   using command_type = account_command; // a struct or a std::variant
///
///   /// Validates `cmd` against `st`: the events to append, or an error.
///   static caf::expected<std::vector<account_event>>
///   decide(const account_state& st, const account_command& cmd);
///
///   /// Applies one event to the state. Must not fail: an event is a fact.
///   static void evolve(account_state& st, const account_event& ev);
///
///   /// Optional: whether `cmd` creates the aggregate. An aggregate actor
///   /// then decides it without reading a stream that should not exist
///   /// (see `command_envelope::expects_no_stream`).
///   static bool creates(const account_command& cmd);
/// };
/// using account = mink::aggregate<account_decider>;
/// ~~~
///
/// `decide` never changes the aggregate. An aggregate actor applies the
/// decided events to its state before they commit (so that the next waiting
/// command is decided against it) and throws that state away when the
/// append fails.
///
/// Errors that `decide` returns for broken business rules should use the
/// application's own error category (see `is_business_error`); mink never
/// retries those. Not thread-safe: one aggregate belongs to one owner.
template <class Decider>
class aggregate {
public:
  static_assert(detail::has_decider_types<Decider>::value,
                "a decider needs the member types state_type, event_type and "
                "command_type");

  using decider_type = Decider;
  using state_type = typename Decider::state_type;
  using event_type = typename Decider::event_type;
  using command_type = typename Decider::command_type;
  using event_list = std::vector<event_type>;

  static_assert(detail::is_variant<event_type>::value,
                "event_type must be a std::variant of event structs, each "
                "registered in the event_registry under its own name");
  static_assert(std::is_default_constructible_v<state_type>,
                "state_type must be default-constructible (the state of an "
                "aggregate without events)");
  static_assert(detail::has_decide<Decider>::value,
                "a decider needs: static caf::expected<std::vector<"
                "event_type>> decide(const state_type&, const command_type&)");
  static_assert(detail::has_evolve<Decider>::value,
                "a decider needs: static void evolve(state_type&, "
                "const event_type&)");

  /// An aggregate without events: the default state at version 0.
  aggregate() = default;

  /// An aggregate without events that starts from `initial`.
  explicit aggregate(state_type initial) : state_(std::move(initial)) {
    // nop
  }

  /// The state after all applied events.
  const state_type& state() const noexcept {
    return state_;
  }

  /// The number of events applied (including those a snapshot stands for):
  /// the stream version that the next append expects.
  int64_t version() const noexcept {
    return version_;
  }

  /// Decides what `cmd` does: the events to append (possibly none), or an
  /// error. Leaves the aggregate unchanged.
  [[nodiscard]] caf::expected<event_list>
  decide(const command_type& cmd) const {
    return Decider::decide(state_, cmd);
  }

  /// Applies one event and counts it.
  void apply(const event_type& ev) {
    Decider::evolve(state_, ev);
    ++version_;
  }

  /// Applies events in order.
  void apply(const event_list& evs) {
    for (const auto& ev : evs)
      apply(ev);
  }

  /// Replaces state and version, e.g. with those of a snapshot that was
  /// taken at stream version `version`. Fails with `errc::invalid_argument`
  /// (leaving the aggregate unchanged) when `version` is negative.
  [[nodiscard]] caf::error restore(state_type st, int64_t version) {
    if (version < 0)
      return make_error(errc::invalid_argument,
                        "cannot restore an aggregate at version "
                          + std::to_string(version));
    state_ = std::move(st);
    version_ = version;
    return {};
  }

private:
  state_type state_{};
  int64_t version_ = 0;
};

} // namespace mink

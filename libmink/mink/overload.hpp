#pragma once

namespace mink {

/// One visitor from several lambdas, for `std::visit`:
/// `std::visit(mink::overload{[](const a&) {...}, [](const b&) {...}}, v)`.
template <class... Fs>
struct overload : Fs... {
  using Fs::operator()...;
};

template <class... Fs>
overload(Fs...) -> overload<Fs...>;

} // namespace mink

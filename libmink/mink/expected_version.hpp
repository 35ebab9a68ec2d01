#pragma once

#include <cstdint>
#include <string>

namespace mink {

/// What an append expects of a stream's current version. Version 0 means the
/// stream does not exist; the first event of a stream has version 1.
class expected_version {
public:
  enum class kind : uint8_t { any, no_stream, stream_exists, exact };

  /// Appends whatever the stream's version.
  static expected_version any() noexcept { return {kind::any, 0}; }

  /// Appends only if the stream has no events yet.
  static expected_version no_stream() noexcept { return {kind::no_stream, 0}; }

  /// Appends only if the stream has at least one event.
  static expected_version stream_exists() noexcept {
    return {kind::stream_exists, 0};
  }

  /// Appends only if the stream's version is exactly `v` (0 = no stream).
  static expected_version exact(int64_t v) noexcept { return {kind::exact, v}; }

  expected_version() noexcept = default;

  kind mode() const noexcept { return kind_; }

  /// The version for `kind::exact`, 0 otherwise.
  int64_t value() const noexcept { return value_; }

  /// Returns whether a stream at `current` version satisfies this expectation.
  bool matches(int64_t current) const noexcept {
    switch (kind_) {
      case kind::any: return true;
      case kind::no_stream: return current == 0;
      case kind::stream_exists: return current > 0;
      case kind::exact: return current == value_;
    }
    return false;
  }

  friend bool operator==(expected_version x, expected_version y) noexcept {
    return x.kind_ == y.kind_ && x.value_ == y.value_;
  }

private:
  expected_version(kind k, int64_t v) noexcept : kind_(k), value_(v) {}

  kind kind_ = kind::any;
  int64_t value_ = 0;
};

/// Renders `x` as `any`, `no_stream`, `stream_exists` or the number.
std::string to_string(expected_version x);

} // namespace mink

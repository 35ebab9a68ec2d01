#pragma once

#include <map>
#include <string>

#include <caf/expected.hpp>

namespace mink {

/// Who and what caused an event. Stored with every event as a JSON object;
/// empty fields are left out.
struct metadata {
  /// Ties together everything that one user request caused.
  std::string correlation_id;
  /// The id of the command or event that caused this one.
  std::string causation_id;
  std::string user_id;
  std::string tenant_id;
  /// Free-form string pairs for the application.
  std::map<std::string, std::string> custom;

  friend bool operator==(const metadata& x, const metadata& y) {
    return x.correlation_id == y.correlation_id
           && x.causation_id == y.causation_id && x.user_id == y.user_id
           && x.tenant_id == y.tenant_id && x.custom == y.custom;
  }
};

/// Encodes `x` as a JSON object.
std::string to_json(const metadata& x);

/// Decodes a JSON object written by `to_json`; unknown keys are ignored.
/// Fails with `errc::decode_failed` on malformed JSON or non-string values.
[[nodiscard]] caf::expected<metadata>
metadata_from_json(const std::string& json);

} // namespace mink

#pragma once

#include <string>
#include <string_view>

#include <caf/error.hpp>

namespace mink {

/// Returns `conninfo` (a libpq connection string) with every password
/// replaced by `***`, for logs and messages. Covers the keyword form
/// (`password=secret`, also quoted with spaces and backslash escapes) and
/// the URI form (`postgresql://user:secret@host/db` and
/// `?password=secret&...`). Everything else is returned unchanged.
std::string mask_password(const std::string& conninfo);

namespace pg {

/// Checks a schema name from configuration: 1 to 63 characters of
/// `[a-z0-9_]`, not starting with a digit, not `pg_*`. Returns an
/// `invalid_argument` error naming the problem, or the empty error.
caf::error validate_schema_name(std::string_view name);

} // namespace pg

} // namespace mink

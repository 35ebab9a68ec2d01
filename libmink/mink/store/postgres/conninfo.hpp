#pragma once

#include <string>

namespace mink {

/// Returns `conninfo` (a libpq connection string) with every password
/// replaced by `***`, for logs and messages. Covers the keyword form
/// (`password=secret`, also quoted with spaces and backslash escapes) and
/// the URI form (`postgresql://user:secret@host/db` and
/// `?password=secret&...`). Everything else is returned unchanged.
std::string mask_password(const std::string& conninfo);

} // namespace mink

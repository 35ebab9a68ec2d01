#pragma once

#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <rapidjson/document.h>

namespace mink {

/// Parses `json` into `doc` without recursion (RapidJSON's iterative
/// parser), with full number precision, validating UTF-8 (also what
/// strings decode to: an escaped lone surrogate such as `"\udc00"` is
/// refused), rejecting numbers beyond a double's range (RapidJSON would
/// make them infinity or NaN) and nesting deeper than `max_json_depth`. Fails with `errc::decode_failed`
/// naming the problem and its byte offset; `doc` is then left null.
caf::error parse_json(std::string_view json, rapidjson::Document& doc);

/// Renders `x` as compact JSON. Fails with `errc::invalid_argument` when `x`
/// holds something JSON cannot represent (NaN or infinity).
caf::expected<std::string> write_json(const rapidjson::Value& x);

} // namespace mink

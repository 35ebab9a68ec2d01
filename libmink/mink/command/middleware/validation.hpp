#pragma once

#include <functional>
#include <map>
#include <string>

#include <caf/error.hpp>

#include "mink/command/pipeline.hpp"

namespace mink {

/// Checks one command type's payload; returns the empty error when valid.
using command_validator = std::function<caf::error(const command_envelope&)>;

/// Rejects malformed commands before they reach an aggregate, with
/// `invalid_argument` naming the problem: an empty type, aggregate type or
/// aggregate id; a stream id (`aggregate_type-aggregate_id`) that the store
/// would refuse; a command id that is not a UUID (an empty one is filled in
/// with a new UUID); an empty payload. Then runs the validator registered
/// for the command's type, if any.
middleware validation(std::map<std::string, command_validator> validators = {});

} // namespace mink

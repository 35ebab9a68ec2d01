#pragma once

#include "mink/command/pipeline.hpp"

namespace mink {

/// Turns an exception thrown further down the pipeline (a validator, a
/// later piece, the terminal handler) into an error reply, so the caller
/// gets an answer and the process lives on. Put it first. (Exceptions in an
/// aggregate's `decide` are caught by the aggregate actor itself.)
middleware exception_recovery();

} // namespace mink

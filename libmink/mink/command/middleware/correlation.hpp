#pragma once

#include "mink/command/pipeline.hpp"

namespace mink {

/// Starts a correlation where the caller did not: a command without a
/// correlation id becomes the first of its own chain (correlation id = its
/// command id). The aggregate actor copies the correlation, user and tenant
/// ids onto every event the command writes, with the command id as
/// causation id.
middleware correlation();

} // namespace mink

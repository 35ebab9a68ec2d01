#pragma once

// mink-bench over HTTP: the bank's write and mixed workloads against a
// running bank service (`bank --serve`), through its HTTP API.

#include <caf/expected.hpp>

#include "mink/bench/run_report.hpp"
#include "options.hpp"

namespace mink_bench {

/// Opens `opt.aggregates` accounts (acc0, acc1, ...; ones that exist
/// already are kept), then drives deposits (workload write or hot) or
/// deposits and read-your-writes reads (`GET /accounts/{id}?position=`,
/// mixed) at `opt.url`, with `opt.in_flight` connections. The projection
/// lag comes from the service's `/metrics`. Fails with `invalid_argument`
/// for another workload or a bad URL, and when the service cannot be
/// reached.
[[nodiscard]] caf::expected<mink::bench::run_report>
run_http(const options& opt);

} // namespace mink_bench

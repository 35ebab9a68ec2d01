#pragma once

#include <string>

namespace bank {

/// Drives a short scenario against the service at `host:port` over HTTP
/// (accounts, deposits, a refused withdrawal, a completed transfer, a
/// transfer to a closed account that compensates, queries with
/// read-your-writes, the total, error answers, health and metrics) and
/// prints each request and answer. Returns whether every answer was the
/// expected one.
bool run_demo(const std::string& host, int port);

} // namespace bank

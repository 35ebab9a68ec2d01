#pragma once

// A runtime configuration for one node of a test cluster on the test
// server (MINK_TEST_PG): schema `schema`, `slices` slices, heartbeats of
// `heartbeat` and a lease of five of them, the forwarding endpoint on any
// free loopback port.

#include <chrono>
#include <cstdint>
#include <string>

#include "mink/actors/runtime.hpp"
#include "pg_test_env.hpp"

namespace mink::test_support {

inline runtime_config
pg_cluster_config(const std::string& schema, const std::string& node,
                  int32_t slices, std::chrono::milliseconds heartbeat) {
  runtime_config cfg;
  cfg.store.kind = store_kind::postgres;
  cfg.store.conninfo = require_pg_test_conninfo();
  cfg.store.schema = schema;
  cfg.store.schema_given = true;
  cfg.threads = 2;
  cfg.cluster.node_id = node;
  cfg.cluster.address = "127.0.0.1:0";
  cfg.cluster.slice_count = slices;
  cfg.cluster.heartbeat = heartbeat;
  cfg.cluster.lease_ttl = 5 * heartbeat;
  return cfg;
}

} // namespace mink::test_support

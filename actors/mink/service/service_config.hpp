#pragma once

// The settings of a service built on mink: defaults, then a `key = value`
// file, then environment variables `<PREFIX><KEY>` (upper case), each
// overriding the one before. docs/service-kit.md lists the keys.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/actors/runtime.hpp"
#include "mink/http/server_config.hpp"
#include "mink/store/store_url.hpp"

namespace mink {

/// Everything a service on mink reads from its configuration.
struct service_config {
  // -- store ------------------------------------------------------------------

  // Key `store`: a store URL (`sqlite:PATH` or
  // `postgresql://user@host/db?schema=NAME`, see `mink::parse_store_url`)
  // sets the three fields below at once.

  /// The SQLite database file (events, snapshots, checkpoints and read
  /// models), used unless `postgres` is set. Key `sqlite_path`.
  std::string sqlite_path = "./data/service.db";
  /// A libpq connection string; when set, the service runs on PostgreSQL.
  /// May hold a password: never logged as is. Key `postgres`.
  std::string postgres;
  /// The PostgreSQL schema of the events and read models. Key
  /// `postgres_schema`.
  std::string postgres_schema = "mink";
  /// PostgreSQL connections per pool. Key `pool_size`.
  size_t pool_size = 4;
  /// A PostgreSQL statement that has not answered after this long fails
  /// with `store_unavailable` (503) and its connection is renewed: a
  /// silent server cannot hang the service. Key `statement_deadline_ms`.
  int64_t statement_deadline_ms = 5000;
  /// The longest a lost PostgreSQL connection waits for the server while it
  /// is re-established (a query or /health during an outage answers 503
  /// after at most this). Key `connect_timeout_ms`.
  int64_t connect_timeout_ms = 2000;

  // -- HTTP -------------------------------------------------------------------

  /// Key `listen_address`.
  std::string listen_address = "127.0.0.1";
  /// 0 picks a free port. Key `port`.
  int port = 8080;
  /// Request bodies above this many bytes get 413. Key `body_limit`.
  size_t body_limit = 64 * 1024;
  /// Threads running the HTTP server's I/O (requests never block them).
  /// Key `http_threads`.
  size_t http_threads = 1;
  /// Threads running read-model queries and store reads for HTTP requests.
  /// Key `query_threads`.
  size_t query_threads = 4;
  /// Queries waiting for a query thread at most; more get 503. Key
  /// `max_queued_queries`.
  size_t max_queued_queries = 4096;
  /// Open HTTP connections at most; more are answered 503 and closed. Key
  /// `max_connections`.
  size_t max_connections = 1024;
  /// A request head must arrive within this time (slow senders are
  /// closed). Key `header_timeout_ms`.
  int64_t header_timeout_ms = 10000;
  /// An idle keep-alive connection is closed after this. Key
  /// `idle_timeout_ms`.
  int64_t idle_timeout_ms = 60000;
  /// Bytes of a request head at most (431 above). Key `max_header_bytes`.
  size_t max_header_bytes = 16 * 1024;
  /// Header fields of a request at most (431 above). Key
  /// `max_header_count`.
  size_t max_header_count = 100;
  /// How long a command may take before the caller gets 503. Key
  /// `command_timeout_ms`.
  int64_t command_timeout_ms = 10000;
  /// How long a query with `?position=N` waits for its read model before
  /// 504. Key `read_timeout_ms`.
  int64_t read_timeout_ms = 5000;

  /// The token of the administrative routes (`/admin/...`, sent as
  /// `Authorization: Bearer <token>`); empty turns them off. At least 16
  /// characters. A secret: never logged. Key `admin_token`.
  std::string admin_token;

  // -- actors -----------------------------------------------------------------

  /// Snapshot an aggregate every this many events (0 = never). Key
  /// `snapshot_every`.
  int64_t snapshot_every = 100;
  /// Events per group commit at most. Key `max_batch_events`.
  size_t max_batch_events = 2000;
  /// Appends waiting for the store above which commands get `overloaded`
  /// (503). Key `max_queued_appends`.
  size_t max_queued_appends = 20000;
  /// Commands waiting for one aggregate above which new ones get
  /// `overloaded`. Key `max_waiting`.
  size_t max_waiting = 1000;
  /// The least time between two live batches of a projection: under load
  /// its batches (one read-model transaction each) grow instead of their
  /// number; events wait at most this long. Key `projection_linger_ms`.
  int64_t projection_linger_ms = 10;
  /// CAF scheduler threads (0 = the number of cores). Key `threads`.
  size_t threads = 0;

  // -- cluster (docs/scaling.md; PostgreSQL only) -----------------------------

  /// This node's id in a cluster of nodes on one schema; empty = no
  /// cluster. Key `node_id`.
  std::string node_id;
  /// Where other nodes reach this one (host:port). Key `node_address`.
  std::string node_address;
  /// Slices streams hash to; fixed for a schema. Key `cluster_slices`.
  int32_t cluster_slices = cluster::default_slice_count;
  /// A node that stops renewing its lease loses its slices this long after
  /// its last heartbeat. Key `lease_ttl_ms`.
  int64_t lease_ttl_ms = 5000;
  /// How often a node renews its lease. Key `heartbeat_ms`.
  int64_t heartbeat_ms = 1000;

  // -- storage ----------------------------------------------------------------

  /// How often the store is asked what it holds (`mink_store_*` metrics);
  /// 0 = never. Key `storage_interval_ms`.
  int64_t storage_interval_ms = 15000;

  // -- logging ----------------------------------------------------------------

  /// spdlog level: trace, debug, info, warn, error, off. Key `log_level`.
  std::string log_level = "info";

  /// Whether the service runs on PostgreSQL.
  bool uses_postgres() const noexcept { return !postgres.empty(); }

  /// Where the store is, for `mink::open_stores`.
  store_location location() const;

  /// Where the store is, safe to log: the SQLite path, or the PostgreSQL
  /// connection string with its password masked.
  std::string describe_store() const;
};

/// Sets `key` to `value`. Fails with `invalid_argument` naming the key for
/// an unknown key or a value that does not parse.
[[nodiscard]] caf::error set_option(service_config& cfg, const std::string& key,
                                    const std::string& value);

/// Reads `key = value` lines from `path` (`#` starts a comment; blank lines
/// are skipped). Fails naming the file and line.
[[nodiscard]] caf::error load_file(service_config& cfg, const std::string& path);

/// Applies every `<prefix><KEY>` variable of `env` (e.g. with prefix
/// `BANK_`, `BANK_PORT=9000`). The prefix is upper-case letters, digits
/// and `_`; anything else fails.
[[nodiscard]] caf::error
load_env(service_config& cfg, const std::map<std::string, std::string>& env,
         const std::string& prefix);

/// The process environment as a map.
std::map<std::string, std::string> process_env();

/// The settings of mink's runtime that `cfg` names: the store and how to
/// open it, threads, batching, snapshots, command timeout, projection
/// linger; everything logs to `log`.
[[nodiscard]] runtime_config to_runtime_config(const service_config& cfg,
                                               logger_ptr log);

/// The HTTP server's settings that `cfg` names: address, port, threads and
/// limits (body, connections, header size and count, timeouts). The drain
/// timeout leaves room for a command's and a read's timeout.
[[nodiscard]] http::server_config to_server_config(const service_config& cfg);

} // namespace mink

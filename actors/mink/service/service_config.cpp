#include "mink/service/service_config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <chrono>
#include <limits>

#include <unistd.h> // environ

#include "mink/cluster/slices.hpp"
#include "mink/errc.hpp"
#include "mink/store/store_url.hpp"

namespace mink {

namespace {

std::string trim(const std::string& x) {
  size_t b = 0;
  size_t e = x.size();
  while (b < e && std::isspace(static_cast<unsigned char>(x[b])))
    ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(x[e - 1])))
    --e;
  return x.substr(b, e - b);
}

caf::error bad_value(const std::string& key, const std::string& why) {
  return make_error(errc::invalid_argument,
                          "configuration key '" + key + "': " + why);
}

template <class T>
caf::error parse_int(const std::string& key, const std::string& value, T& out,
                     T min, T max) {
  long long x = 0;
  auto first = value.data();
  auto last = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(first, last, x);
  if (ec != std::errc{} || ptr != last || value.empty())
    return bad_value(key, "not an integer");
  if (x < static_cast<long long>(min) || x > static_cast<long long>(max))
    return bad_value(key, "out of range [" + std::to_string(min) + ", "
                            + std::to_string(max) + "]");
  out = static_cast<T>(x);
  return {};
}

caf::error parse_size(const std::string& key, const std::string& value,
                      size_t& out, size_t min, size_t max) {
  long long tmp = 0;
  if (auto err = parse_int<long long>(key, value, tmp,
                                      static_cast<long long>(min),
                                      static_cast<long long>(max)))
    return err;
  out = static_cast<size_t>(tmp);
  return {};
}

using setter = std::function<caf::error(service_config&, const std::string&,
                                        const std::string&)>;

const std::map<std::string, setter>& setters() {
  static const std::map<std::string, setter> result{
    {"store",
     [](service_config& c, const std::string& k, const std::string& v) {
       auto where = parse_store_url(v);
       if (!where)
         return bad_value(k, message_of(where.error()));
       switch (where->kind) {
         case store_kind::memory:
           return bad_value(k, "a service keeps its checkpoints and read "
                               "models in SQL: use sqlite:PATH or "
                               "postgresql://...");
         case store_kind::sqlite:
           c.sqlite_path = where->path;
           c.postgres.clear();
           return caf::error{};
         case store_kind::postgres:
           break;
         case store_kind::other:
           return bad_value(k, "a service runs on sqlite:PATH or "
                               "postgresql://... stores");
       }
       c.postgres = where->conninfo;
       c.postgres_schema = where->schema;
       return caf::error{};
     }},
    {"sqlite_path",
     [](service_config& c, const std::string& k, const std::string& v) {
       if (v.empty())
         return bad_value(k, "empty path");
       c.sqlite_path = v;
       return caf::error{};
     }},
    {"postgres",
     [](service_config& c, const std::string&, const std::string& v) {
       c.postgres = v;
       return caf::error{};
     }},
    {"postgres_schema",
     [](service_config& c, const std::string& k, const std::string& v) {
       if (v.empty())
         return bad_value(k, "empty schema");
       c.postgres_schema = v;
       return caf::error{};
     }},
    {"pool_size",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.pool_size, 1, 256);
     }},
    {"statement_deadline_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.statement_deadline_ms, 1, 3600000);
     }},
    {"connect_timeout_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.connect_timeout_ms, 1, 3600000);
     }},
    {"listen_address",
     [](service_config& c, const std::string& k, const std::string& v) {
       if (v.empty())
         return bad_value(k, "empty address");
       c.listen_address = v;
       return caf::error{};
     }},
    {"port",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int>(k, v, c.port, 0, 65535);
     }},
    {"body_limit",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.body_limit, 16, 64 * 1024 * 1024);
     }},
    {"http_threads",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.http_threads, 1, 1024);
     }},
    {"query_threads",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.query_threads, 1, 1024);
     }},
    {"max_queued_queries",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.max_queued_queries, 1, 10000000);
     }},
    {"max_connections",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.max_connections, 1, 1000000);
     }},
    {"header_timeout_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.header_timeout_ms, 1, 3600000);
     }},
    {"idle_timeout_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.idle_timeout_ms, 1, 3600000);
     }},
    {"max_header_bytes",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.max_header_bytes, 256, 1024 * 1024);
     }},
    {"max_header_count",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.max_header_count, 1, 10000);
     }},
    {"admin_token",
     [](service_config& c, const std::string& k, const std::string& v) {
       // The value is a secret: errors name the rule, never the value.
       if (!v.empty() && v.size() < 16)
         return bad_value(k, "at least 16 characters (or empty: off)");
       for (unsigned char ch : v)
         if (ch < 0x21 || ch > 0x7e)
           return bad_value(k, "printable ASCII without spaces only");
       c.admin_token = v;
       return caf::error{};
     }},
    {"command_timeout_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.command_timeout_ms, 1, 3600000);
     }},
    {"read_timeout_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.read_timeout_ms, 0, 3600000);
     }},
    {"snapshot_every",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.snapshot_every, 0, 1000000000);
     }},
    {"max_batch_events",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.max_batch_events, 1, 1000000);
     }},
    {"max_queued_appends",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.max_queued_appends, 0, 100000000);
     }},
    {"max_waiting",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.max_waiting, 1, 100000000);
     }},
    {"projection_linger_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.projection_linger_ms, 0, 10000);
     }},
    {"threads",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_size(k, v, c.threads, 0, 256);
     }},
    {"node_id",
     [](service_config& c, const std::string& k, const std::string& v) {
       if (auto what = cluster::check_node_id(v); !v.empty() && !what.empty())
         return bad_value(k, what);
       c.node_id = v;
       return caf::error{};
     }},
    {"node_address",
     [](service_config& c, const std::string&, const std::string& v) {
       c.node_address = v;
       return caf::error{};
     }},
    {"cluster_slices",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int32_t>(k, v, c.cluster_slices, 1, 65536);
     }},
    {"lease_ttl_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.lease_ttl_ms, 100, 3600000);
     }},
    {"heartbeat_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.heartbeat_ms, 10, 1800000);
     }},
    {"storage_interval_ms",
     [](service_config& c, const std::string& k, const std::string& v) {
       return parse_int<int64_t>(k, v, c.storage_interval_ms, 0, 86400000);
     }},
    {"log_level",
     [](service_config& c, const std::string& k, const std::string& v) {
       static const char* levels[] = {"trace", "debug", "info", "warn",
                                      "error", "critical", "off"};
       for (auto l : levels)
         if (v == l) {
           c.log_level = v;
           return caf::error{};
         }
       return bad_value(k, "one of trace, debug, info, warn, error, "
                           "critical, off");
     }},
  };
  return result;
}

} // namespace

store_location service_config::location() const {
  store_location x;
  if (uses_postgres()) {
    x.kind = store_kind::postgres;
    x.conninfo = postgres;
    x.schema = postgres_schema;
  } else {
    x.kind = store_kind::sqlite;
    x.path = sqlite_path;
  }
  return x;
}

std::string service_config::describe_store() const {
  return location().describe();
}

caf::error set_option(service_config& cfg, const std::string& key,
                      const std::string& value) {
  auto& all = setters();
  auto i = all.find(key);
  if (i == all.end())
    return make_error(errc::invalid_argument,
                            "unknown configuration key '" + key + "'");
  return i->second(cfg, key, value);
}

caf::error load_file(service_config& cfg, const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return make_error(errc::invalid_argument,
                            "cannot read configuration file " + path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto hash = line.find('#');
    if (hash != std::string::npos)
      line.erase(hash);
    line = trim(line);
    if (line.empty())
      continue;
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return make_error(errc::invalid_argument,
                              path + ":" + std::to_string(n)
                                + ": expected 'key = value'");
    if (auto err = set_option(cfg, trim(line.substr(0, eq)),
                              trim(line.substr(eq + 1))))
      return make_error(errc::invalid_argument,
                              path + ":" + std::to_string(n) + ": "
                                + to_text(err));
  }
  return {};
}

caf::error load_env(service_config& cfg,
                    const std::map<std::string, std::string>& env,
                    const std::string& prefix) {
  for (unsigned char c : prefix)
    if (!(std::isupper(c) || std::isdigit(c) || c == '_'))
      return make_error(errc::invalid_argument,
                        "environment prefix '" + prefix
                          + "': only A-Z, 0-9 and _");
  for (const auto& [key, _] : setters()) {
    std::string name = prefix;
    for (char c : key)
      name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto i = env.find(name);
    if (i == env.end())
      continue;
    if (auto err = set_option(cfg, key, i->second))
      return make_error(errc::invalid_argument,
                              "environment variable " + name + ": "
                                + to_text(err));
  }
  return {};
}

std::map<std::string, std::string> process_env() {
  std::map<std::string, std::string> result;
  for (auto p = environ; p != nullptr && *p != nullptr; ++p) {
    std::string kv = *p;
    auto eq = kv.find('=');
    if (eq != std::string::npos)
      result.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return result;
}

runtime_config to_runtime_config(const service_config& cfg, logger_ptr log) {
  runtime_config rt;
  rt.store = cfg.location();
  rt.open.pool_size = cfg.pool_size;
  rt.open.statement_deadline
    = std::chrono::milliseconds{cfg.statement_deadline_ms};
  rt.open.connect_timeout = std::chrono::milliseconds{cfg.connect_timeout_ms};
  rt.threads = cfg.threads;
  rt.persistence.max_batch_events = cfg.max_batch_events;
  rt.persistence.max_queued_appends = cfg.max_queued_appends;
  rt.snapshots.every_events = cfg.snapshot_every;
  rt.max_waiting = cfg.max_waiting;
  rt.command_timeout = std::chrono::milliseconds{cfg.command_timeout_ms};
  rt.projections.live_linger
    = std::chrono::milliseconds{cfg.projection_linger_ms};
  rt.cluster.node_id = cfg.node_id;
  rt.cluster.address = cfg.node_address;
  rt.cluster.slice_count = cfg.cluster_slices;
  rt.cluster.lease_ttl = std::chrono::milliseconds{cfg.lease_ttl_ms};
  rt.cluster.heartbeat = std::chrono::milliseconds{cfg.heartbeat_ms};
  rt.storage_interval = std::chrono::milliseconds{cfg.storage_interval_ms};
  rt.log = std::move(log);
  return rt;
}

http::server_config to_server_config(const service_config& cfg) {
  http::server_config out;
  out.address = cfg.listen_address;
  out.port = cfg.port;
  out.threads = cfg.http_threads;
  out.body_limit = cfg.body_limit;
  out.max_connections = cfg.max_connections;
  out.header_timeout = std::chrono::milliseconds{cfg.header_timeout_ms};
  out.idle_timeout = std::chrono::milliseconds{cfg.idle_timeout_ms};
  out.max_header_bytes = cfg.max_header_bytes;
  out.max_header_count = cfg.max_header_count;
  // Requests in flight may wait for their command's timeout or for a read
  // model (`?position=`): the drain outlasts both.
  out.drain_timeout = std::chrono::milliseconds{
    std::max(cfg.command_timeout_ms, cfg.read_timeout_ms) + 2000};
  return out;
}

} // namespace mink

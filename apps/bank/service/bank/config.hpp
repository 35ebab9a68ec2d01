#pragma once

// The bank's settings: mink's service settings (see
// mink/service/service_config.hpp and docs/configuration.md) with the
// bank's defaults, read from a file and from `BANK_<KEY>` variables.

#include <map>
#include <string>

#include <caf/error.hpp>

#include "mink/service/service_config.hpp"

namespace bank {

/// mink's service settings with the bank's defaults: the SQLite file
/// `./data/bank.db`, the PostgreSQL schema `bank`.
struct service_config : mink::service_config {
  service_config() {
    sqlite_path = "./data/bank.db";
    postgres_schema = "bank";
  }
};

using mink::load_file;
using mink::process_env;
using mink::set_option;

/// Applies every `BANK_<KEY>` variable of `env` (e.g. `BANK_PORT=9000`).
[[nodiscard]] inline caf::error
load_env(service_config& cfg, const std::map<std::string, std::string>& env) {
  return mink::load_env(cfg, env, "BANK_");
}

} // namespace bank

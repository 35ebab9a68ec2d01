// The bank service: `bank [--config FILE]` serves the HTTP API until
// SIGTERM or SIGINT; `bank --demo` starts it on a free port, runs a short
// scenario against itself over HTTP, prints it and stops.

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "bank/config.hpp"
#include "bank/service.hpp"
#include "demo.hpp"
#include "mink/errc.hpp"
#include "mink/service/stop_signals.hpp"

int main(int argc, char** argv) {
  CLI::App app{"bank: the reference service of mink (HTTP JSON API)"};
  std::string config_file;
  bool demo = false;
  app.add_option("-c,--config", config_file,
                 "a file of 'key = value' lines (see docs/bank-service.md); "
                 "BANK_<KEY> environment variables override it");
  app.add_flag("--demo", demo,
               "start on a free port, run a scripted scenario over HTTP, "
               "print it and stop");
  CLI11_PARSE(app, argc, argv);
  bank::service_config cfg;
  if (!config_file.empty())
    if (auto err = bank::load_file(cfg, config_file)) {
      std::cerr << "bank: " << mink::to_text(err) << "\n";
      return EXIT_FAILURE;
    }
  if (auto err = bank::load_env(cfg, bank::process_env())) {
    std::cerr << "bank: " << mink::to_text(err) << "\n";
    return EXIT_FAILURE;
  }
  bank::service_options opts;
  if (auto x = std::getenv("BANK_FAULT_EXIT_AFTER"))
    opts.saga_exit_after = x;
  if (demo) {
    cfg.port = 0;
    if (std::getenv("BANK_LOG_LEVEL") == nullptr)
      cfg.log_level = "error";
  }
  // Every thread started from here on inherits the blocked signals.
  mink::stop_signals stop;
  auto svc = bank::service::start(cfg, opts);
  if (!svc) {
    std::cerr << "bank: cannot start: " << mink::to_text(svc.error()) << "\n";
    return EXIT_FAILURE;
  }
  if (demo) {
    std::cout << "bank service on " << (*svc)->base_url() << " ("
              << cfg.describe_store() << ")\n\n";
    auto ok = bank::run_demo(cfg.listen_address, (*svc)->port());
    (*svc)->stop();
    std::cout << (ok ? "\ndemo finished: every answer as expected\n"
                     : "\ndemo finished with unexpected answers\n");
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
  }
  // The port line is for scripts and tests that start with port 0.
  std::cout << "listening on " << (*svc)->base_url() << std::endl;
  auto sig = stop.wait();
  std::cerr << "bank: signal " << sig << ", shutting down\n";
  (*svc)->stop();
  return EXIT_SUCCESS;
}

// The model-based test of the bank service (docs/reliability.md): random
// sequences of HTTP requests (RapidCheck), each answer checked against a
// model of the bank (bank_model.hpp, model_runner.hpp): its status and
// error code, version and position; repeats with the same Idempotency-Key,
// also after more than 64 later commands on the aggregate; refused
// commands; transfers awaited to their end; reads at the answered position
// and the total. A failing sequence is shrunk to a minimal one, printed
// with the trace of its requests and answers.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <rapidcheck.h>
#include <rapidcheck/boost_test.h>
#include <unistd.h>

#include "../bank/http_fixture.hpp"
#include "bank_model.hpp"
#include "mink/errc.hpp"
#include "model_runner.hpp"

using namespace bank_model;
using namespace bank_test;

namespace {

/// Runs the property `f` `runs` times unless RC_PARAMS says max_success;
/// the rest of RC_PARAMS (seed, noshrink, ...) applies. As
/// rapidcheck/boost_test.h's RC_BOOST_PROP, which cannot take a count.
template <class F>
void check_property(F f, int runs) {
  const auto& tc = boost::unit_test::framework::current_test_case();
  rc::detail::TestMetadata meta;
  meta.id = tc.full_name();
  meta.description = tc.p_name;
  auto params = rc::detail::configuration().testParams;
  auto env = std::getenv("RC_PARAMS");
  if (env == nullptr || std::string{env}.find("max_success") == std::string::npos)
    params.maxSuccess = runs;
  std::cout << meta.id << ": " << params.maxSuccess << " sequences, seed "
            << params.seed << " (RC_PARAMS=\"seed=" << params.seed
            << "\" repeats them)" << std::endl;
  auto result = rc::detail::checkTestable(std::move(f), meta, params);
  BOOST_CHECK(true);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream os;
    os << "\n";
    rc::detail::printResultMessage(result, os);
    BOOST_FAIL(os.str());
  }
}

/// Bounds the time rapidcheck spends shrinking a failure (each try runs a
/// sequence against the service): once `seconds` have passed since the
/// first failure, later tries pass at once, which ends the shrinking with
/// the smallest failing sequence found so far.
class shrink_budget {
public:
  shrink_budget() {
    auto env = std::getenv("MINK_MODEL_SHRINK_SECONDS");
    seconds_ = env != nullptr ? std::atoi(env) : 60;
  }

  /// Whether the try should be skipped.
  bool spent() {
    if (!failed_)
      return false;
    auto over = std::chrono::steady_clock::now() - first_failure_
                > std::chrono::seconds{seconds_};
    if (over && !announced_) {
      announced_ = true;
      std::cout << "model_based: shrinking stopped after " << seconds_
                << " s (MINK_MODEL_SHRINK_SECONDS); the sequence below may "
                   "not be minimal"
                << std::endl;
    }
    return over;
  }

  /// Runs `f`, noting when it fails.
  template <class F>
  void run(F f) {
    try {
      f();
    } catch (...) {
      if (!failed_) {
        failed_ = true;
        first_failure_ = std::chrono::steady_clock::now();
      }
      throw;
    }
  }

private:
  int seconds_ = 60;
  bool failed_ = false;
  bool announced_ = false;
  std::chrono::steady_clock::time_point first_failure_;
};

std::string run_prefix() {
  static int n = 0;
  return "m" + std::to_string(::getpid()) + "r" + std::to_string(n++) + "_";
}

/// A bank service on a fresh schema, stopped and dropped at the end even
/// when a check fails (rapidcheck's failures are exceptions).
struct fresh_service {
  explicit fresh_service(const std::string& name)
    : schema(unique_schema(name)), cfg(pg_config(schema)) {
    cfg.log_level = "error"; // refused commands are the point here
    pg_exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    auto started = bank::service::start(cfg);
    if (!started)
      fail("service start: " + mink::to_text(started.error()));
    svc = std::move(*started);
    http = std::make_unique<fast_client>(cfg.listen_address, svc->port());
  }
  ~fresh_service() {
    http.reset();
    if (svc)
      svc->stop();
    svc.reset();
    pg_exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }
  std::string schema;
  bank::service_config cfg;
  std::unique_ptr<bank::service> svc;
  std::unique_ptr<fast_client> http;
};

/// How many sequences a property ran, in how many seconds.
struct sequences_done {
  int64_t count = 0;
  double seconds = 0;
};

/// Checks `run(ops)` on `runs` random sequences of `min_ops` to `max_ops`
/// operations; a failing one is shrunk within the shrink budget.
template <class F>
sequences_done run_sequences(int min_ops, int max_ops, int runs, F run) {
  sequences_done done;
  shrink_budget budget;
  auto start = std::chrono::steady_clock::now();
  check_property(
    [&] {
      auto ops = *gen_ops(min_ops, max_ops);
      if (budget.spent())
        return;
      ++done.count;
      budget.run([&] { run(ops); });
    },
    runs);
  done.seconds = std::chrono::duration<double>(
                   std::chrono::steady_clock::now() - start)
                   .count();
  return done;
}

} // namespace

BOOST_AUTO_TEST_SUITE(model_based)

BOOST_AUTO_TEST_CASE(random_request_sequences_get_the_answers_of_the_model) {
  // One service; each sequence on accounts and transfers of its own.
  service_fixture f{"model", [](bank::service_config& cfg) {
                      cfg.log_level = "error"; // refusals are the point
                    }};
  fast_client http{f.cfg.listen_address, f.svc->port()};
  int64_t requests = 0;
  auto done = run_sequences(10, 40, 250, [&](const std::vector<op>& ops) {
    requests += run_sequence(http, run_prefix(), ops);
  });
  std::cout << "model_based: " << done.count << " sequences, " << requests
            << " requests in " << done.seconds << " s; answers:";
  for (const auto& [what, count] : coverage())
    std::cout << " " << what << " " << count << ";";
  std::cout << std::endl;
}

BOOST_AUTO_TEST_CASE(a_fresh_service_answers_every_sequence_at_once) {
  // A service started on a fresh schema says ready (/health 200) and then
  // answers every request as the model says, with no 5xx (issue 10, 11).
  int n = 0;
  auto done = run_sequences(3, 12, 10, [&](const std::vector<op>& ops) {
    fresh_service s{"modelfresh" + std::to_string(n++)};
    run_sequence(*s.http, run_prefix(), ops);
  });
  std::cout << "model_based fresh starts: " << done.count << " in "
            << done.seconds << " s" << std::endl;
}

BOOST_AUTO_TEST_SUITE_END()

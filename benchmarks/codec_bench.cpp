// The event codec alone, hand-written against derived from a declaration:
// encodes and decodes the test ledger's `Noted` event (a 200-byte note, as
// the command benchmark writes) through an event_registry, in alternating
// rounds, and prints the median time per event of each.
//   codec_bench [--events N] [--rounds R]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "../tests/support/test_ledger.hpp"

using namespace mink;
using namespace mink::test_domain;

namespace {

/// Nanoseconds per event to encode, then to decode, `n` events.
std::pair<double, double> round_of(const event_registry& reg, size_t n) {
  using clock = std::chrono::steady_clock;
  noted ev{std::string(200, 'x')};
  std::vector<recorded_event> recs(n);
  auto t0 = clock::now();
  for (size_t i = 0; i < n; ++i) {
    auto data = reg.encode(ev);
    recs[i].type = std::move(data->type);
    recs[i].data = std::move(data->data);
  }
  auto t1 = clock::now();
  size_t bytes = 0;
  for (auto& rec : recs)
    bytes += reg.decode(std::move(rec))->get<noted>()->text.size();
  auto t2 = clock::now();
  if (bytes != 200 * n)
    std::abort();
  auto ns = [n](auto d) {
    return std::chrono::duration<double, std::nano>(d).count() / n;
  };
  return {ns(t1 - t0), ns(t2 - t1)};
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  size_t events = 200000;
  int rounds = 7;
  CLI::App app{"mink codec benchmark: hand-written against declared"};
  app.add_option("--events", events, "events per round")
    ->check(CLI::Range(1000, 100000000));
  app.add_option("--rounds", rounds, "rounds of each")->check(CLI::Range(1, 99));
  CLI11_PARSE(app, argc, argv);
  event_registry hand, declared;
  if (register_ledger(hand, false) || register_ledger(declared, true))
    return 1;
  std::vector<double> he, hd, de, dd;
  for (int r = 0; r < rounds; ++r) {
    auto [e1, d1] = round_of(hand, events);
    auto [e2, d2] = round_of(declared, events);
    he.push_back(e1);
    hd.push_back(d1);
    de.push_back(e2);
    dd.push_back(d2);
  }
  std::printf("codec benchmark: %zu Noted events (200-byte note) per round, "
              "%d rounds each, medians\n", events, rounds);
  std::printf("            encode ns/event   decode ns/event\n");
  std::printf("hand        %15.0f   %15.0f\n", median(he), median(hd));
  std::printf("declared    %15.0f   %15.0f\n", median(de), median(dd));
  std::printf("declared/hand  %12.2f   %15.2f\n", median(de) / median(he),
              median(dd) / median(hd));
}

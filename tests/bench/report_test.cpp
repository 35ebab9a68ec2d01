// mink::bench's reports: the JSON written and read back, bad JSON refused
// by name, the summary of a histogram, and the text and HTML pages (their
// numbers, ratios and escaping).

#include <boost/test/unit_test.hpp>

#include <string>

#include "../support/error_text.hpp"
#include "mink/bench/html_report.hpp"
#include "mink/bench/run_report.hpp"
#include "mink/bench/svg_chart.hpp"
#include "mink/errc.hpp"

using namespace mink;
using mink::test_support::why;

namespace {

bench::run_report sample_report(double rate) {
  bench::latency_histogram h;
  for (int64_t v = 1; v <= 1000; ++v)
    h.record(v * 1000); // 1 us .. 1 ms
  bench::load_result res;
  res.latency = h;
  res.ok = 990;
  res.errors["timeout"] = 10;
  res.seconds = 1000 / rate;
  res.series.push_back({0.5, 0.5, 500, 0, 100, 200, 300, 400, 500, 0});
  bench::run_report r;
  r.name = "ledger <write>";
  r.started_at = "2026-12-06T10:00:00Z";
  r.machine = "test";
  r.store = "memory";
  r.parameters["in_flight"] = "64";
  r.retries = 3;
  r.spawned = 7;
  r.lag.push_back({0.25, 12, 0.5});
  r.catch_up_seconds = 0.125;
  r.resources = {2.5, -1, 4096};
  r.baselines.push_back({"raw COPY", 1000, 0.5});
  r.notes.push_back("a note");
  bench::take_load_result(r, res);
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(bench_reports)

BOOST_AUTO_TEST_CASE(a_report_reads_back_as_written) {
  auto r = sample_report(1000);
  auto back = bench::report_from_json(bench::to_json(r));
  BOOST_REQUIRE_MESSAGE(back, why(back));
  BOOST_TEST(back->name == r.name);
  BOOST_TEST(back->ok == 990u);
  BOOST_TEST(back->errors.at("timeout") == 10u);
  BOOST_TEST(back->latency.count == 1000u);
  BOOST_TEST(back->latency.p50 == r.latency.p50);
  BOOST_TEST(back->latency.p999 == r.latency.p999);
  BOOST_TEST(back->latency.max == 1000000);
  BOOST_TEST(back->series.size() == 1u);
  BOOST_TEST(back->series[0].p99 == 300);
  BOOST_TEST(back->series[0].max == 400);
  BOOST_TEST(back->lag[0].events == 12);
  BOOST_TEST(back->resources.postgres_cpu == -1.0);
  BOOST_TEST(back->resources.peak_rss_kib == 4096);
  BOOST_TEST(back->baselines[0].rate() == 2000.0);
  BOOST_TEST(back->notes.at(0) == "a note");
  BOOST_TEST(back->rate() == r.rate());
}

BOOST_AUTO_TEST_CASE(what_is_not_a_report_is_refused_by_name) {
  auto not_json = bench::report_from_json("{\"format\":");
  BOOST_REQUIRE(!not_json);
  BOOST_TEST((code_of(not_json.error()) == errc::decode_failed));
  BOOST_TEST(to_text(not_json.error()).find("not JSON") != std::string::npos);
  auto other = bench::report_from_json(R"({"format":"something-else"})");
  BOOST_REQUIRE(!other);
  BOOST_TEST(to_text(other.error()).find("'format'") != std::string::npos);
  auto text = bench::to_json(sample_report(1000));
  auto pos = text.find("\"ok\": 990");
  BOOST_REQUIRE(pos != std::string::npos);
  text.replace(pos, 9, "\"ok\": \"many\"");
  auto bad_field = bench::report_from_json(text);
  BOOST_REQUIRE(!bad_field);
  BOOST_TEST(to_text(bad_field.error()).find("'ok'") != std::string::npos,
             to_text(bad_field.error()));
}

BOOST_AUTO_TEST_CASE(the_distribution_keeps_every_count) {
  auto s = sample_report(1000).latency;
  uint64_t n = 0;
  int64_t upper = 0;
  for (auto& b : s.distribution) {
    n += b.count;
    BOOST_TEST(b.upper > upper);
    upper = b.upper;
  }
  BOOST_TEST(n == 1000u);
  BOOST_TEST(upper >= s.max);
  BOOST_TEST(s.min == 1000);
}

BOOST_AUTO_TEST_CASE(pages_show_the_numbers_escaped) {
  auto a = sample_report(1000);
  auto b = sample_report(2000);
  auto text = bench::summary_text(a);
  BOOST_TEST(text.find("throughput") != std::string::npos);
  BOOST_TEST(text.find("1 000 /s") != std::string::npos, text);
  BOOST_TEST(text.find("errors: timeout") != std::string::npos);
  BOOST_TEST(text.find("mink at 0.500x") != std::string::npos, text);
  auto html = bench::render_html(a);
  BOOST_TEST(html.find("ledger &lt;write&gt;") != std::string::npos);
  BOOST_TEST(html.find("ledger <write>") == std::string::npos);
  BOOST_TEST(html.find("<svg") != std::string::npos);
  BOOST_TEST(html.find("http") == html.find("http://www.w3.org/2000/svg"),
             "no link but the SVG namespace");
  auto cmp = bench::compare_text(a, b);
  auto line = cmp.substr(cmp.find("throughput"));
  line = line.substr(0, line.find('\n'));
  BOOST_TEST(line.find("1 000 /s") != std::string::npos, line);
  BOOST_TEST(line.find("2 000 /s") != std::string::npos, line);
  BOOST_TEST(line.substr(line.size() - 3) == " 2x", line);
  auto cmp_html = bench::render_compare_html(a, b);
  BOOST_TEST(cmp_html.find("B / A") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(numbers_read_as_people_write_them) {
  BOOST_TEST(bench::format_number(0) == "0");
  BOOST_TEST(bench::format_number(1234567) == "1 234 567");
  BOOST_TEST(bench::format_number(3.14159) == "3.14");
  BOOST_TEST(bench::format_number(0.012345) == "0.0123");
  BOOST_TEST(bench::format_number(-2500.5) == "-2 500");
  BOOST_TEST(bench::html_escape("<a href='x'>&</a>")
             == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
  auto empty = bench::svg_chart({}, {"nothing", "x", "y"});
  BOOST_TEST(empty.find("no data") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

#include "mink/bench/run_report.hpp"

#include <unistd.h>

#include <cmath>
#include <ctime>
#include <fstream>
#include <thread>

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "mink/errc.hpp"
#include "mink/serialization/declared_json.hpp"

namespace mink::bench {

// The report's JSON is mink's own declared-type codec (describe.hpp).
MINK_FIELDS(interval_sample, at, seconds, ok, failed, p50, p90, p99, max,
            total_ok, total_failed)
MINK_FIELDS(latency_summary::bin, upper, count)
MINK_FIELDS(latency_summary, count, min, p50, p90, p99, p999, max, mean,
            distribution)
MINK_FIELDS(lag_sample, at, events, seconds)
MINK_FIELDS(baseline_result, name, events, seconds)
MINK_FIELDS(resource_use, process_cpu, postgres_cpu, peak_rss_kib)
MINK_FIELDS(run_report, name, started_at, machine, store, parameters, seconds,
            ok, errors, latency, series, retries, spawned, lag,
            catch_up_seconds, resources, baselines, notes)
// Fields later versions added or may leave out.
MINK_DEFAULTS(run_report, machine, parameters, errors, series, retries,
              spawned, lag, catch_up_seconds, resources, baselines, notes)

namespace {

constexpr const char* format_name = "mink-bench-report/1";

/// The upper bounds of ten bins per decade: 1, 1.26, 1.58, ... x 10^k.
int64_t bin_upper(int64_t value) {
  if (value <= 1)
    return 1;
  auto k = std::ceil(std::log10(static_cast<double>(value)) * 10 - 1e-9);
  return static_cast<int64_t>(std::ceil(std::pow(10.0, k / 10)));
}

} // namespace

latency_summary summarize(const latency_histogram& h) {
  latency_summary s;
  s.count = h.count();
  s.min = h.min();
  s.p50 = h.percentile(50);
  s.p90 = h.percentile(90);
  s.p99 = h.percentile(99);
  s.p999 = h.percentile(99.9);
  s.max = h.max();
  s.mean = h.mean();
  for (auto& b : h.buckets()) {
    auto upper = bin_upper(b.high);
    if (s.distribution.empty() || s.distribution.back().upper != upper)
      s.distribution.push_back({upper, 0});
    s.distribution.back().count += b.count;
  }
  return s;
}

double run_report::rate() const {
  return seconds > 0 ? static_cast<double>(latency.count) / seconds : 0;
}

uint64_t run_report::failed() const {
  uint64_t n = 0;
  for (auto& [kind, count] : errors)
    n += count;
  return n;
}

void take_load_result(run_report& out, const load_result& res) {
  out.seconds = res.seconds;
  out.ok = res.ok;
  out.errors = res.errors;
  out.latency = summarize(res.latency);
  out.series = res.series;
}

std::string describe_machine() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::string model;
  std::ifstream cpuinfo{"/proc/cpuinfo"};
  for (std::string line; model.empty() && std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0)
      model = line.substr(line.find(':') + 2);
  auto out = std::string{host} + ", "
             + std::to_string(std::thread::hardware_concurrency()) + " CPUs";
  return model.empty() ? out : out + ", " + model;
}

std::string utc_now() {
  auto now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string to_json(const run_report& r) {
  rapidjson::Document doc;
  json::write_fields(r, doc, doc.GetAllocator()); // makes `doc` an object
  doc.AddMember("format", rapidjson::StringRef(format_name), doc.GetAllocator());
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer{buf};
  writer.SetIndent(' ', 1);
  doc.Accept(writer);
  return std::string{buf.GetString(), buf.GetSize()} + "\n";
}

caf::expected<run_report> report_from_json(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError())
    return make_error(errc::decode_failed,
                      std::string{"bench report: not JSON ("}
                        + rapidjson::GetParseError_En(doc.GetParseError())
                        + " at offset " + std::to_string(doc.GetErrorOffset())
                        + ")");
  if (!doc.IsObject() || !doc.HasMember("format") || !doc["format"].IsString()
      || std::string_view{doc["format"].GetString()} != format_name)
    return make_error(errc::decode_failed,
                      std::string{"bench report: field 'format' must be '"}
                        + format_name + "'");
  return decode_declared<run_report>(doc, "bench report");
}

} // namespace mink::bench

#include "mink/bench/resource_usage.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <string>

namespace mink::bench {

namespace {

double seconds_of(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

/// The CPU ticks of /proc/<pid>/stat when its command is `postgres`
/// (utime + stime + cutime + cstime: a server's backends are children of
/// the postmaster, which adds those that exited), or -1.
long long postgres_ticks(const std::string& pid) {
  std::ifstream in{"/proc/" + pid + "/stat"};
  std::string line;
  if (!std::getline(in, line))
    return -1;
  auto open = line.find('(');
  auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos
      || line.compare(open + 1, close - open - 1, "postgres") != 0)
    return -1;
  // Fields after the command: state (3) ... utime (14) stime (15)
  // cutime (16) cstime (17).
  std::istringstream rest{line.substr(close + 2)};
  std::string field;
  long long sum = 0;
  for (int i = 3; i <= 17 && rest >> field; ++i)
    if (i >= 14)
      sum += std::stoll(field);
  return sum;
}

double postgres_cpu_seconds() {
  auto* dir = opendir("/proc");
  if (dir == nullptr)
    return -1;
  long long ticks = 0;
  bool seen = false;
  while (auto* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0])))
      continue;
    try {
      if (auto t = postgres_ticks(name); t >= 0) {
        ticks += t;
        seen = true;
      }
    } catch (const std::exception&) {
      // A process that ended while read, or an odd line: skipped.
    }
  }
  closedir(dir);
  if (!seen)
    return -1;
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

} // namespace

resource_sample sample_resources() {
  resource_sample s;
  rusage self{};
  if (getrusage(RUSAGE_SELF, &self) == 0) {
    s.process_cpu = seconds_of(self.ru_utime) + seconds_of(self.ru_stime);
    s.peak_rss_kib = self.ru_maxrss;
  }
  s.postgres_cpu = postgres_cpu_seconds();
  return s;
}

resource_use resources_between(const resource_sample& before,
                               const resource_sample& after) {
  resource_use use;
  use.process_cpu = after.process_cpu - before.process_cpu;
  if (before.postgres_cpu >= 0 && after.postgres_cpu >= 0)
    use.postgres_cpu = after.postgres_cpu - before.postgres_cpu;
  use.peak_rss_kib = after.peak_rss_kib;
  return use;
}

} // namespace mink::bench

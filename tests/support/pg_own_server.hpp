#pragma once

// A PostgreSQL 15 server of a test's own (initdb and pg_ctl under
// `runuser -u postgres`, as scripts/pg-throwaway.sh does), so that the test
// can stop, freeze (SIGSTOP) and thaw it without disturbing other tests.

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mink::test_support {

class pg_own_server {
public:
  static constexpr const char* bin = "/usr/lib/postgresql/15/bin";

  /// Whether this machine can run one: root (for runuser) and PostgreSQL
  /// 15's binaries.
  static bool available() {
    return ::geteuid() == 0
           && ::access((std::string{bin} + "/initdb").c_str(), X_OK) == 0;
  }

  /// Creates the cluster, adds `conf` (lines of postgresql.conf) to its
  /// configuration and starts the server; `ok()` tells whether it runs.
  explicit pg_own_server(const std::string& conf = {}) {
    if (!make_dir())
      return;
    ok_ = sh("runuser -u postgres -- " + std::string{bin} + "/initdb -D "
             + dir_ + "/data -U postgres --auth=trust -E UTF8"
               " --locale=C.UTF-8 >" + dir_ + "/initdb.log 2>&1")
          && add_conf(conf) && start();
  }

  /// A server recovering from the base backup in `base` (pg_basebackup's
  /// plain format) with `conf` added (restore_command, recovery targets):
  /// starts it in recovery (`recovery.signal`); `ok()` tells whether it
  /// accepts connections (it may still be recovering).
  struct from_base_backup {
    std::string base;
  };

  pg_own_server(const from_base_backup& from, const std::string& conf) {
    if (!make_dir())
      return;
    ok_ = sh("cp -a " + from.base + " " + dir_ + "/data")
          && sh("chown -R postgres: " + dir_ + "/data")
          && sh("chmod 700 " + dir_ + "/data") && add_conf(conf)
          && sh("runuser -u postgres -- touch " + dir_ + "/data/recovery.signal")
          && start();
  }

  ~pg_own_server() {
    if (dir_.empty())
      return;
    thaw();
    sh(pg_ctl() + " -m immediate stop >/dev/null 2>&1");
    sh("rm -rf " + dir_);
  }

  pg_own_server(const pg_own_server&) = delete;
  pg_own_server& operator=(const pg_own_server&) = delete;

  bool ok() const { return ok_; }

  int port() const { return port_; }

  std::string conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(port_)
           + " user=postgres dbname=postgres";
  }

  /// Starts the server (again) and waits until it accepts connections.
  bool start() {
    return sh(pg_ctl() + " -l " + dir_ + "/log -w -o \"-p "
              + std::to_string(port_) + " -k " + dir_
              + " -c listen_addresses=127.0.0.1\" start >/dev/null");
  }

  /// Stops the server at once, as a crash would (`-m immediate`).
  bool stop() { return sh(pg_ctl() + " -m immediate stop >/dev/null"); }

  /// Stops every server process (postmaster and all its children) with
  /// SIGSTOP: connections stay open and the kernel still ACKs, but nothing
  /// answers. Returns how many processes were stopped.
  size_t freeze() {
    frozen_.clear();
    auto pm = postmaster_pid();
    if (pm <= 0)
      return 0;
    // The postmaster first: stopped, it forks no new children.
    if (::kill(pm, SIGSTOP) == 0)
      frozen_.push_back(pm);
    for (auto child : children_of(pm))
      if (::kill(child, SIGSTOP) == 0)
        frozen_.push_back(child);
    return frozen_.size();
  }

  /// Lets the processes that `freeze` stopped run again.
  void thaw() {
    for (auto pid : frozen_)
      ::kill(pid, SIGCONT);
    frozen_.clear();
  }

private:
  static bool sh(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }

  /// A folder of its own, for the postgres user, and a free port.
  bool make_dir() {
    char tmpl[] = "/tmp/mink-own-pg.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
      return false;
    dir_ = tmpl;
    port_ = free_port();
    return sh("chown postgres: " + dir_);
  }

  /// Appends `conf` to the cluster's postgresql.conf.
  bool add_conf(const std::string& conf) {
    std::ofstream out{dir_ + "/data/postgresql.conf", std::ios::app};
    out << "\n" << conf << "\n";
    return static_cast<bool>(out);
  }

  std::string pg_ctl() const {
    return "runuser -u postgres -- " + std::string{bin} + "/pg_ctl -D " + dir_
           + "/data";
  }

  /// A port that nothing listens on now (the kernel's pick).
  static int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    int port = 55900;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
  }

  /// The first line of postmaster.pid.
  pid_t postmaster_pid() const {
    std::ifstream in{dir_ + "/data/postmaster.pid"};
    long pid = 0;
    in >> pid;
    return static_cast<pid_t>(pid);
  }

  /// Every process whose parent is `parent` (from /proc/<pid>/stat).
  static std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> result;
    auto dir = ::opendir("/proc");
    if (dir == nullptr)
      return result;
    while (auto entry = ::readdir(dir)) {
      char* end = nullptr;
      auto pid = std::strtol(entry->d_name, &end, 10);
      if (end == entry->d_name || *end != '\0')
        continue;
      std::ifstream in{"/proc/" + std::string{entry->d_name} + "/stat"};
      std::string stat;
      std::getline(in, stat);
      // pid (comm) state ppid ...: comm may hold spaces and parentheses.
      auto close = stat.rfind(')');
      if (close == std::string::npos)
        continue;
      std::istringstream rest{stat.substr(close + 1)};
      std::string state;
      long ppid = 0;
      rest >> state >> ppid;
      if (ppid == parent)
        result.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(dir);
    return result;
  }

  std::string dir_;
  int port_ = 0;
  bool ok_ = false;
  std::vector<pid_t> frozen_;
};

} // namespace mink::test_support

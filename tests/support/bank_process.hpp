#pragma once

// The bank service as a process of its own, started from the built binary
// (BANK_BINARY, a compile definition of the test), so that a test can kill
// it with SIGKILL, run two of them on one database, or watch it survive a
// database outage.

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mink::test_support {

/// A running bank process; killed (SIGKILL) when destroyed still running,
/// so that a test that stops early leaves no process behind (nor the
/// test's output pipe open, which would make CTest wait for it).
struct bank_process {
  pid_t pid = -1;
  int port = 0;

  bank_process() = default;
  bank_process(bank_process&& other) noexcept
    : pid(other.pid), port(other.port) {
    other.pid = -1;
  }
  bank_process& operator=(bank_process&& other) noexcept {
    std::swap(pid, other.pid);
    std::swap(port, other.port);
    return *this;
  }
  ~bank_process() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  /// Starts the binary with `env` added to this process's environment (its
  /// own BANK_ variables removed); reads the port from the first line it
  /// prints ("listening on http://127.0.0.1:PORT"). Fails the test when it
  /// does not start.
  static bank_process start(const std::map<std::string, std::string>& env) {
    bank_process p;
    int fds[2];
    BOOST_REQUIRE_EQUAL(::pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::vector<std::string> vars;
    for (auto e = environ; *e != nullptr; ++e)
      if (std::string{*e}.rfind("BANK_", 0) != 0)
        vars.emplace_back(*e);
    for (const auto& [k, v] : env)
      vars.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& v : vars)
      envp.push_back(v.data());
    envp.push_back(nullptr);
    std::string bin = BANK_BINARY;
    char* argv[] = {bin.data(), nullptr};
    auto rc = posix_spawn(&p.pid, bin.c_str(), &fa, nullptr, argv,
                          envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    BOOST_REQUIRE_EQUAL(rc, 0);
    std::string line;
    char ch = 0;
    while (::read(fds[0], &ch, 1) == 1 && ch != '\n')
      line += ch;
    ::close(fds[0]);
    auto colon = line.rfind(':');
    BOOST_REQUIRE_MESSAGE(line.rfind("listening on", 0) == 0
                            && colon != std::string::npos,
                          "unexpected first line: " << line);
    p.port = std::stoi(line.substr(colon + 1));
    return p;
  }

  /// Sends `sig`.
  void signal(int sig) const {
    if (pid > 0)
      ::kill(pid, sig);
  }

  /// Waits for the process; returns its exit status, or 128 + signal.
  int wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    if (WIFEXITED(status))
      return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }

  /// SIGTERM, then waits: the exit status of a clean shutdown is 0.
  int terminate() {
    signal(SIGTERM);
    return wait();
  }
};

} // namespace mink::test_support

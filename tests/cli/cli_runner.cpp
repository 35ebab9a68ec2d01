#include "cli_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace mink::cli_test {

namespace {

std::filesystem::path make_temp_dir() {
  auto pattern
    = (std::filesystem::temp_directory_path() / "mink-cli-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  return pattern;
}

/// Forks and execs `program` with stdout/stderr to files; returns the pid.
pid_t spawn(const std::string& program, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env,
            const std::string& stdin_file, const std::filesystem::path& out,
            const std::filesystem::path& err) {
  std::vector<std::string> argv_s{program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  auto pid = fork();
  if (pid < 0)
    throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    auto in = open(stdin_file.empty() ? "/dev/null" : stdin_file.c_str(),
                   O_RDONLY);
    auto o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    auto e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || o < 0 || e < 0)
      _exit(126);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    for (auto& [k, v] : env)
      setenv(k.c_str(), v.c_str(), 1);
    execvp(argv[0], argv.data()); // a bare name is looked up in PATH
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

run_result run_program(const std::string& program,
                       const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env,
                       const std::string& stdin_file) {
  temp_dir dir;
  auto out = dir.path / "out";
  auto err = dir.path / "err";
  run_result result;
  result.exit_code = wait_exit(spawn(program, args, env, stdin_file, out, err));
  result.out = read_file(out);
  result.err = read_file(err);
  return result;
}

run_result run(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env,
               const std::string& stdin_file) {
  return run_program(MINK_CLI_PATH, args, env, stdin_file);
}

background::background(const std::vector<std::string>& args)
  : dir_(make_temp_dir()) {
  pid_ = spawn(MINK_CLI_PATH, args, {}, {}, dir_ / "out", dir_ / "err");
}

background::~background() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    wait_exit(pid_);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string background::out() const {
  return read_file(dir_ / "out");
}

int background::stop(int sig) {
  kill(pid_, sig);
  auto code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

temp_dir::temp_dir() : path(make_temp_dir()) {
  // nop
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

} // namespace mink::cli_test

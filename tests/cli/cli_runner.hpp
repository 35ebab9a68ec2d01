#pragma once

// Runs the built `mink` program and captures what it printed.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "../support/eventually.hpp"

namespace mink::cli_test {

/// What a run of `mink` did.
struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `mink args...` with extra environment variables and, when given,
/// a file as stdin; waits for it.
run_result run(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {},
               const std::string& stdin_file = {});

/// Runs another program the same way (`program` is its path, or a name
/// looked up in PATH).
run_result run_program(const std::string& program,
                       const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env = {},
                       const std::string& stdin_file = {});

/// A `mink` running in the background, its output going to files.
class background {
public:
  explicit background(const std::vector<std::string>& args);
  ~background();

  /// What it printed so far.
  std::string out() const;

  /// Sends `sig` and waits for the exit; returns the exit code (or 128 +
  /// signal).
  int stop(int sig);

private:
  pid_t pid_ = -1;
  std::filesystem::path dir_;
};

using test_support::eventually;

/// A fresh temporary directory, removed with the object.
struct temp_dir {
  temp_dir();
  ~temp_dir();
  std::filesystem::path path;
};

/// The bytes of file `p`; "" when it cannot be read.
std::string read_file(const std::filesystem::path& p);

/// Returns whether `text` contains `part`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace mink::cli_test

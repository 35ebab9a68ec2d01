#include "mink/adapters/sqlite/detail/file_lock_lease.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mink/errc.hpp"
#include "mink/projection/detail/checkpoint_checks.hpp"

namespace mink::detail {

namespace {

/// Holds the lock through an open file descriptor.
class file_lock_lease : public runner_lease {
public:
  file_lock_lease(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    // nop
  }

  ~file_lock_lease() override {
    // Closing the only descriptor of the open file description releases
    // the lock.
    ::close(fd_);
  }

  /// The lock holds as long as the descriptor is open, unless someone
  /// deleted or replaced the file: then another runner could lock the new
  /// file at the same path, so the lease counts as lost.
  bool held() override {
    struct stat mine;
    struct stat named;
    if (::fstat(fd_, &mine) != 0 || ::stat(path_.c_str(), &named) != 0)
      return false;
    return mine.st_dev == named.st_dev && mine.st_ino == named.st_ino;
  }

private:
  int fd_;
  std::string path_;
};

} // namespace

std::string projection_lock_path(const std::string& db_path,
                                 const std::string& name) {
  char digits[17];
  std::snprintf(digits, sizeof(digits), "%016llx",
                static_cast<unsigned long long>(stable_hash(name)));
  return db_path + ".projection-" + digits + ".lock";
}

caf::expected<std::unique_ptr<runner_lease>>
try_file_lock(const std::string& path) {
  // O_CLOEXEC: a child that execs does not inherit the lock.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(errc::store_unavailable,
                      "cannot open lock file " + path + ": "
                        + std::strerror(errno));
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0)
      return std::unique_ptr<runner_lease>{new file_lock_lease(fd, path)};
    auto code = errno;
    if (code == EINTR)
      continue;
    ::close(fd);
    if (code == EWOULDBLOCK)
      return std::unique_ptr<runner_lease>{};
    return make_error(errc::store_unavailable,
                      "cannot lock " + path + ": " + std::strerror(code));
  }
}

} // namespace mink::detail

#include "mink/service/stop_signals.hpp"

#include <pthread.h>

#include <csignal>

namespace mink {

namespace {

sigset_t stop_set() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  return sigs;
}

} // namespace

stop_signals::stop_signals() {
  auto sigs = stop_set();
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int stop_signals::wait() const {
  auto sigs = stop_set();
  int sig = 0;
  sigwait(&sigs, &sig);
  return sig;
}

} // namespace mink

#include "mink/http/responder.hpp"

#include <atomic>

namespace mink::http {

struct responder::state {
  send_fn send;
  std::string correlation_id;
  std::atomic<bool> done{false};

  ~state() {
    if (!done.load() && send)
      send(error_response(500, "internal_error",
                          "the request got no answer", correlation_id));
  }
};

responder::responder(send_fn send, std::string correlation_id)
  : state_(std::make_shared<state>()) {
  state_->send = std::move(send);
  state_->correlation_id = std::move(correlation_id);
}

void responder::operator()(response res) const {
  if (!state_ || state_->done.exchange(true))
    return;
  state_->send(std::move(res));
}

void responder::error(int status, std::string_view code,
                      std::string_view message) const {
  if (!state_)
    return;
  (*this)(error_response(status, code, message, state_->correlation_id));
}

bool responder::answered() const noexcept {
  return state_ && state_->done.load();
}

} // namespace mink::http

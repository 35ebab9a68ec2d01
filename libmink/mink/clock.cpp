#include "mink/clock.hpp"

namespace mink {

namespace {

class wall_clock final : public clock {
public:
  int64_t now_us() const override {
    return mink::now_us();
  }
};

} // namespace

clock::~clock() = default;

std::shared_ptr<clock> system_clock() {
  static auto instance = std::make_shared<wall_clock>();
  return instance;
}

} // namespace mink

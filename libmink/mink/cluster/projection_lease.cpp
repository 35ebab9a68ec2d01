#include "mink/cluster/projection_lease.hpp"

namespace mink::cluster {

namespace {

class slice_runner_lease : public runner_lease {
public:
  slice_runner_lease(std::shared_ptr<const ownership> own, std::string key,
                     int64_t epoch)
    : own_(std::move(own)), key_(std::move(key)), epoch_(epoch) {
    // nop
  }

  bool held() override {
    auto r = own_->route_of(key_);
    return r.local && r.epoch == epoch_;
  }

private:
  std::shared_ptr<const ownership> own_;
  std::string key_;
  int64_t epoch_;
};

} // namespace

std::string projection_key(const std::string& name) {
  return "projection:" + name;
}

std::unique_ptr<runner_lease>
lead_projection(std::shared_ptr<const ownership> own, const std::string& name) {
  if (!own)
    return nullptr;
  auto key = projection_key(name);
  auto r = own->route_of(key);
  if (!r.local)
    return nullptr;
  return std::make_unique<slice_runner_lease>(std::move(own), std::move(key),
                                              r.epoch);
}

} // namespace mink::cluster

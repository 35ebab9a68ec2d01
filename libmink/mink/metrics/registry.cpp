#include "mink/metrics/registry.hpp"

#include <algorithm>
#include <utility>

#include <caf/message.hpp>

#include "mink/errc.hpp"
#include "mink/metrics/names.hpp"
#include "mink/utf8.hpp"

namespace mink::metrics {

namespace {

/// The names of the sample lines that a family called `name` writes.
std::vector<std::string> sample_names(metric_kind kind,
                                      const std::string& name) {
  if (kind != metric_kind::histogram)
    return {name};
  return {name, name + "_bucket", name + "_count", name + "_sum"};
}

caf::error check_definition(metric_kind kind, const std::string& name,
                            const std::string& help,
                            const std::vector<std::string>& label_names,
                            const std::vector<double>& buckets) {
  if (auto err = validate_metric_name(name))
    return err;
  if (!is_valid_utf8(help))
    return make_error(errc::invalid_argument,
                      "metric " + name + ": help text is not valid UTF-8");
  for (size_t i = 0; i < label_names.size(); ++i) {
    if (auto err = validate_label_name(label_names[i]))
      return err;
    if (std::find(label_names.begin(), label_names.begin() + i,
                  label_names[i])
        != label_names.begin() + i)
      return make_error(errc::invalid_argument,
                        "metric " + name + ": label name " + label_names[i]
                          + " appears twice");
    if (kind == metric_kind::histogram && label_names[i] == "le")
      return make_error(errc::invalid_argument,
                        "histogram " + name
                          + ": the label name le is reserved for buckets");
  }
  if (kind == metric_kind::histogram) {
    if (auto err = validate_buckets(buckets)) {
      const auto& ctx = err.context();
      std::string what = ctx.size() == 1 && ctx.match_element<std::string>(0)
                           ? ctx.get_as<std::string>(0)
                           : to_text(err);
      return make_error(errc::invalid_argument,
                        "histogram " + name + ": " + what);
    }
  }
  return caf::none;
}

} // namespace

registry::registry() {
  // nop
}

registry::~registry() {
  // nop
}

caf::expected<family<counter>*>
registry::add_counter(std::string name, std::string help,
                      std::vector<std::string> label_names) {
  auto res = add(metric_kind::counter, std::move(name), std::move(help),
                 std::move(label_names), {});
  if (!res)
    return std::move(res.error());
  return static_cast<family<counter>*>(*res);
}

caf::expected<family<gauge>*>
registry::add_gauge(std::string name, std::string help,
                    std::vector<std::string> label_names) {
  auto res = add(metric_kind::gauge, std::move(name), std::move(help),
                 std::move(label_names), {});
  if (!res)
    return std::move(res.error());
  return static_cast<family<gauge>*>(*res);
}

caf::expected<family<histogram>*>
registry::add_histogram(std::string name, std::string help,
                        std::vector<std::string> label_names,
                        std::vector<double> buckets) {
  auto res = add(metric_kind::histogram, std::move(name), std::move(help),
                 std::move(label_names), std::move(buckets));
  if (!res)
    return std::move(res.error());
  return static_cast<family<histogram>*>(*res);
}

size_t registry::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return families_.size();
}

caf::expected<family_base*>
registry::add(metric_kind kind, std::string name, std::string help,
              std::vector<std::string> label_names,
              std::vector<double> buckets) {
  if (auto err = check_definition(kind, name, help, label_names, buckets))
    return err;
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto i = families_.find(name); i != families_.end()) {
    auto& old = *i->second;
    if (old.kind() != kind)
      return make_error(errc::invalid_argument,
                        "metric " + name + " is already registered as a "
                          + to_string(old.kind()) + ", not a "
                          + to_string(kind));
    if (old.help() != help || old.label_names() != label_names
        || old.buckets() != buckets)
      return make_error(errc::invalid_argument,
                        "metric " + name
                          + " is already registered with different help "
                            "text, label names or buckets");
    return &old;
  }
  auto names = sample_names(kind, name);
  for (const auto& [other_name, other] : families_)
    for (const auto& x : sample_names(other->kind(), other_name))
      if (std::find(names.begin(), names.end(), x) != names.end())
        return make_error(errc::invalid_argument,
                          "metric " + name + " collides with the samples of "
                            + to_string(other->kind()) + " " + other_name);
  std::unique_ptr<family_base> fam;
  switch (kind) {
    case metric_kind::counter:
      fam = std::make_unique<family<counter>>(name, std::move(help),
                                              std::move(label_names));
      break;
    case metric_kind::gauge:
      fam = std::make_unique<family<gauge>>(name, std::move(help),
                                            std::move(label_names));
      break;
    case metric_kind::histogram:
      fam = std::make_unique<family<histogram>>(name, std::move(help),
                                                std::move(label_names),
                                                std::move(buckets));
      break;
  }
  auto* result = fam.get();
  families_.emplace(std::move(name), std::move(fam));
  return result;
}

} // namespace mink::metrics

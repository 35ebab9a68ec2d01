#include "mink/metrics/family.hpp"

#include "mink/errc.hpp"
#include "mink/utf8.hpp"

namespace mink::metrics {

family_base::family_base(std::string name, std::string help,
                         std::vector<std::string> label_names,
                         metric_kind kind, std::vector<double> buckets)
  : name_(std::move(name)),
    help_(std::move(help)),
    label_names_(std::move(label_names)),
    kind_(kind),
    buckets_(std::move(buckets)) {
  // nop
}

family_base::~family_base() {
  // nop
}

caf::error
family_base::check_label_values(const std::vector<std::string>& values) const {
  if (values.size() != label_names_.size()) {
    std::string names;
    for (const auto& x : label_names_) {
      if (!names.empty())
        names += ", ";
      names += x;
    }
    return make_error(errc::invalid_argument,
                      "metric " + name_ + " expects "
                        + std::to_string(label_names_.size())
                        + " label value(s) (" + names + "), got "
                        + std::to_string(values.size()));
  }
  for (size_t i = 0; i < values.size(); ++i)
    if (!is_valid_utf8(values[i]))
      return make_error(errc::invalid_argument,
                        "metric " + name_ + ": the value of label "
                          + label_names_[i] + " is not valid UTF-8");
  return caf::none;
}

} // namespace mink::metrics

#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/metrics/metric_kind.hpp"

namespace mink::metrics {

/// What every metric family has, whatever its kind: a name, help text,
/// label names and, for histograms, bucket bounds. Created by `registry`.
class family_base {
public:
  family_base(std::string name, std::string help,
              std::vector<std::string> label_names, metric_kind kind,
              std::vector<double> buckets);

  family_base(const family_base&) = delete;

  family_base& operator=(const family_base&) = delete;

  virtual ~family_base();

  /// Returns the metric name, e.g. `mink_commands_total`.
  [[nodiscard]] const std::string& name() const noexcept {
    return name_;
  }

  /// Returns the help text of the `# HELP` line.
  [[nodiscard]] const std::string& help() const noexcept {
    return help_;
  }

  /// Returns the label names, in the order `with` expects their values.
  [[nodiscard]] const std::vector<std::string>& label_names() const noexcept {
    return label_names_;
  }

  /// Returns the kind of every child.
  [[nodiscard]] metric_kind kind() const noexcept {
    return kind_;
  }

  /// Returns the bucket upper bounds of a histogram family; empty otherwise.
  [[nodiscard]] const std::vector<double>& buckets() const noexcept {
    return buckets_;
  }

protected:
  /// Checks that `values` has one valid UTF-8 value per label name.
  [[nodiscard]] caf::error
  check_label_values(const std::vector<std::string>& values) const;

  /// Guards the children of the derived family.
  mutable std::mutex mtx_;

private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  metric_kind kind_;
  std::vector<double> buckets_;
};

/// All metrics of one name and kind, one child of type `T` (`counter`,
/// `gauge` or `histogram`) per distinct set of label values.
///
/// Children are created on first use and never removed: the pointer that
/// `with` returns stays valid as long as the registry that owns this family.
/// Creating or finding a child takes a mutex; callers on a hot path look a
/// child up once and keep the pointer, whose operations are lock-free.
template <class T>
class family : public family_base {
public:
  /// Creates a family; `registry` does this after checking every argument.
  /// A family without label names has its one child from the start.
  family(std::string name, std::string help,
         std::vector<std::string> label_names,
         std::vector<double> buckets = {})
    : family_base(std::move(name), std::move(help), std::move(label_names),
                  T::kind, std::move(buckets)) {
    if (this->label_names().empty())
      children_.emplace(std::vector<std::string>{}, make_child());
  }

  /// Returns the child for `label_values`, one per label name in the same
  /// order, creating it on first use. Fails with `errc::invalid_argument`
  /// when the number of values does not match the number of label names or
  /// a value is not valid UTF-8. Never returns a null pointer.
  [[nodiscard]] caf::expected<T*>
  with(const std::vector<std::string>& label_values) {
    if (auto err = check_label_values(label_values))
      return err;
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = children_.find(label_values);
    if (i == children_.end())
      i = children_.emplace(label_values, make_child()).first;
    return i->second.get();
  }

  /// Calls `f(label_values, child)` for every child, ordered by label values
  /// (lexicographically), while holding the family's mutex: `f` must not
  /// call `with` on this family.
  template <class F>
  void for_each(F&& f) const {
    std::lock_guard<std::mutex> guard{mtx_};
    for (const auto& [values, child] : children_)
      f(values, std::as_const(*child));
  }

  /// Returns the number of children.
  [[nodiscard]] size_t size() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return children_.size();
  }

private:
  std::unique_ptr<T> make_child() const {
    if constexpr (T::kind == metric_kind::histogram)
      return std::make_unique<T>(buckets());
    else
      return std::make_unique<T>();
  }

  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

} // namespace mink::metrics

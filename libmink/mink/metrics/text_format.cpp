#include "mink/metrics/text_format.hpp"

#include <charconv>
#include <cmath>
#include <vector>

#include "mink/metrics/registry.hpp"

namespace mink::metrics {

namespace {

void append_escaped(std::string& out, std::string_view str, bool quotes) {
  for (auto c : str) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        if (quotes)
          out += "\\\"";
        else
          out += c;
        break;
      default:
        out += c;
    }
  }
}

void append_uint(std::string& out, uint64_t x) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), x);
  out.append(buf, res.ptr);
}

/// Appends `{name="value",...}`, plus `le="..."` when `le` is not null;
/// nothing at all when there are no labels.
void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values,
                   const std::string* le = nullptr) {
  if (names.empty() && le == nullptr)
    return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      out += ',';
    out += names[i];
    out += "=\"";
    append_escaped(out, values[i], true);
    out += '"';
  }
  if (le != nullptr) {
    if (!names.empty())
      out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

void append_header(std::string& out, const family_base& fam) {
  if (!fam.help().empty()) {
    out += "# HELP ";
    out += fam.name();
    out += ' ';
    append_escaped(out, fam.help(), false);
    out += '\n';
  }
  out += "# TYPE ";
  out += fam.name();
  out += ' ';
  out += to_string(fam.kind());
  out += '\n';
}

void append_family(std::string& out, const family<counter>& fam) {
  append_header(out, fam);
  fam.for_each([&](const std::vector<std::string>& values, const counter& x) {
    out += fam.name();
    append_labels(out, fam.label_names(), values);
    out += ' ';
    // Read the float part first: if it is zero, the integer part alone is
    // the exact total, even beyond 2^53.
    auto fraction = x.float_part();
    auto integer = x.integer_part();
    if (fraction == 0.0)
      append_uint(out, integer);
    else
      append_prometheus_float(out, static_cast<double>(integer) + fraction);
    out += '\n';
  });
}

void append_family(std::string& out, const family<gauge>& fam) {
  append_header(out, fam);
  fam.for_each([&](const std::vector<std::string>& values, const gauge& x) {
    out += fam.name();
    append_labels(out, fam.label_names(), values);
    out += ' ';
    append_prometheus_float(out, x.value());
    out += '\n';
  });
}

void append_family(std::string& out, const family<histogram>& fam) {
  append_header(out, fam);
  std::vector<std::string> les;
  les.reserve(fam.buckets().size() + 1);
  for (auto bound : fam.buckets())
    les.push_back(format_prometheus_float(bound));
  les.emplace_back("+Inf");
  fam.for_each([&](const std::vector<std::string>& values,
                   const histogram& x) {
    auto snap = x.snapshot();
    for (size_t i = 0; i < snap.cumulative_counts.size(); ++i) {
      out += fam.name();
      out += "_bucket";
      append_labels(out, fam.label_names(), values, &les[i]);
      out += ' ';
      append_uint(out, snap.cumulative_counts[i]);
      out += '\n';
    }
    out += fam.name();
    out += "_sum";
    append_labels(out, fam.label_names(), values);
    out += ' ';
    append_prometheus_float(out, snap.sum);
    out += '\n';
    out += fam.name();
    out += "_count";
    append_labels(out, fam.label_names(), values);
    out += ' ';
    append_uint(out, snap.count());
    out += '\n';
  });
}

} // namespace

std::string to_prometheus_text(const registry& reg) {
  std::string out;
  reg.for_each_family([&out](const auto& fam) { append_family(out, fam); });
  return out;
}

void append_prometheus_float(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "NaN";
    return;
  }
  if (std::isinf(x)) {
    out += x > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (x == 0.0) {
    out += '0';
    return;
  }
  auto magnitude = std::fabs(x);
  auto fmt = magnitude >= 1e-4 && magnitude < 1e21
               ? std::chars_format::fixed
               : std::chars_format::scientific;
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), x, fmt);
  out.append(buf, res.ptr);
}

std::string format_prometheus_float(double x) {
  std::string result;
  append_prometheus_float(result, x);
  return result;
}

std::string escape_label_value(std::string_view str) {
  std::string result;
  result.reserve(str.size());
  append_escaped(result, str, true);
  return result;
}

std::string escape_help(std::string_view str) {
  std::string result;
  result.reserve(str.size());
  append_escaped(result, str, false);
  return result;
}

} // namespace mink::metrics

#include "fuzz_input.hpp"

#include <cstdio>
#include <cstdlib>

namespace mink::fuzz {

std::string_view input::next_line() {
  auto end = text_.find('\n');
  auto line = text_.substr(0, end);
  text_.remove_prefix(end == std::string_view::npos ? text_.size() : end + 1);
  return line;
}

std::string_view input::rest() {
  auto result = text_;
  text_ = {};
  return result;
}

int32_t to_int32(std::string_view text, int32_t fallback) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative)
    text.remove_prefix(1);
  if (text.empty() || text.size() > 10)
    return fallback;
  int64_t x = 0;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return fallback;
    x = x * 10 + (c - '0');
  }
  if (negative)
    x = -x;
  if (x < INT32_MIN || x > INT32_MAX)
    return fallback;
  return static_cast<int32_t>(x);
}

void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "property broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

bool same_event(const recorded_event& x, const recorded_event& y) {
  return x.event_id == y.event_id && x.stream_id == y.stream_id
         && x.stream_version == y.stream_version
         && x.global_position == y.global_position && x.type == y.type
         && x.schema_version == y.schema_version && x.data == y.data
         && x.meta == y.meta && x.timestamp_us == y.timestamp_us;
}

recorded_event stored_event() {
  recorded_event ev;
  ev.event_id = "00000000-0000-7000-8000-000000000001";
  ev.stream_id = "fuzz-1";
  ev.stream_version = 1;
  ev.global_position = 1;
  return ev;
}

} // namespace mink::fuzz

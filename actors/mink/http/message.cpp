#include "mink/http/message.hpp"

#include <cstdio>

#include "mink/utf8.hpp"
#include "mink/uuid.hpp"

namespace mink::http {

namespace {

const std::string* find(const fields& xs, std::string_view name) {
  for (const auto& [k, v] : xs)
    if (k == name)
      return &v;
  return nullptr;
}

} // namespace

const std::string* request::header(std::string_view name) const {
  return find(headers, name);
}

const std::string* request::query_param(std::string_view name) const {
  return find(query, name);
}

std::string json_escape(std::string_view raw) {
  if (!mink::is_valid_utf8(raw))
    raw = "(invalid UTF-8)";
  std::string out;
  out.reserve(raw.size() + 8);
  for (unsigned char c : raw) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string error_json(std::string_view code, std::string_view message,
                       std::string_view correlation_id) {
  return "{\"error\":\"" + json_escape(code) + "\",\"message\":\""
         + json_escape(message) + "\",\"correlation_id\":\""
         + json_escape(correlation_id) + "\"}";
}

response error_response(int status, std::string_view code,
                        std::string_view message,
                        std::string_view correlation_id) {
  response res;
  res.status = status;
  res.body = error_json(code, message, correlation_id);
  return res;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size())
        return false;
      int hi = hex_digit_value(in[i + 1]);
      int lo = hex_digit_value(in[i + 2]);
      if (hi < 0 || lo < 0)
        return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return true;
}

} // namespace mink::http

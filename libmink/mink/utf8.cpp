#include "mink/utf8.hpp"

#include <cstdint>

namespace mink {

bool is_valid_utf8(std::string_view str) noexcept {
  auto p = reinterpret_cast<const uint8_t*>(str.data());
  auto end = p + str.size();
  while (p < end) {
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra)
      return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    static constexpr uint32_t min_for[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    p += extra + 1;
  }
  return true;
}

bool has_control_chars(std::string_view str) noexcept {
  for (size_t i = 0; i < str.size(); ++i) {
    auto c = static_cast<unsigned char>(str[i]);
    if (c < 0x20 || c == 0x7f)
      return true;
    // U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8.
    if (c == 0xc2 && i + 1 < str.size()
        && static_cast<unsigned char>(str[i + 1]) <= 0x9f
        && static_cast<unsigned char>(str[i + 1]) >= 0x80)
      return true;
  }
  return false;
}

} // namespace mink

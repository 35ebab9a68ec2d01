#include "mink/stream_id.hpp"

#include "mink/errc.hpp"
#include "mink/utf8.hpp"

namespace mink {

caf::error validate_stream_id(std::string_view id) {
  if (id.empty())
    return make_error(errc::invalid_argument, "stream id is empty");
  if (id.size() > max_stream_id_size)
    return make_error(errc::invalid_argument,
                      "stream id is " + std::to_string(id.size())
                        + " bytes long; the limit is "
                        + std::to_string(max_stream_id_size));
  for (unsigned char c : id)
    if (c < 0x20 || c == 0x7f)
      return make_error(errc::invalid_argument,
                        "stream id contains control character "
                          + std::to_string(static_cast<int>(c)));
  if (!is_valid_utf8(id))
    return make_error(errc::invalid_argument, "stream id is not valid UTF-8");
  return {};
}

std::string_view category_of(std::string_view id) noexcept {
  auto dash = id.find('-');
  return dash == std::string_view::npos ? id : id.substr(0, dash);
}

} // namespace mink

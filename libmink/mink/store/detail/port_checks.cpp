#include "mink/store/detail/port_checks.hpp"

#include "mink/stream_id.hpp"
#include "mink/utf8.hpp"

namespace mink::detail {

std::string name_problem(std::string_view what, std::string_view name) {
  if (name.empty())
    return std::string{what} + " is empty";
  if (name.size() > max_name_size)
    return std::string{what} + " is longer than "
           + std::to_string(max_name_size) + " bytes";
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      return std::string{what} + " contains a control character";
  if (!is_valid_utf8(name))
    return std::string{what} + " is not valid UTF-8";
  return {};
}

caf::error validate_category_filter(const std::string& category) {
  if (category.empty())
    return {};
  if (auto problem = name_problem("category", category); !problem.empty())
    return make_error(errc::invalid_argument, problem);
  if (category.find('-') != std::string::npos)
    return make_error(errc::invalid_argument,
                      "category " + category
                        + " contains '-', which no category can hold");
  return {};
}

caf::error validate_listing(const std::string& after_stream_id,
                            const std::string& category) {
  if (!after_stream_id.empty())
    if (auto err = validate_stream_id(after_stream_id))
      return err;
  return validate_category_filter(category);
}

} // namespace mink::detail

#include "mink/expected_version.hpp"

namespace mink {

std::string to_string(expected_version x) {
  switch (x.mode()) {
    case expected_version::kind::any: return "any";
    case expected_version::kind::no_stream: return "no_stream";
    case expected_version::kind::stream_exists: return "stream_exists";
    case expected_version::kind::exact: return std::to_string(x.value());
  }
  return "?";
}

} // namespace mink

#include "mink/projection/projection.hpp"

namespace mink {

projection::~projection() = default;

} // namespace mink

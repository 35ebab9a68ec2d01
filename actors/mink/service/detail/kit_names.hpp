#pragma once

// The HTTP names the service kit's own .cpp files use unqualified, declared
// once for all of them. Not for users: `using namespace` it only in a .cpp.

#include "mink/http/error_mapping.hpp"
#include "mink/http/json_body.hpp"
#include "mink/http/message.hpp"
#include "mink/http/responder.hpp"

namespace mink::kit_names {

using http::http_error;
using http::json_object;
using http::json_writer;
using http::put;
using http::put_objects;
using http::request;
using http::responder;
using http::response;

} // namespace mink::kit_names

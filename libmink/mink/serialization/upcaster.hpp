#pragma once

#include <functional>

#include <caf/error.hpp>
#include <rapidjson/document.h>

namespace mink {

/// Raises a JSON document from schema version n to n+1 in place. Returns the
/// empty error on success; any error makes the decode fail with
/// `errc::decode_failed`. New values must use the document's allocator
/// (`data.GetAllocator()`).
///
/// Example (version 1 had `name`, version 2 splits it):
/// ~~~
/// registry.add_upcaster("UserRegistered", 1, [](rapidjson::Document& d) {
///   auto& alloc = d.GetAllocator();
///   d.AddMember("first", d["name"], alloc); // moves the value
///   d.RemoveMember("name");
///   return caf::error{};
/// });
/// ~~~
using upcast_fn = std::function<caf::error(rapidjson::Document& data)>;

} // namespace mink

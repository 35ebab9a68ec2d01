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
/// Example (version 1 called it `name`, version 2 calls it `full_name`):
/// ~~~
/// registry.add_upcaster("UserRegistered", 1, [](rapidjson::Document& d) {
///   rapidjson::Value name;
///   name.Swap(d["name"]); // take the value out before the object changes
///   d.RemoveMember("name");
///   d.AddMember("full_name", name, d.GetAllocator());
///   return caf::error{};
/// });
/// ~~~
using upcast_fn = std::function<caf::error(rapidjson::Document& data)>;

} // namespace mink

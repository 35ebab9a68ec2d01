#include "mink/serialization/event_registry.hpp"

#include <cstddef>
#include <exception>
#include <string_view>

#include "mink/errc.hpp"
#include "mink/serialization/json_codec.hpp"

namespace mink {

namespace {

caf::error invalid(std::string what) {
  return make_error(errc::invalid_argument, std::move(what));
}

std::string quoted(const std::string& name) {
  return "\"" + name + "\"";
}

/// Names where an event is stored, for error messages.
std::string location(const recorded_event& ev) {
  return " (stream " + ev.stream_id + ", version "
         + std::to_string(ev.stream_version) + ", position "
         + std::to_string(ev.global_position) + ")";
}

/// Prefix of every decode error: type and stored version.
std::string subject(const recorded_event& ev) {
  return "event type " + quoted(ev.type) + " stored at schema version "
         + std::to_string(ev.schema_version);
}

/// The explanation inside `err`, without the code when it is
/// `decode_failed` anyway (the outer error says so already).
std::string reason(const caf::error& err) {
  if (!err)
    return "no reason given";
  auto text = to_text(err);
  constexpr std::string_view prefix = "decode_failed: ";
  if (code_of(err) == errc::decode_failed
      && text.compare(0, prefix.size(), prefix) == 0)
    text.erase(0, prefix.size());
  return text;
}

} // namespace

caf::error event_registry::empty_function_error(const std::string& name) {
  return invalid("event type " + quoted(name)
                 + ": encoder and decoder must not be empty");
}

caf::error event_registry::add_entry(std::string name, int32_t schema_version,
                                     std::type_index type, codec fns) {
  if (name.empty())
    return invalid("event type name is empty");
  if (schema_version < 1)
    return invalid("event type " + quoted(name)
                   + ": schema version must be at least 1, got "
                   + std::to_string(schema_version));
  if (entries_.count(name) != 0)
    return invalid("event type " + quoted(name) + " is already registered");
  if (auto i = names_.find(type); i != names_.end())
    return invalid("event type " + quoted(name) + ": its C++ type is "
                   + "already registered as " + quoted(i->second));
  names_.emplace(type, name);
  entry e;
  e.name = name;
  e.version = schema_version;
  e.fns = std::move(fns);
  entries_.emplace(std::move(name), std::move(e));
  return {};
}

caf::error event_registry::add_upcaster(const std::string& name,
                                        int32_t from_version, upcast_fn fn) {
  auto i = entries_.find(name);
  if (i == entries_.end())
    return invalid("upcaster for unknown event type " + quoted(name));
  auto& e = i->second;
  auto step = "upcaster of " + quoted(name) + " from version "
              + std::to_string(from_version) + ": ";
  if (!fn)
    return invalid(step + "function is empty");
  if (from_version < 1)
    return invalid(step + "versions start at 1");
  // Same as from_version + 1 > e.version, without overflow.
  if (from_version >= e.version)
    return invalid(step + "the current schema version is "
                   + std::to_string(e.version));
  if (e.steps.count(from_version) != 0)
    return invalid(step + "already registered");
  // The chain grows down from the current version, so at any time it
  // reaches the current version without a gap.
  auto expected = e.steps.empty() ? e.version - 1 : e.steps.begin()->first - 1;
  if (from_version != expected)
    return invalid(step + "leaves a gap; the next step must be from version "
                   + std::to_string(expected) + " (register steps from the "
                   "newest down, or a whole chain with add_upcasters)");
  e.steps.emplace(from_version, std::move(fn));
  return {};
}

caf::error event_registry::add_upcasters(const std::string& name,
                                         int32_t from_version,
                                         std::vector<upcast_fn> fns) {
  auto i = entries_.find(name);
  if (i == entries_.end())
    return invalid("upcasters for unknown event type " + quoted(name));
  if (fns.empty())
    return invalid("upcasters of " + quoted(name) + ": the chain is empty");
  auto& e = i->second;
  auto top = e.steps.empty() ? e.version : e.steps.begin()->first;
  auto count = static_cast<int64_t>(fns.size());
  if (from_version < 1 || from_version + count != top)
    return invalid("upcasters of " + quoted(name) + " from version "
                   + std::to_string(from_version) + ": " + std::to_string(count)
                   + " steps must end at version " + std::to_string(top));
  for (auto& fn : fns)
    if (!fn)
      return invalid("upcasters of " + quoted(name) + ": a function is empty");
  for (auto v = top - 1; v >= from_version; --v)
    e.steps.emplace(v, std::move(fns[static_cast<size_t>(v - from_version)]));
  return {};
}

caf::expected<event_data>
event_registry::encode_erased(std::type_index type, const void* x,
                              metadata meta) const {
  auto i = names_.find(type);
  if (i == names_.end())
    return make_error(errc::unknown_event_type,
                      std::string{"no event type registered for C++ type "}
                        + type.name());
  const auto& e = entries_.at(i->second);
  // The document's first block lives on the stack: a default document
  // takes 64 KiB from the heap for even the smallest event.
  alignas(std::max_align_t) char first_block[2048];
  rapidjson::MemoryPoolAllocator<> pool{first_block, sizeof first_block,
                                        16 * 1024};
  rapidjson::Document doc{&pool};
  try {
    e.fns.encode(x, doc);
  } catch (const std::exception& ex) {
    // An encoder is user code; its exception becomes a value, as a
    // decoder's does.
    return make_error(errc::invalid_argument,
                      "encoding event type " + quoted(e.name)
                        + " threw: " + ex.what());
  }
  auto json = write_json(doc);
  if (!json)
    return make_error(errc::invalid_argument,
                      "encoding event type " + quoted(e.name)
                        + " failed: " + reason(json.error()));
  event_data result;
  result.type = e.name;
  result.schema_version = e.version;
  result.data = std::move(*json);
  result.meta = std::move(meta);
  return result;
}

caf::error event_registry::check_upcast_path(const entry& e,
                                             const recorded_event& ev) const {
  auto what = [&] {
    return subject(ev) + ", registered at version " + std::to_string(e.version)
           + ": ";
  };
  if (ev.schema_version > e.version)
    return make_error(errc::decode_failed,
                      what() + "stored version is newer" + location(ev));
  if (ev.schema_version < 1)
    return make_error(errc::decode_failed,
                      what() + "stored version is below 1" + location(ev));
  // Steps are contiguous and never reach past the current version, so the
  // path exists iff the lowest step is at or below the stored version and
  // the highest step ends at the current version.
  if (ev.schema_version < e.version
      && (e.steps.empty() || e.steps.begin()->first > ev.schema_version
          || e.steps.rbegin()->first + 1 != e.version)) {
    auto missing = ev.schema_version;
    while (e.steps.count(missing) != 0)
      ++missing;
    return make_error(errc::decode_failed,
                      what() + "no upcaster from version "
                        + std::to_string(missing) + " to "
                        + std::to_string(missing + 1) + location(ev));
  }
  return {};
}

caf::error event_registry::apply_steps(const entry& e,
                                       const recorded_event& ev,
                                       rapidjson::Document& doc) const {
  for (auto v = ev.schema_version; v < e.version; ++v) {
    const auto& fn = e.steps.at(v);
    caf::error err;
    try {
      err = fn(doc);
    } catch (const std::exception& ex) {
      err = make_error(errc::decode_failed,
                       std::string{"upcaster threw: "} + ex.what());
    }
    if (err)
      return make_error(errc::decode_failed,
                        subject(ev) + ": upcast from version "
                          + std::to_string(v) + " to " + std::to_string(v + 1)
                          + " failed: " + reason(err) + location(ev));
  }
  return {};
}

caf::error event_registry::parse_upcasted(const entry& e,
                                          const recorded_event& ev,
                                          rapidjson::Document& doc) const {
  if (auto err = check_upcast_path(e, ev))
    return err;
  if (auto err = parse_json(ev.data, doc))
    return make_error(errc::decode_failed,
                      subject(ev) + ": " + reason(err) + location(ev));
  if (ev.schema_version == e.version)
    return {};
  return apply_steps(e, ev, doc);
}

caf::error event_registry::parse_and_upcast(const entry& e,
                                            recorded_event& ev,
                                            rapidjson::Document& doc) const {
  if (auto err = parse_upcasted(e, ev, doc))
    return err;
  if (ev.schema_version == e.version)
    return {};
  auto json = write_json(doc);
  if (!json)
    return make_error(errc::decode_failed,
                      subject(ev) + ": upcast result: " + reason(json.error())
                        + location(ev));
  ev.data = std::move(*json);
  ev.schema_version = e.version;
  return {};
}

caf::error event_registry::run_decoder(const entry& e,
                                       const std::string& stored,
                                       const recorded_event& ev,
                                       const rapidjson::Document& doc,
                                       std::any& out) const {
  caf::error err;
  try {
    err = e.fns.decode(doc, out);
  } catch (const std::exception& ex) {
    err = make_error(errc::decode_failed,
                     std::string{"decoder threw: "} + ex.what());
  }
  if (err)
    return make_error(errc::decode_failed,
                      stored + ": decoder for version "
                        + std::to_string(e.version)
                        + " failed: " + reason(err) + location(ev));
  return {};
}

caf::expected<recorded_event> event_registry::upcast(recorded_event ev) const {
  auto i = entries_.find(ev.type);
  if (i == entries_.end() || ev.schema_version == i->second.version)
    return ev;
  rapidjson::Document doc;
  if (auto err = parse_and_upcast(i->second, ev, doc))
    return err;
  return ev;
}

caf::expected<decoded_event>
event_registry::decode(const recorded_event& ev) const {
  return decode_impl(ev);
}

caf::expected<decoded_event>
event_registry::decode(recorded_event&& ev) const {
  return decode_impl(std::move(ev));
}

caf::expected<decoded_event>
event_registry::decode_impl(recorded_event ev) const {
  auto e = find_entry(ev);
  if (!e)
    return std::move(e.error());
  auto stored = subject(ev);
  rapidjson::Document doc;
  if (auto err = parse_and_upcast(**e, ev, doc))
    return err;
  decoded_event result;
  if (auto err = run_decoder(**e, stored, ev, doc, result.value))
    return err;
  result.envelope = std::move(ev);
  return result;
}

caf::expected<std::any>
event_registry::decode_value(const recorded_event& ev) const {
  auto e = find_entry(ev);
  if (!e)
    return std::move(e.error());
  rapidjson::Document doc;
  if (auto err = parse_upcasted(**e, ev, doc))
    return err;
  std::any value;
  if (auto err = run_decoder(**e, subject(ev), ev, doc, value))
    return err;
  return value;
}

caf::expected<const event_registry::entry*>
event_registry::find_entry(const recorded_event& ev) const {
  auto i = entries_.find(ev.type);
  if (i == entries_.end())
    return make_error(errc::unknown_event_type,
                      "event type " + quoted(ev.type) + " is not registered"
                        + location(ev));
  return &i->second;
}

bool event_registry::contains(const std::string& name) const {
  return entries_.count(name) != 0;
}

int32_t event_registry::schema_version_of(const std::string& name) const {
  auto i = entries_.find(name);
  return i != entries_.end() ? i->second.version : 0;
}

} // namespace mink

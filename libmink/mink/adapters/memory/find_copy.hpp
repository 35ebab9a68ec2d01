#pragma once

#include <mutex>
#include <optional>

namespace mink::memory {

/// A copy of the value of `key` in `map`, read under `mtx`, or none: what
/// the memory stores answer to a lookup (a copy, so the caller holds no
/// reference into a map that other threads change).
template <class Map, class Key>
std::optional<typename Map::mapped_type> find_copy(std::mutex& mtx,
                                                   const Map& map,
                                                   const Key& key) {
  std::lock_guard<std::mutex> guard{mtx};
  auto i = map.find(key);
  if (i == map.end())
    return std::nullopt;
  return i->second;
}

} // namespace mink::memory

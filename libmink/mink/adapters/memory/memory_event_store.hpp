#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mink/store/event_store.hpp"

namespace mink {

/// An event store in process memory, for tests and examples. Every instance
/// made by `share()` sees the same events.
class memory_event_store : public event_store {
public:
  memory_event_store();

  /// Returns another handle on the same events.
  std::unique_ptr<memory_event_store> share() const;

protected:
  void do_append(std::vector<prepared_append>& prepared,
                 append_results& out) override;

  caf::expected<std::vector<recorded_event>>
  do_read_stream(const std::string& stream_id, int64_t from_version,
                 size_t limit, read_direction dir) override;

  caf::expected<std::vector<recorded_event>>
  do_read_all(int64_t from_position, size_t limit,
              const read_filter& filter) override;

  caf::expected<mink::stream_info>
  do_stream_info(const std::string& stream_id) override;

  caf::expected<int64_t> do_last_position() override;

  caf::expected<std::optional<command_record>>
  do_find_command(const std::string& command_id) override;

  caf::expected<size_t> do_purge_commands(int64_t older_than_us) override;

  caf::expected<std::vector<stream_summary>>
  do_list_streams(const std::string& after_stream_id, size_t limit,
                  const std::string& category) override;

  caf::error do_import(const std::vector<import_event>& events) override;

private:
  struct state {
    std::mutex mtx;
    /// All events; `log[p - 1]` has global position p.
    std::vector<recorded_event> log;
    /// Per stream, the global positions of its events in version order.
    std::unordered_map<std::string, std::vector<int64_t>> streams;
    std::unordered_set<std::string> event_ids;
    /// Command records by command id.
    std::unordered_map<std::string, command_record> commands;
  };

  explicit memory_event_store(std::shared_ptr<state> st);

  std::shared_ptr<state> state_;
};

} // namespace mink

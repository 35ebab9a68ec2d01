#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "mink/projection/checkpoint_store.hpp"

namespace mink {

/// A checkpoint store in process memory, for tests and examples. Every
/// instance made by `share()` sees the same records, dead letters and
/// leases: at most one lease per projection exists among them. Nothing
/// outlives the process, so a lease ends with it.
class memory_checkpoint_store : public checkpoint_store {
public:
  memory_checkpoint_store();

  /// Returns another handle on the same storage.
  [[nodiscard]] std::unique_ptr<memory_checkpoint_store> share() const;

protected:
  caf::expected<projection_record>
  do_ensure(const std::string& name) override;

  caf::expected<std::optional<projection_record>>
  do_load(const std::string& name) override;

  caf::expected<std::vector<projection_record>> do_list() override;

  caf::error do_save(const std::string& name, int64_t expected,
                     int64_t position) override;

  caf::error do_set_desired(const std::string& name,
                            projection_desired desired) override;

  caf::error do_request_reset(const std::string& name,
                              int64_t position) override;

  caf::error do_request_rebuild(const std::string& name) override;

  caf::error do_complete_request(const std::string& name,
                                 int64_t position) override;

  caf::error do_report(const std::string& name,
                       const projection_report& x) override;

  caf::error do_park(const std::string& name, const recorded_event& ev,
                     const std::string& error) override;

  caf::expected<std::vector<dead_letter>>
  do_dead_letters(const std::string& name, size_t limit) override;

  caf::error do_request_replay(const std::string& name,
                               int64_t position) override;

  caf::error do_remove_dead_letter(const std::string& name,
                                   int64_t position) override;

  caf::expected<std::unique_ptr<runner_lease>>
  do_try_lead(const std::string& name) override;

private:
  /// The storage that handles share.
  struct state {
    std::mutex mtx;
    /// Ordered by name, as `list` returns them.
    std::map<std::string, projection_record> records;
    /// Keyed and ordered by (projection, position).
    std::map<std::pair<std::string, int64_t>, dead_letter> letters;
    /// Projections whose lease someone holds.
    std::set<std::string> leased;
  };

  /// A runner lease on `state::leased`; defined in the source file.
  class lease;

  explicit memory_checkpoint_store(std::shared_ptr<state> st);

  /// Runs `f` on the record of `name` under the lock; `projection_not_found`
  /// when there is none.
  template <class F>
  caf::error with_record(const std::string& name, F f);

  std::shared_ptr<state> state_;
};

} // namespace mink

#pragma once

// Writing rows with COPY FROM STDIN: the events table's fields, a stream
// of chunks, and what a failed COPY says.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <libpq-fe.h>

#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/store/append.hpp"

namespace mink::pg {

/// The fields of an events row that every writer fills (position,
/// stream_id, version, category, event_id, type, schema_version, data,
/// metadata, created_at: a timestamptz literal), tab-separated, without
/// the line's end.
void put_event_fields(std::string& buf, int64_t position,
                      const std::string& stream_id, int64_t version,
                      const std::string& category, const prepared_event& ev,
                      const std::string& created_at);

/// Whether a failed COPY hit a unique index whose name contains one of
/// `parts`: a repeat that an insert left to the index.
bool unique_violation_on(const result& res,
                         std::initializer_list<std::string_view> parts);

/// Streams rows into COPY FROM STDIN while they are built, so that the
/// server parses and inserts one chunk while the client formats the next.
class copy_stream {
public:
  /// Builds rows in a buffer of this thread's, kept from call to call: a
  /// new one of this size would come from the kernel and go back each time.
  explicit copy_stream(PGconn* conn) : conn_(conn), buf_(thread_buffer()) {
    buf_.clear();
    buf_.reserve(chunk_size * 2);
  }

  ~copy_stream() {
    // A huge event grew it: give that back.
    if (buf_.capacity() > chunk_size * 4)
      std::string{}.swap(buf_);
  }

  copy_stream(const copy_stream&) = delete;
  copy_stream& operator=(const copy_stream&) = delete;

  /// Starts the COPY.
  caf::error start(const std::string& sql) {
    if (auto res = exec(conn_, sql); !res)
      return std::move(res.error());
    return {};
  }

  /// The buffer to append rows to; call `flush_if_full` after each row.
  std::string& buffer() noexcept { return buf_; }

  caf::error flush_if_full() {
    return buf_.size() >= chunk_size ? flush() : caf::error{};
  }

  /// Ends the COPY and checks that the server stored all `count` rows.
  /// Returns the server's result, which may be an error result (such as a
  /// unique violation) for the caller to look at.
  caf::expected<result> finish(size_t count);


private:
  /// Small enough for libpq's int lengths, large enough to amortise calls.
  static constexpr size_t chunk_size = 256 * 1024;

  static std::string& thread_buffer() {
    thread_local std::string buf;
    return buf;
  }

  caf::error flush();


  PGconn* conn_;
  std::string& buf_;
};

} // namespace mink::pg

#include "mink/adapters/postgres/pg_copy.hpp"

#include <algorithm>

#include "mink/adapters/postgres/pg_watchdog.hpp"
#include "mink/errc.hpp"

namespace mink::pg {

void put_event_fields(std::string& buf, int64_t position,
                      const std::string& stream_id, int64_t version,
                      const std::string& category, const prepared_event& ev,
                      const std::string& created_at) {
  buf += std::to_string(position);
  buf += '\t';
  put_copy_field(buf, stream_id);
  buf += '\t';
  buf += std::to_string(version);
  buf += '\t';
  put_copy_field(buf, category);
  buf += '\t';
  buf += ev.event_id; // a validated UUID
  buf += '\t';
  put_copy_field(buf, ev.type);
  buf += '\t';
  buf += std::to_string(ev.schema_version);
  buf += '\t';
  put_copy_field(buf, ev.data);
  buf += '\t';
  put_copy_field(buf, ev.metadata_json);
  buf += '\t';
  buf += created_at; // formatted here
}

bool unique_violation_on(const result& res,
                         std::initializer_list<std::string_view> parts) {
  auto constraint = PQresultErrorField(res.get(), PG_DIAG_CONSTRAINT_NAME);
  if (sqlstate(res.get()) != "23505" || constraint == nullptr)
    return false;
  return std::any_of(parts.begin(), parts.end(), [&](std::string_view part) {
    return std::string_view{constraint}.find(part) != std::string_view::npos;
  });
}

caf::expected<result> copy_stream::finish(size_t count) {
  if (auto err = flush())
    return err;
  if (PQputCopyEnd(conn_, nullptr) != 1)
    return to_error(conn_, nullptr, "COPY");
  result res{PQgetResult(conn_)};
  // Drain: libpq wants PQgetResult called until it returns null.
  while (auto extra = PQgetResult(conn_))
    PQclear(extra);
  if (PQresultStatus(res.get()) == PGRES_COMMAND_OK
      && std::string_view{PQcmdTuples(res.get())} != std::to_string(count))
    return make_error(errc::storage_failure,
                      std::string{"COPY stored "} + PQcmdTuples(res.get())
                        + " rows of " + std::to_string(count));
  return res;
}

caf::error copy_stream::flush() {
  // Each chunk the server takes is progress: the statement deadline
  // counts from the last one.
  watchdog::touch();
  // A single event may exceed the chunk size; send it in pieces.
  for (size_t offset = 0; offset < buf_.size(); offset += chunk_size) {
    auto len = std::min(chunk_size, buf_.size() - offset);
    if (PQputCopyData(conn_, buf_.data() + offset, static_cast<int>(len))
        != 1)
      return to_error(conn_, nullptr, "COPY");
  }
  buf_.clear();
  return {};
}

} // namespace mink::pg

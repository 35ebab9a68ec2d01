#include "mink/adapters/postgres/pg_result.hpp"

#include <time.h>

#include <charconv>
#include <cstdio>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_watchdog.hpp"

namespace mink::pg {

int64_t result::int64(int row, int col) const {
  auto txt = text(row, col);
  int64_t value = 0;
  std::from_chars(txt.data(), txt.data() + txt.size(), value);
  return value;
}

std::string timestamptz_literal(int64_t us) {
  auto secs = static_cast<time_t>(us / 1000000);
  auto frac = static_cast<long>(us % 1000000);
  struct tm t;
  gmtime_r(&secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%06ld+00",
                t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                t.tm_min, t.tm_sec, frac);
  return buf;
}

std::string sqlstate(const PGresult* res) {
  if (res == nullptr)
    return {};
  auto state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  return state == nullptr ? std::string{} : std::string{state};
}

int64_t affected_rows(const result& res) {
  std::string_view txt{PQcmdTuples(res.get())};
  int64_t n = 0;
  std::from_chars(txt.data(), txt.data() + txt.size(), n);
  return n;
}

caf::error to_error(PGconn* conn, const PGresult* res, std::string_view what) {
  auto state = sqlstate(res);
  std::string msg{what};
  msg += ": ";
  const char* text = res != nullptr ? PQresultErrorMessage(res) : nullptr;
  if (text == nullptr || *text == '\0')
    text = PQerrorMessage(conn);
  msg += text;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
    msg.pop_back();
  if (!state.empty())
    msg += " (SQLSTATE " + state + ")";
  if (watchdog::fired())
    return make_error(errc::store_unavailable,
                      std::string{what} + ": no answer from PostgreSQL within "
                        + std::to_string(watchdog::current_deadline().count())
                        + " ms (statement deadline); connection closed");
  auto lost = PQstatus(conn) != CONNECTION_OK;
  if (lost || state.rfind("08", 0) == 0 || state == "57P01"
      || state == "57P03")
    return make_error(errc::store_unavailable, std::move(msg));
  return make_error(errc::storage_failure, std::move(msg));
}

namespace {

bool succeeded(const PGresult* raw) {
  auto status = PQresultStatus(raw);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
         || status == PGRES_COPY_IN;
}

caf::expected<result> check(PGconn* conn, PGresult* raw,
                            const std::string& sql) {
  result res{raw};
  if (succeeded(raw))
    return res;
  // Name the statement by its verb only: SQL text never holds values, but
  // the whole statement would drown PostgreSQL's message.
  auto verb = sql.substr(0, sql.find_first_of(" ;\n("));
  return to_error(conn, raw, "PostgreSQL " + verb);
}

} // namespace

caf::expected<result> exec(PGconn* conn, const std::string& sql) {
  watchdog::touch();
  return check(conn, PQexec(conn, sql.c_str()), sql);
}

caf::error send(PGconn* conn, const std::string& sql) {
  watchdog::touch();
  if (PQsendQuery(conn, sql.c_str()) != 1)
    return to_error(conn, nullptr, "PostgreSQL send");
  return {};
}

namespace {

/// Pointers to the characters of `params`, as libpq takes parameters.
std::vector<const char*> c_strings(const std::vector<std::string>& params) {
  std::vector<const char*> out;
  out.reserve(params.size());
  for (const auto& p : params)
    out.push_back(p.c_str());
  return out;
}

} // namespace

caf::expected<result> receive(PGconn* conn, const std::string& sql) {
  // Every result must be read before the connection takes the next
  // statement; keep the first failure, else the last result.
  PGresult* kept = nullptr;
  while (PGresult* raw = PQgetResult(conn)) {
    if (kept == nullptr || succeeded(kept)) {
      if (kept != nullptr)
        PQclear(kept);
      kept = raw;
    } else {
      PQclear(raw);
    }
  }
  if (kept == nullptr)
    return to_error(conn, nullptr, "PostgreSQL receive");
  return check(conn, kept, sql);
}

result exec_raw(PGconn* conn, const std::string& sql,
                const std::vector<std::string>& params) {
  watchdog::touch();
  auto values = c_strings(params);
  return result{PQexecParams(conn, sql.c_str(),
                             static_cast<int>(params.size()), nullptr,
                             values.data(), nullptr, nullptr, 0)};
}

caf::expected<result> exec(PGconn* conn, const std::string& sql,
                           const std::vector<std::string>& params) {
  watchdog::touch();
  // Text-format parameters: libpq reads them up to their NUL and ignores
  // lengths (no parameter holds a NUL; the port rejects control characters).
  auto values = c_strings(params);
  auto raw = PQexecParams(conn, sql.c_str(), static_cast<int>(params.size()),
                          nullptr, values.data(), nullptr, nullptr, 0);
  return check(conn, raw, sql);
}

namespace {

/// What each connection prepared, so that a statement is prepared once per
/// server session without asking the server (a failed `EXECUTE` of an
/// unknown statement would put an ERROR in the server's log). A connection
/// is known by its address and its server process: after a reconnect the
/// process differs and nothing is prepared.
class prepared_names {
public:
  bool has(PGconn* conn, const std::string& name) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = known_.find(conn);
    return i != known_.end() && i->second.pid == PQbackendPID(conn)
           && i->second.names.count(name) > 0;
  }

  void add(PGconn* conn, const std::string& name) {
    std::lock_guard<std::mutex> guard{mtx_};
    // Closed connections leave entries behind: start over now and then.
    if (known_.size() > 4096)
      known_.clear();
    auto& entry = known_[conn];
    auto pid = PQbackendPID(conn);
    if (entry.pid != pid) {
      entry.pid = pid;
      entry.names.clear();
    }
    entry.names.insert(name);
  }

  void remove(PGconn* conn, const std::string& name) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto i = known_.find(conn); i != known_.end())
      i->second.names.erase(name);
  }

  static prepared_names& instance() {
    static prepared_names names;
    return names;
  }

private:
  struct entry {
    int pid = 0;
    std::unordered_set<std::string> names;
  };
  std::mutex mtx_;
  std::unordered_map<const PGconn*, entry> known_;
};

/// Prepares `sql` as `name` on `conn`; one that the session already has
/// (42P05: this process forgot it) counts as prepared.
caf::error prepare(PGconn* conn, const std::string& name,
                   const std::string& sql, int n) {
  result prep{PQprepare(conn, name.c_str(), sql.c_str(), n, nullptr)};
  if (PQresultStatus(prep.get()) != PGRES_COMMAND_OK
      && sqlstate(prep.get()) != "42P05") {
    auto res = check(conn, prep.release(), sql);
    return std::move(res.error());
  }
  prepared_names::instance().add(conn, name);
  return {};
}

} // namespace

caf::expected<result> exec_prepared(PGconn* conn, const std::string& name,
                                    const std::string& sql,
                                    const std::vector<std::string>& params) {
  watchdog::touch();
  auto values = c_strings(params);
  auto n = static_cast<int>(params.size());
  auto& names = prepared_names::instance();
  if (!names.has(conn, name))
    if (auto err = prepare(conn, name, sql, n))
      return err;
  auto run = [&] {
    return result{PQexecPrepared(conn, name.c_str(), n, values.data(),
                                 nullptr, nullptr, 0)};
  };
  auto res = run();
  // 26000: the session does not know it after all; prepare it again.
  if (sqlstate(res.get()) == "26000") {
    names.remove(conn, name);
    if (auto err = prepare(conn, name, sql, n))
      return err;
    res = run();
  }
  return check(conn, res.release(), sql);
}

std::string statement_name(std::string_view prefix, std::string_view schema) {
  std::string name{prefix};
  if (name.size() + schema.size() <= 63)
    return name.append(schema);
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(
                  std::hash<std::string_view>{}(schema)));
  return name.append(hex);
}

std::string int64_array(const std::vector<int64_t>& xs) {
  std::string out = "{";
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out += ',';
    out += std::to_string(xs[i]);
  }
  out += '}';
  return out;
}

std::string text_array(const std::vector<std::string>& xs) {
  std::string out = "{";
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out += ',';
    out += '"';
    for (char c : xs[i]) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

void put_copy_field(std::string& buf, std::string_view x) {
  // Copy runs of ordinary bytes at once: this loop sees every byte appended.
  size_t run = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const char* esc;
    switch (x[i]) {
      case '\\': esc = "\\\\"; break;
      case '\t': esc = "\\t"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      default: continue;
    }
    buf.append(x.data() + run, i - run);
    buf.append(esc, 2);
    run = i + 1;
  }
  buf.append(x.data() + run, x.size() - run);
}

std::string quote_ident(std::string_view id) {
  std::string out = "\"";
  for (char c : id) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
  return out;
}

} // namespace mink::pg

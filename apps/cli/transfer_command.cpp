// mink export | import: every event as NDJSON, one object per line.

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <iostream>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "validators.hpp"
#include "mink/errc.hpp"
#include "ndjson.hpp"
#include "progress.hpp"

namespace mink::cli {

namespace {

struct export_args {
  std::string output = "-";
  int64_t from = 1;
  size_t batch = 1000;
};

struct import_args {
  std::string input = "-";
  size_t batch = 1000;
  bool skip_existing = false;
};

export_args ea;
import_args ia;

/// What `event_store::import_events` refuses in a batch, checked line by
/// line: each event on its own, positions dense and ascending, each
/// stream's versions dense, no event id twice. Only what the store holds
/// already is left to it.
class line_checks {
public:
  /// Fails with `invalid_argument` saying what is wrong with `ev` after
  /// the lines before it; remembers it when nothing is.
  caf::error check(const recorded_event& ev) {
    auto problem = [](std::string what) {
      return make_error(errc::invalid_argument, std::move(what));
    };
    if (auto err = check_import_event(ev))
      return err;
    if (last_position_ > 0 && ev.global_position != last_position_ + 1)
      return problem("position " + std::to_string(ev.global_position)
                     + " does not follow position "
                     + std::to_string(last_position_)
                     + " of the line before (positions must be dense and "
                       "ascending)");
    auto [known, fresh] = versions_.emplace(ev.stream_id, ev.stream_version);
    if (!fresh && ev.stream_version != known->second + 1)
      return problem("stream " + ev.stream_id + " has version "
                     + std::to_string(ev.stream_version) + " after version "
                     + std::to_string(known->second));
    if (!ids_.insert(to_lower(ev.event_id)).second)
      return problem("event id " + ev.event_id + " occurs twice");
    known->second = ev.stream_version;
    last_position_ = ev.global_position;
    return {};
  }

  /// Forgets the streams and ids of the batch written (the store checks
  /// later batches against them).
  void next_batch() {
    versions_.clear();
    ids_.clear();
  }

private:
  static std::string to_lower(std::string x) {
    for (auto& c : x)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return x;
  }

  int64_t last_position_ = 0;
  std::unordered_map<std::string, int64_t> versions_;
  std::unordered_set<std::string> ids_;
};

void export_events(context& ctx) {
  auto store = ctx.events();
  // A consistent end: the head when the export starts.
  auto head = value_or_fail(store->last_position(),
                            "cannot read the last position");
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (ea.output != "-") {
    file.open(ea.output, std::ios::binary | std::ios::trunc);
    if (!file)
      fail("cannot write " + ea.output);
    out = &file;
  }
  progress bar{"export", std::max<int64_t>(0, head - ea.from + 1), !ctx.quiet};
  int64_t count = 0;
  for (auto next = ea.from; next <= head;) {
    auto n = std::min<size_t>(ea.batch, static_cast<size_t>(head - next + 1));
    auto events = value_or_fail(store->read_all(next, n),
                                "cannot read events from position "
                                  + std::to_string(next));
    if (events.empty())
      break;
    for (const auto& ev : events) {
      if (auto err = check_exportable(ev))
        fail("cannot export", err);
      *out << to_ndjson(ev) << '\n';
    }
    count += static_cast<int64_t>(events.size());
    next = events.back().global_position + 1;
    if (!*out)
      fail("cannot write " + (ea.output == "-" ? "stdout" : ea.output));
    bar.update(count, count);
  }
  out->flush();
  if (!*out)
    fail("cannot write " + (ea.output == "-" ? "stdout" : ea.output));
  bar.finish(count);
}

void import_events(context& ctx) {
  std::ifstream file;
  std::istream* in = &std::cin;
  int64_t total_bytes = 0;
  if (ia.input != "-") {
    file.open(ia.input, std::ios::binary);
    if (!file)
      fail("cannot read " + ia.input);
    in = &file;
    struct stat st;
    if (::stat(ia.input.c_str(), &st) == 0)
      total_bytes = static_cast<int64_t>(st.st_size);
  }
  ctx.resolve();
  // Import creates a SQLite database when missing.
  auto store = value_or_fail(ctx.store.open_events(true),
                             "cannot open the event store "
                               + ctx.store.describe());
  auto last = value_or_fail(store->last_position(),
                            "cannot read the last position");
  progress bar{"import", total_bytes, !ctx.quiet};
  std::vector<recorded_event> batch;
  std::vector<size_t> lines;
  int64_t bytes = 0;
  int64_t count = 0;
  int64_t skipped = 0;
  size_t line_no = 0;
  auto flush = [&] {
    if (batch.empty())
      return;
    auto first_line = lines.front();
    auto first_position = batch.front().global_position;
    auto n = static_cast<int64_t>(batch.size());
    if (auto err = store->import_events(std::move(batch)))
      fail("lines " + std::to_string(first_line) + "-"
             + std::to_string(lines.back()) + " (positions from "
             + std::to_string(first_position) + ") were not imported; "
             + std::to_string(count) + " events before them were"
             + (count > 0 ? " (rerun with --skip-existing to go on)" : ""),
           err);
    count += n;
    batch.clear();
    lines.clear();
    bar.update(bytes, count);
  };
  line_checks checks;
  std::string line;
  while (std::getline(*in, line)) {
    ++line_no;
    bytes += static_cast<int64_t>(line.size()) + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    auto ev = from_ndjson(line);
    if (!ev)
      fail("line " + std::to_string(line_no) + ": " + message_of(ev.error()),
           exit_failure);
    if (ia.skip_existing && ev->global_position <= last) {
      ++skipped;
      continue;
    }
    // What the store checks of the batch, checked here to name the line.
    if (auto err = checks.check(*ev))
      fail("line " + std::to_string(line_no), err);
    batch.push_back(std::move(*ev));
    lines.push_back(line_no);
    if (batch.size() >= ia.batch) {
      flush();
      checks.next_batch();
    }
  }
  if (in->bad())
    fail("cannot read " + (ia.input == "-" ? "stdin" : ia.input));
  flush();
  bar.finish(count);
  std::cout << "imported " << count << " events";
  if (skipped > 0)
    std::cout << ", skipped " << skipped << " already stored";
  std::cout << "; last position "
            << value_or_fail(store->last_position(), "cannot read the last "
                                                     "position")
            << '\n';
}

} // namespace

void add_export(CLI::App& app, context& ctx) {
  auto cmd = app.add_subcommand("export", "Write every event as NDJSON (one "
                                          "JSON object per line)");
  cmd->add_option("-o,--output", ea.output, "File (default: stdout)");
  cmd->add_option("--from", ea.from, "From this position (default 1)")
    ->check(int64_in(1, std::numeric_limits<int64_t>::max()));
  cmd->add_option("--batch", ea.batch, "Events per read (default 1000)")
    ->check(CLI::Range(size_t{1}, size_t{1000000}));
  cmd->callback([&ctx] { export_events(ctx); });
}

void add_import(CLI::App& app, context& ctx) {
  auto cmd = app.add_subcommand(
    "import", "Store events from NDJSON written by mink export, keeping "
              "positions, versions, ids, metadata and timestamps");
  cmd->add_option("-i,--input", ia.input, "File (default: stdin)");
  cmd->add_option("--batch", ia.batch,
                  "Events per transaction (default 1000)")
    ->check(CLI::Range(size_t{1}, size_t{1000000}));
  cmd->add_flag("--skip-existing", ia.skip_existing,
                "Skip events at positions the store already holds (to go on "
                "after an interrupted import)");
  cmd->callback([&ctx] { import_events(ctx); });
}

} // namespace mink::cli

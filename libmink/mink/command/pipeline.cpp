#include "mink/command/pipeline.hpp"

namespace mink {

command_pipeline& command_pipeline::use(middleware m) {
  if (pieces_.use_count() > 1)
    pieces_ = std::make_shared<std::vector<middleware>>(*pieces_);
  pieces_->push_back(std::move(m));
  return *this;
}

namespace {

/// Calls piece `i`, whose `next` calls piece `i + 1`, and so on.
void run_from(std::shared_ptr<const std::vector<middleware>> pieces, size_t i,
              command_envelope cmd, reply_fn reply,
              std::shared_ptr<const next_fn> terminal) {
  if (i == pieces->size()) {
    (*terminal)(std::move(cmd), std::move(reply));
    return;
  }
  next_fn next = [pieces, i, terminal](command_envelope c, reply_fn r) {
    run_from(pieces, i + 1, std::move(c), std::move(r), terminal);
  };
  (*pieces)[i](std::move(cmd), std::move(reply), next);
}

} // namespace

void command_pipeline::run(command_envelope cmd, reply_fn reply,
                           next_fn terminal) const {
  // Pieces may call `next` later, after `run` returned: they share the
  // vector and the terminal.
  run_from(pieces_, 0, std::move(cmd), std::move(reply),
           std::make_shared<const next_fn>(std::move(terminal)));
}

} // namespace mink

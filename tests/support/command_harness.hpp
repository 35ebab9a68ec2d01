#pragma once

// A command and a pipeline harness, for tests of middleware.

#include <vector>

#include <boost/test/unit_test.hpp>

#include "mink/command/pipeline.hpp"
#include "mink/errc.hpp"
#include "mink/uuid.hpp"

namespace mink::test_support {


inline command_envelope valid_command() {
  command_envelope cmd;
  cmd.type = "deposit";
  cmd.aggregate_type = "account";
  cmd.aggregate_id = "42";
  cmd.command_id = make_uuid();
  cmd.payload = 7;
  return cmd;
}

/// Runs `cmd` through `p` with a terminal that records what reached it and
/// answers version 1.
struct harness {
  std::vector<command_envelope> reached;
  command_reply answer{command_result{}};
  bool answered = false;

  void run(const command_pipeline& p, command_envelope cmd) {
    p.run(
      std::move(cmd),
      [this](command_reply r) {
        BOOST_TEST(!answered); // exactly once
        answered = true;
        answer = std::move(r);
      },
      [this](command_envelope c, reply_fn reply) {
        reached.push_back(std::move(c));
        reply(command_result{1, 9});
      });
  }

  errc code() const { return answer ? errc::none : code_of(answer.error()); }
};

} // namespace mink::test_support

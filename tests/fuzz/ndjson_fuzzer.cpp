// libFuzzer target: NDJSON import (`mink import`), one line at a time through
// from_ndjson, as apps/cli/transfer_command.cpp reads it. Properties: no
// crash; a refused line is invalid_argument; an accepted line exports
// (to_ndjson) to one line that imports back to the same event.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "mink/errc.hpp"
#include "ndjson.hpp"

using namespace mink;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line{reinterpret_cast<const char*>(data), size};
  auto ev = cli::from_ndjson(line);
  if (!ev) {
    if (code_of(ev.error()) != errc::invalid_argument)
      fuzz::fail("refused with another code", to_text(ev.error()));
    return 0;
  }
  auto out = cli::to_ndjson(*ev);
  if (out.find('\n') != std::string::npos)
    fuzz::fail("export wrote more than one line", out);
  auto again = cli::from_ndjson(out);
  if (!again)
    fuzz::fail("exported line does not import",
               out + "\n" + to_text(again.error()));
  if (!fuzz::same_event(*again, *ev))
    fuzz::fail("export/import changed the event", out);
  return 0;
}

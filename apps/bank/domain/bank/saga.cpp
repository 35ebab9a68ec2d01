#include "bank/saga.hpp"

#include <cstdint>
#include <cstdio>

#include "bank/commands.hpp"

namespace bank {

namespace {

uint64_t fnv1a(const std::string& str, uint64_t basis) {
  auto h = basis;
  for (unsigned char c : str) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

} // namespace

const char* to_string(saga_action x) {
  switch (x) {
    case saga_action::none: return "none";
    case saga_action::debit: return "debit";
    case saga_action::credit: return "credit";
    case saga_action::complete: return "complete";
    case saga_action::refund: return "refund";
  }
  return "unknown";
}

saga_action next_action(const transfer_state& st) {
  switch (st.status) {
    case transfer_status::initiated: return saga_action::debit;
    case transfer_status::debited: return saga_action::credit;
    case transfer_status::credited: return saga_action::complete;
    case transfer_status::credit_failed: return saga_action::refund;
    default: return saga_action::none;
  }
}

std::string step_command_id(const std::string& transfer_id,
                            const std::string& step) {
  auto key = "bank.transfer/" + transfer_id + "/" + step;
  auto hi = fnv1a(key, 14695981039346656037ULL);
  auto lo = fnv1a(key + "#", 0x84222325cbf29ce4ULL ^ hi);
  hi = (hi & ~0xF000ULL) | 0x8000ULL;                  // version 8
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL; // variant 10
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF),
                static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

saga_step plan_step(const std::string& tid, const transfer_state& st,
                    const mink::metadata& meta) {
  saga_step out;
  out.action = next_action(st);
  auto id = [&](const char* step) { return step_command_id(tid, step); };
  switch (out.action) {
    case saga_action::none:
      break;
    case saga_action::debit:
      out.account_command = make_command(
        st.from, debit_for_transfer{tid, st.amount}, id("debit"), meta);
      out.on_success = make_command(tid, record_debit{}, id("debited"), meta);
      break;
    case saga_action::credit:
      out.account_command = make_command(
        st.to, credit_for_transfer{tid, st.amount}, id("credit"), meta);
      out.on_success = make_command(tid, record_credit{}, id("credited"),
                                    meta);
      break;
    case saga_action::complete:
      out.on_success = make_command(tid, complete_transfer{}, id("completed"),
                                    meta);
      break;
    case saga_action::refund:
      out.account_command = make_command(
        st.from, refund_transfer{tid, st.amount}, id("refund"), meta);
      out.on_success = make_command(tid, record_compensation{},
                                    id("compensated"), meta);
      break;
  }
  return out;
}

std::optional<mink::command_envelope>
refusal_command(const std::string& tid, saga_action action, std::string reason,
                const mink::metadata& meta) {
  switch (action) {
    case saga_action::debit:
      return make_command(tid, reject_transfer{std::move(reason)},
                          step_command_id(tid, "rejected"), meta);
    case saga_action::credit:
      return make_command(tid, record_credit_failure{std::move(reason)},
                          step_command_id(tid, "credit_failed"), meta);
    default:
      return std::nullopt;
  }
}

} // namespace bank

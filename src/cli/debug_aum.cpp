// `latchkey debug aum <hex>`: decodes one AUM as upstream's decoder would and
// prints, on one line, its kind, hash (hex and base32), signature hash,
// canonical re-encoding and static validation verdict; an AUM upstream
// rejects prints {"error": "<text>"} and exits 1. Other implementations and
// tools drive this command for interop checks, so the format is fixed.
#include "cli/debug_aum.h"

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "cli/commands.h"
#include "cli/debug_group.h"
#include "tka/aum.h"

namespace latchkey::cli {
namespace {

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace

DebugAumReport debug_aum_report(std::string_view hex_text) {
  std::string_view text = hex_text;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  auto raw = hex_decode(text);
  if (!raw) return {1, "{\"error\": " + quoted("invalid hex: " + raw.message()) + "}"};
  auto aum = tka::Aum::unserialize(*raw);
  if (!aum) return {1, "{\"error\": " + quoted(aum.message()) + "}"};
  const auto hash = aum->hash();
  const auto validate = aum->static_validate();
  std::string out = "{\"kind\": " + std::to_string(static_cast<unsigned>(aum->kind));
  out += ", \"hash\": " + quoted(hex_encode(hash.bytes));
  out += ", \"hash_base32\": " + quoted(hash.to_string());
  out += ", \"sig_hash\": " + quoted(hex_encode(aum->sig_hash()));
  out += ", \"reencoded\": " + quoted(hex_encode(aum->serialize()));
  out += ", \"static_validate\": " + quoted(validate.ok() ? "ok" : validate.message()) + "}";
  return {0, out};
}

void add_debug_aum_command(CLI::App& app) {
  auto* cmd = debug_group(app)->add_subcommand("aum", "decode one AUM (hex CBOR) as upstream does and describe it");
  auto hex_arg = std::make_shared<std::string>();
  cmd->add_option("hex", *hex_arg, "the AUM's CBOR encoding in hex")->required();
  cmd->callback([hex_arg] {
    const DebugAumReport report = debug_aum_report(*hex_arg);
    std::cout << report.json << "\n" << std::flush;
    if (report.exit_code != 0) std::exit(report.exit_code);
  });
}

}  // namespace latchkey::cli

// Fuzzes every key text parser (and NodePublic's "np" binary form): no input
// may crash; each verdict must agree with a plain restatement of upstream's
// rule (exact case-sensitive prefix, exact length, hex digits in either
// case); and an accepted key must print to a form that parses back to the
// same key and prints identically again.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "key/challenge_key.h"
#include "key/disco_key.h"
#include "key/machine_key.h"
#include "key/nl_key.h"
#include "key/node_key.h"

namespace {

using namespace latchkey;
using namespace latchkey::key;

void require(bool cond) {
  if (!cond) std::abort();
}

bool upstream_accepts(std::string_view text, std::string_view prefix, std::size_t key_size) {
  if (text.size() != prefix.size() + 2 * key_size || text.substr(0, prefix.size()) != prefix) return false;
  for (char c : text.substr(prefix.size())) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

template <class K>
void check_text(std::string_view text, std::string_view prefix, std::size_t key_size, Result<K> (*parse)(std::string_view)) {
  Result<K> k = parse(text);
  require(k.ok() == upstream_accepts(text, prefix, key_size));
  if (!k.ok()) {
    require(!k.message().empty());
    return;
  }
  const std::string printed = k->to_string();
  Result<K> again = parse(printed);
  require(again.ok() && *again == *k && again->to_string() == printed);
}

template <class K>
void check_untyped(std::string_view text) {
  Result<K> k = K::parse_untyped(text);
  require(k.ok() == upstream_accepts(text, "", 32));
  if (!k.ok()) return;
  Result<K> again = K::parse_untyped(k->untyped_hex());
  require(again.ok() && *again == *k);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  check_text<MachinePublic>(text, MachinePublic::kTextPrefix, 32, &MachinePublic::parse);
  check_text<MachinePrivate>(text, MachinePrivate::kTextPrefix, 32, &MachinePrivate::parse);
  check_text<NodePublic>(text, NodePublic::kTextPrefix, 32, &NodePublic::parse);
  check_text<NodePrivate>(text, NodePrivate::kTextPrefix, 32, &NodePrivate::parse);
  check_text<DiscoPublic>(text, DiscoPublic::kTextPrefix, 32, &DiscoPublic::parse);
  check_text<ChallengePublic>(text, ChallengePublic::kTextPrefix, 32, &ChallengePublic::parse);
  check_text<NLPrivate>(text, NLPrivate::kTextPrefix, 64, &NLPrivate::parse);
  check_untyped<MachinePublic>(text);
  check_untyped<NodePublic>(text);
  check_untyped<NodePrivate>(text);

  {  // NLPublic takes "nlpub:" or "tlpub:" and prints "nlpub:".
    Result<NLPublic> k = NLPublic::parse(text);
    require(k.ok() == (upstream_accepts(text, NLPublic::kTextPrefix, 32) ||
                       upstream_accepts(text, NLPublic::kCliTextPrefix, 32)));
    if (k.ok()) {
      require(NLPublic::parse(k->to_string()).value() == *k);
      require(NLPublic::parse(k->cli_string()).value() == *k);
    }
  }
  {  // "np" + 32 raw bytes.
    const ByteView bytes(data, size);
    Result<NodePublic> k = NodePublic::from_binary(bytes);
    require(k.ok() == (size == NodePublic::kBinarySize && text.substr(0, 2) == "np"));
    if (k.ok()) {
      const auto bin = k->to_binary();
      require(ByteView(bin).size() == size && std::equal(bin.begin(), bin.end(), data));
    }
  }
  return 0;
}

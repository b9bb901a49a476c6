// Fuzzes the wire text form of a SyncOffer (upstream ToSyncOffer, the
// base32 Head and Ancestors of TKASyncOfferRequest/Response). Input: the
// head on the first line, one ancestor per following line. Parsing must never
// crash; an accepted offer must print (FromSyncOffer) to text that parses
// back to the same offer, and print the same way again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tka/sync.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string head;
  std::vector<std::string> ancestors;
  std::size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line(text.substr(start, end - start));
    if (first) {
      head = line;
      first = false;
    } else {
      ancestors.push_back(line);
    }
    start = end + 1;
  }

  auto offer = latchkey::tka::sync_offer_from_text(head, ancestors);
  if (!offer.ok()) {
    if (offer.message().empty()) std::abort();  // every rejection says why
    return 0;
  }
  if (offer->ancestors.size() != ancestors.size()) std::abort();
  const latchkey::tka::SyncOfferText printed = latchkey::tka::sync_offer_to_text(*offer);
  auto reparsed = latchkey::tka::sync_offer_from_text(printed);
  if (!reparsed.ok() || !(*reparsed == *offer)) std::abort();
  if (!(latchkey::tka::sync_offer_to_text(*reparsed) == printed)) std::abort();
  return 0;
}

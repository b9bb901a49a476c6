// AumIndex: the lookups both AUM stores share (children in order, heads,
// re-puts, erasure that keeps the erased AUM's own children list). The
// stores' contract as a whole is in storage_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>

#include "tka/aum_index.h"
#include "tka/chain_dsl.h"

namespace latchkey::tka {
namespace {

using testing::noop_aum;

std::vector<AumHash> hashes_of(const std::vector<Aum>& aums) {
  std::vector<AumHash> out;
  for (const Aum& a : aums) out.push_back(a.hash());
  return out;
}

std::vector<AumHash> sorted(std::vector<AumHash> v) {
  std::sort(v.begin(), v.end(), [](const AumHash& a, const AumHash& b) { return a.bytes < b.bytes; });
  return v;
}

TEST(AumIndex, FindsEntriesWithTheirCommitTimes) {
  AumIndex index;
  const Aum genesis = noop_aum(std::nullopt, 1);
  EXPECT_EQ(index.find(genesis.hash()), nullptr);
  EXPECT_FALSE(index.contains(genesis.hash()));
  index.put(genesis.hash(), genesis, 42);
  ASSERT_NE(index.find(genesis.hash()), nullptr);
  EXPECT_EQ(index.find(genesis.hash())->aum, genesis);
  EXPECT_EQ(index.find(genesis.hash())->committed, 42);
  EXPECT_TRUE(index.contains(genesis.hash()));
  EXPECT_EQ(index.size(), 1u);

  // Putting the same AUM again replaces its entry and does not list it twice.
  index.put(genesis.hash(), genesis, 50);
  EXPECT_EQ(index.find(genesis.hash())->committed, 50);
  EXPECT_EQ(index.size(), 1u);
}

TEST(AumIndex, ChildrenInOrderAddedAndHeadsAreTheLeaves) {
  AumIndex index;
  const Aum genesis = noop_aum(std::nullopt, 1);
  const Aum b = noop_aum(genesis.hash(), 2);
  const Aum a = noop_aum(genesis.hash(), 3);
  const Aum c = noop_aum(b.hash(), 4);
  index.put(genesis.hash(), genesis, 1);
  index.put(b.hash(), b, 1);
  index.put(a.hash(), a, 1);
  index.put(c.hash(), c, 1);
  index.put(b.hash(), b, 2);  // a re-put keeps b's place among the children

  EXPECT_EQ(hashes_of(index.children_of(genesis.hash())), (std::vector<AumHash>{b.hash(), a.hash()}));
  EXPECT_EQ(hashes_of(index.children_of(b.hash())), (std::vector<AumHash>{c.hash()}));
  EXPECT_TRUE(index.children_of(c.hash()).empty());
  EXPECT_EQ(sorted(hashes_of(index.heads())), sorted({a.hash(), c.hash()}));
  EXPECT_EQ(sorted(index.hashes()), sorted({genesis.hash(), a.hash(), b.hash(), c.hash()}));
}

TEST(AumIndex, EraseUnlinksFromTheParentButKeepsTheAumsOwnChildren) {
  AumIndex index;
  const Aum genesis = noop_aum(std::nullopt, 1);
  const Aum b = noop_aum(genesis.hash(), 2);
  const Aum c = noop_aum(b.hash(), 3);
  index.put(genesis.hash(), genesis, 1);
  index.put(b.hash(), b, 1);
  index.put(c.hash(), c, 1);

  EXPECT_TRUE(index.erase(b.hash()));
  EXPECT_FALSE(index.erase(b.hash()));
  EXPECT_FALSE(index.contains(b.hash()));
  EXPECT_TRUE(index.children_of(genesis.hash()).empty());
  // c is still found as b's child, and b's absence makes genesis a head.
  EXPECT_EQ(hashes_of(index.children_of(b.hash())), (std::vector<AumHash>{c.hash()}));
  EXPECT_EQ(sorted(hashes_of(index.heads())), sorted({genesis.hash(), c.hash()}));

  index.clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.children_of(b.hash()).empty());
  EXPECT_TRUE(index.heads().empty());
}

}  // namespace
}  // namespace latchkey::tka

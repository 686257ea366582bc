// A collection whose vectors come from a GGUF model run by llama.cpp (a tiny
// random-weight BERT written by the test: the plumbing, not the quality).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "glassbox/collection.h"

#if GLASSBOX_HAVE_LLAMA
#include "vector/gguf_embedder_testing.h"
#endif

namespace glassbox {
namespace {

namespace fs = std::filesystem;

TEST(CollectionGguf, HybridSearchWithAGgufModel) {
#if !GLASSBOX_HAVE_LLAMA
  GTEST_SKIP() << "built without llama.cpp (scripts/fetch-llama.sh)";
#else
  auto dir = fs::temp_directory_path() / ("gb_gguf_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string model = (dir / "tiny.gguf").string();
  ASSERT_EQ(vector::testing::WriteTinyBertGguf(model), "");
  CollectionOptions o;
  o.embedder = "gguf:" + model;
  auto c = Collection::Create((dir / "coll").string(), o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const char* texts[] = {"the cat sat on the mat", "the dog is fast", "fish swim in the river",
                         "hybrid search engine", "vector embedding model", "red blue green glass box"};
  for (int rep = 0; rep < 10; ++rep)
    for (int i = 0; i < 6; ++i)
      ASSERT_TRUE((*c)->Add({"d" + std::to_string(rep) + "-" + std::to_string(i), {{"body", texts[i]}}, {}}).ok());
  ASSERT_TRUE((*c)->Commit().ok());
  CollectionStats st = (*c)->Stats();
  EXPECT_EQ(st.vectors, 60u);
  EXPECT_EQ(st.embedder, "gguf:" + model);
  SearchOptions so;
  so.mode = SearchMode::kVector;
  auto r = (*c)->Search("fish swim in the river", so);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->hits.empty());
  // Identical text embeds identically: an exact copy is the nearest neighbour.
  EXPECT_NE(r->hits[0].id.find("-2"), std::string::npos) << r->hits[0].id;
  EXPECT_NEAR(r->hits[0].score, 1.0, 1e-3);
  so.mode = SearchMode::kHybrid;
  so.with_explanation = true;
  r = (*c)->Search("dog", so);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->hits.empty());
  EXPECT_EQ(r->hits[0].retrievers.size(), 2u);
  c->reset();
  // Reopening with a different file at the same path is refused.
  vector::testing::TinyBertOptions other;
  other.seed = 7;
  ASSERT_EQ(vector::testing::WriteTinyBertGguf(model, other), "");
  auto reopened = Collection::Open((dir / "coll").string());
  EXPECT_FALSE(reopened.ok());
  fs::remove_all(dir);
#endif
}

}  // namespace
}  // namespace glassbox

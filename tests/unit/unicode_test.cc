// Names and search keys at their edges: empty and blank text, every kind of
// white space, composed and decomposed accents, letters NFD cannot take apart,
// other scripts, invalid UTF-8, very long input, and many threads at once.
#include "common/core/unicode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(Utf8Test, ValidityAndLength) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Zoë 李 😀"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("Zo\xc3"));            // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(CountCodePoints("Zoë"), 3u);
  EXPECT_EQ(CountCodePoints("😀"), 1u);
  EXPECT_EQ(CountCodePoints("\xff\xfe"), 2u);
}

TEST(NormalizeNameTest, TrimsEveryWhiteSpaceAndComposes) {
  const std::string zoe = "Zo\xc3\xab";  // precomposed ë
  EXPECT_EQ(NormalizeName("  Zoë "), zoe);
  EXPECT_EQ(NormalizeName("Zoe\u0308"), zoe);
  EXPECT_EQ(NormalizeName("Zoë\u00a0"), zoe);
  EXPECT_EQ(NormalizeName("\u3000\u2003Zoë\u200b\ufeff\t\n"), zoe);
  EXPECT_EQ(NormalizeName("Mary \u00a0\t Ann"), "Mary Ann");
  EXPECT_EQ(NormalizeName("ZOË"), "ZOË");  // case is kept as written
}

TEST(NormalizeNameTest, BlankBecomesEmptyAndInvalidIsLeftForValidation) {
  EXPECT_EQ(NormalizeName(""), "");
  EXPECT_EQ(NormalizeName("   "), "");
  EXPECT_EQ(NormalizeName("\u00a0\u2007\u202f"), "");
  EXPECT_EQ(NormalizeName(" \xff "), " \xff ");
}

TEST(SearchKeyTest, FoldsCaseAccentsAndTransliterates) {
  for (const char* zoe : {"Zoë", "  Zoë ", "ZOË", "Zoe\u0308", "Zoë\u00a0", "zoe"}) {
    EXPECT_EQ(SearchKey(zoe), "zoe") << zoe;
  }
  EXPECT_EQ(SearchKey("Łukasz"), "lukasz");
  EXPECT_EQ(SearchKey("Müller"), "muller");
  EXPECT_EQ(SearchKey("Straße"), "strasse");
  EXPECT_EQ(SearchKey("Søren Ærø"), "soren aero");
  EXPECT_EQ(SearchKey("Núñez"), "nunez");
  EXPECT_EQ(SearchKey("Ζωή"), "zoe");
  EXPECT_EQ(SearchKey("Дмитрий"), "dmitrij");
  EXPECT_EQ(SearchKey("李"), "li");
  EXPECT_FALSE(SearchKey("عائشة").empty());
  EXPECT_EQ(SearchKey("عائشة"), SearchKey("عائشة "));
}

TEST(SearchKeyTest, SplitsWordsLikeTheIndexAndDropsEverythingElse) {
  EXPECT_THAT(SearchWords("O'Brien-Smith, J.R."), ElementsAre("o", "brien", "smith", "j", "r"));
  EXPECT_THAT(SearchWords("Anne\u00a0Marie"), ElementsAre("anne", "marie"));
  EXPECT_THAT(SearchWords("NEAR( AND \"x\"*"), ElementsAre("near", "and", "x"));
  EXPECT_THAT(SearchWords("Room 42"), ElementsAre("room", "42"));
  for (const char* nothing :
       {"", " ", "  ", "\u00a0", "\"", "*", "-", "^", ":", "()", "\"\"*", "+-*/", "😀", "\xff"}) {
    EXPECT_THAT(SearchWords(nothing), IsEmpty()) << nothing;
    EXPECT_EQ(SearchKey(nothing), "") << nothing;
  }
}

// SearchWords folds ASCII text without ICU; it must give exactly what ICU's
// rules give, or names stored before and after would key differently.
TEST(SearchKeyTest, AsciiTextFoldsAsIcuFoldsIt) {
  for (int first = 0; first < 128; ++first) {
    for (int second = 0; second < 128; ++second) {
      const std::string text{static_cast<char>(first), static_cast<char>(second)};
      ASSERT_EQ(SearchWords(text), internal::SearchWordsThroughIcu(text))
          << "bytes " << first << " " << second;
    }
  }
  std::mt19937 random(20261202);
  std::uniform_int_distribution<int> byte(0, 127);
  std::uniform_int_distribution<int> length(0, 40);
  for (int i = 0; i < 5000; ++i) {
    std::string text(static_cast<size_t>(length(random)), ' ');
    for (char& c : text) c = static_cast<char>(byte(random));
    ASSERT_EQ(SearchWords(text), internal::SearchWordsThroughIcu(text)) << text;
  }
  for (const char* name : {"O'Brien-Smith, J.R.", "MARY ann", "  van der Berg ", "Room 42b"}) {
    EXPECT_EQ(SearchWords(name), internal::SearchWordsThroughIcu(name)) << name;
  }
}

TEST(SearchKeyTest, VeryLongInputIsHandledInBoundedTime) {
  std::string long_name;
  for (int i = 0; i < 20000; ++i) long_name += "Zoë ";  // 80,000 characters
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> words = SearchWords(long_name);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(words.size(), 20000u);
  EXPECT_EQ(words.back(), "zoe");
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(NormalizeName(long_name).size(), long_name.size() - 1);
}

// Keys are computed on the server's worker threads at once, each with its own
// transliterator clone; the key must not depend on the thread.
TEST(SearchKeyTest, ManyThreadsAtOnceGetTheSameKeys) {
  std::vector<std::thread> threads;
  std::vector<int> wrong(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 300; ++i) {
        if (SearchKey("Łukasz Müller") != "lukasz muller" || SearchKey("Ζωή") != "zoe") ++wrong[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(wrong, ::testing::Each(0));
}

}  // namespace
}  // namespace clinic

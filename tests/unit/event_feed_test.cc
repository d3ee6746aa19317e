// The event feed (common/core/event_feed.h): a wait is woken once, by the
// first id past it, on the publishing thread; a wait for what is already
// published is refused so the reader reads at once; a cancelled wait is never
// woken; and the feed keeps nothing for ids nobody waits for.
#include "common/core/event_feed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace clinic {
namespace {

TEST(EventFeedTest, AWaitIsWokenOnceByTheFirstIdPastIt) {
  EventFeed feed(/*latest=*/5);
  int woken = 0;
  const EventFeed::WaitId id = feed.WaitAfter(5, [&woken] { ++woken; });
  ASSERT_NE(id, 0u);
  EXPECT_EQ(feed.waiting(), 1u);
  // Not past it: the same id again, or an older one.
  feed.Publish(5);
  feed.Publish(3);
  EXPECT_EQ(woken, 0);
  feed.Publish(6);
  EXPECT_EQ(woken, 1);
  feed.Publish(7);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(feed.waiting(), 0u);
  EXPECT_EQ(feed.latest(), 7);
}

TEST(EventFeedTest, WaitingForWhatIsAlreadyPublishedReadsAtOnce) {
  EventFeed feed;
  feed.Publish(10);
  int woken = 0;
  EXPECT_EQ(feed.WaitAfter(9, [&woken] { ++woken; }), 0u);
  EXPECT_EQ(feed.waiting(), 0u);
  EXPECT_EQ(woken, 0);
  EXPECT_NE(feed.WaitAfter(10, [&woken] { ++woken; }), 0u);
}

TEST(EventFeedTest, OnlyTheWaitsAnIdPassesAreWoken) {
  EventFeed feed;
  std::vector<int> woken;
  feed.WaitAfter(1, [&woken] { woken.push_back(1); });
  feed.WaitAfter(3, [&woken] { woken.push_back(3); });
  feed.WaitAfter(0, [&woken] { woken.push_back(0); });
  feed.Publish(2);
  // In the order they began waiting.
  EXPECT_EQ(woken, (std::vector<int>{1, 0}));
  EXPECT_EQ(feed.waiting(), 1u);
  feed.Publish(4);
  EXPECT_EQ(woken, (std::vector<int>{1, 0, 3}));
}

TEST(EventFeedTest, ACancelledWaitIsNeverWokenAndLetsGoOfItsWake) {
  EventFeed feed;
  auto held = std::make_shared<int>(0);
  std::weak_ptr<int> watch = held;
  const EventFeed::WaitId id = feed.WaitAfter(0, [held] { ++*held; });
  held.reset();
  ASSERT_FALSE(watch.expired());
  feed.Cancel(id);
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(feed.waiting(), 0u);
  feed.Publish(1);
  // Cancelling twice, or 0, does nothing.
  feed.Cancel(id);
  feed.Cancel(0);
}

// A wake may take the reader's lock while that reader, holding it, waits
// or cancels here: wakes run outside the feed's lock.
TEST(EventFeedTest, AWakeMayCallTheFeedAgain) {
  EventFeed feed;
  int woken = 0;
  std::function<void()> again;
  again = [&] {
    ++woken;
    feed.WaitAfter(feed.latest(), again);
  };
  feed.WaitAfter(0, again);
  feed.Publish(1);
  feed.Publish(2);
  EXPECT_EQ(woken, 2);
  EXPECT_EQ(feed.waiting(), 1u);
}

TEST(EventFeedTest, PublishersAndWaitersOnManyThreadsMissNothing) {
  EventFeed feed;
  constexpr int kPublished = 2000;
  std::atomic<int> woken{0};
  std::vector<std::thread> waiters;
  // Each waiter follows the feed to the end, waiting whenever it is caught
  // up; a lost wake would leave it waiting forever.
  for (int w = 0; w < 4; ++w) {
    waiters.emplace_back([&feed, &woken] {
      int64_t seen = 0;
      while (seen < kPublished) {
        std::atomic<bool> ready{false};
        if (feed.WaitAfter(seen, [&ready] { ready = true; }) != 0) {
          while (!ready.load()) std::this_thread::yield();
          ++woken;
        }
        seen = feed.latest();
      }
    });
  }
  std::thread publisher([&feed] {
    for (int id = 1; id <= kPublished; ++id) feed.Publish(id);
  });
  publisher.join();
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_EQ(feed.latest(), kPublished);
  EXPECT_EQ(feed.waiting(), 0u);
}

}  // namespace
}  // namespace clinic

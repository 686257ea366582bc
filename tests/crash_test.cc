// kill -9 during ingest: every acknowledged write survives, nothing is corrupt.
//
// A child process adds documents (committing now and then) and reports the id
// of each document whose Add() returned OK over a pipe. The parent kills it
// with SIGKILL at a random moment, reopens the collection and checks that
// every acknowledged document is there, intact and searchable. Repeated, so
// kills land during adds, log writes, segment writes and manifest swaps.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "glassbox/collection.h"

namespace glassbox {
namespace {

namespace fs = std::filesystem;

Document MakeDoc(int round, int i) {
  std::string id = "r" + std::to_string(round) + "-" + std::to_string(i);
  std::string body = "document " + id + " about cement and steel deliveries number " + std::to_string(i);
  for (int k = 0; k < i % 40; ++k) body += " filler" + std::to_string(k);
  return Document{id, {{"title", "t" + std::to_string(i)}, {"body", body}}, {{"i", MetadataValue::Number(i)}}};
}

[[noreturn]] void RunWriter(const std::string& dir, int round, int fd) {
  auto c = fs::exists(dir + "/MANIFEST") ? Collection::Open(dir) : Collection::Create(dir, {});
  if (!c.ok()) _exit(3);
  for (int i = 0;; ++i) {
    if (!(*c)->Add(MakeDoc(round, i)).ok()) _exit(4);
    // Acknowledge: Add returned OK.
    if (write(fd, &i, sizeof i) != sizeof i) _exit(5);
    if (i % 97 == 96 && !(*c)->Commit().ok()) _exit(6);
    if (i % 500 == 499 && !(*c)->Merge(1).ok()) _exit(7);
  }
}

TEST(Crash, KillDuringIngestLosesNoAcknowledgedWrite) {
  std::string dir = (fs::temp_directory_path() / ("gb_crash_" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  std::mt19937 rng(42);
  std::map<int, int> acked;  // round -> number of acknowledged docs
  for (int round = 0; round < 8; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      RunWriter(dir, round, fds[1]);
    }
    close(fds[1]);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(150 + rng() % 600);
    int last = -1, v;
    while (std::chrono::steady_clock::now() < deadline) {
      ssize_t n = read(fds[0], &v, sizeof v);
      if (n != sizeof v) break;
      last = v;
    }
    kill(pid, SIGKILL);
    // Drain acks written before the kill landed.
    while (read(fds[0], &v, sizeof v) == sizeof v) last = v;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited early with " << WEXITSTATUS(status);
    acked[round] = last + 1;
    ASSERT_GT(acked[round], 0) << "the writer acknowledged nothing; the test proves nothing";

    auto c = Collection::Open(dir);
    ASSERT_TRUE(c.ok()) << "round " << round << ": " << c.status().ToString();
    uint64_t expected = 0;
    for (const auto& [r, n] : acked) {
      expected += n;
      for (int i = 0; i < n; i += (i < n - 50 ? 13 : 1)) {  // every one of the last 50, a sample before
        auto d = (*c)->Get(MakeDoc(r, i).id);
        ASSERT_TRUE(d.ok()) << "round " << round << ": lost acknowledged " << MakeDoc(r, i).id;
        ASSERT_EQ(*d->Text("body"), *MakeDoc(r, i).Text("body"));
      }
    }
    // Unacknowledged writes may or may not be there (at most the one in flight).
    CollectionStats st = (*c)->Stats();
    EXPECT_GE(st.documents, expected);
    EXPECT_LE(st.documents, expected + round + 1);
    auto res = (*c)->Search("+cement +r" + std::to_string(round) + "-0", {});
    ASSERT_TRUE(res.ok());
    EXPECT_GE(res->hits.size(), 1u);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace glassbox

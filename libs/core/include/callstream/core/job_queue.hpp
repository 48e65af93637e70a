#pragma once
// A bounded queue of jobs run by a few worker threads: what blocking work (Twilio's REST API)
// runs on, never on the HTTP server's event loop. A full queue refuses instead of growing.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace callstream::core {

class JobQueue {
 public:
  JobQueue(size_t workers, size_t limit);
  // Runs what is queued, then joins the workers.
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Queues `job`; false when `limit` jobs are already waiting (or the queue is stopping).
  bool submit(std::function<void()> job);

 private:
  void work();

  size_t limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace callstream::core

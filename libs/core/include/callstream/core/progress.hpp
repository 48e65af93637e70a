#pragma once
// How far a long operator command is (a rebuild, a redrive of dead letters, migrations). On a
// terminal, one line redrawn in place:
//   rebuild  1,234,567 of 5,000,000 events  24.7 %  18,230/s  3 min 26 s left
// Off a terminal (a log, a CI job, kubectl logs), the same as a JSON log line every few seconds.
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace callstream::core {

class Progress {
 public:
  // `total` 0: not known (no percentage, no time left).
  Progress(std::string task, std::string unit, int64_t total);
  // Writes to `out`, redrawing in place when `terminal`; for tests.
  Progress(std::string task, std::string unit, int64_t total, std::ostream& out, bool terminal,
           std::chrono::milliseconds log_every);
  ~Progress();  // finish(), if not done yet
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Call as often as you like: it draws at most 5 times a second (a terminal) or every
  // `log_every` (a log line).
  void update(int64_t done);
  // The last figures, once, ending the line.
  void finish();

  // The line itself: "1,234 of 5,000 events  24.7 %  812/s  4 s left" (for tests and logs).
  static std::string describe(int64_t done, int64_t total, const std::string& unit,
                              double per_second);

 private:
  void draw(bool last);

  std::string task_, unit_;
  int64_t total_, done_ = 0;
  std::ostream* out_;
  bool terminal_;
  std::chrono::milliseconds every_;
  std::chrono::steady_clock::time_point started_, drawn_;
  bool finished_ = false;
};

}  // namespace callstream::core

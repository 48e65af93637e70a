#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "callstream/core/progress.hpp"

TEST_CASE("progress says how far, how fast and how long is left", "[progress]") {
  using callstream::core::Progress;
  CHECK(Progress::describe(1234567, 5000000, "events", 18230.4) ==
        "1,234,567 of 5,000,000 events  24.7 %  18,230/s  3 min 27 s left");
  CHECK(Progress::describe(12, 0, "letters", 3) == "12 letters  3/s");
  CHECK(Progress::describe(5000, 5000, "events", 900) == "5,000 of 5,000 events  100.0 %  900/s");
  CHECK(Progress::describe(10, 7200010, "events", 1) ==
        "10 of 7,200,010 events  0.0 %  1/s  2000 h 0 min left");
}

TEST_CASE("progress redraws one line on a terminal and writes lines off one", "[progress]") {
  using callstream::core::Progress;
  std::ostringstream terminal, log;
  {
    Progress on_terminal("rebuild", "events", 100, terminal, true, std::chrono::milliseconds(0));
    Progress off_terminal("rebuild", "events", 100, log, false, std::chrono::milliseconds(0));
    for (int i = 1; i <= 3; ++i) {
      on_terminal.update(i * 10);
      off_terminal.update(i * 10);
      std::this_thread::sleep_for(std::chrono::milliseconds(210));
    }
  }
  std::string t = terminal.str(), l = log.str();
  CHECK(t.find('\r') == 0);
  CHECK(std::count(t.begin(), t.end(), '\n') == 1);  // one line, redrawn, ended once
  CHECK(t.find("30 of 100 events  30.0 %") != std::string::npos);
  CHECK(t.find("\x1b[K") != std::string::npos);
  CHECK(l.find('\r') == std::string::npos);
  CHECK(std::count(l.begin(), l.end(), '\n') == 4);  // three updates and the end
  CHECK(l.find("rebuild: 10 of 100 events  10.0 %") == 0);
}

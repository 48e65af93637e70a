#include "callstream/core/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "callstream/core/log.hpp"

namespace callstream::core {
namespace {

std::string grouped(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string duration(double seconds) {
  auto s = static_cast<long long>(std::llround(seconds));
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

}  // namespace

Progress::Progress(std::string task, std::string unit, int64_t total)
    : Progress(std::move(task), std::move(unit), total, std::cerr, ::isatty(STDERR_FILENO) == 1,
               std::chrono::seconds(5)) {}

Progress::Progress(std::string task, std::string unit, int64_t total, std::ostream& out,
                   bool terminal, std::chrono::milliseconds log_every)
    : task_(std::move(task)),
      unit_(std::move(unit)),
      total_(total),
      out_(&out),
      terminal_(terminal),
      every_(terminal ? std::chrono::milliseconds(200) : log_every),
      started_(std::chrono::steady_clock::now()),
      drawn_(started_) {}

Progress::~Progress() { finish(); }

std::string Progress::describe(int64_t done, int64_t total, const std::string& unit,
                               double per_second) {
  std::string line = grouped(done);
  if (total > 0) line += " of " + grouped(total);
  line += " " + unit;
  if (total > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, "%.1f %%", 100.0 * static_cast<double>(done) / total);
    line += "  " + std::string(pct);
  }
  line += "  " + grouped(static_cast<int64_t>(per_second)) + "/s";
  if (total > 0 && done < total && per_second > 0)
    line += "  " + duration(static_cast<double>(total - done) / per_second) + " left";
  return line;
}

void Progress::update(int64_t done) {
  done_ = done;
  auto now = std::chrono::steady_clock::now();
  if (now - drawn_ < every_) return;
  drawn_ = now;
  draw(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool last) {
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0;
  std::string line = describe(done_, total_, unit_, rate);
  if (last) line += "  in " + duration(seconds);
  if (terminal_) {
    // \r and "erase to the end of the line": the next draw replaces this one.
    *out_ << '\r' << task_ << "  " << line << "\x1b[K" << (last ? "\n" : "") << std::flush;
    return;
  }
  if (out_ == &std::cerr)  // beside the service's JSON log lines: one of them
    log::info(last ? task_ + " done" : task_ + " progress", {{"progress", line}});
  else
    *out_ << task_ << ": " << line << "\n";
}

}  // namespace callstream::core

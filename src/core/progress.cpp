#include "phusong/core/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace phusong {

Progress::Mode Progress::auto_mode(bool quiet) {
  if (quiet) return Mode::Quiet;
  return isatty(fileno(stderr)) ? Mode::Bar : Mode::Lines;
}

Progress::Progress(std::string label, std::uint64_t total, Mode mode)
    : label_(std::move(label)), total_(total == 0 ? 1 : total), mode_(mode) {
  draw(0);
}

Progress::~Progress() { finish(); }

void Progress::advance(std::uint64_t n) {
  const std::uint64_t done = done_.fetch_add(n) + n;
  // Bars redraw every 1 %, lines every 10 %.
  const int steps = mode_ == Mode::Bar ? 100 : 10;
  const int step = static_cast<int>((done * steps) / total_);
  int last = last_step_.load();
  while (step > last) {
    if (last_step_.compare_exchange_weak(last, step)) {
      draw(done);
      break;
    }
  }
}

void Progress::draw(std::uint64_t done) {
  if (mode_ == Mode::Quiet) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  const double pct = 100.0 * static_cast<double>(done) / static_cast<double>(total_);
  if (mode_ == Mode::Bar) {
    const int width = 30;
    const int fill = static_cast<int>(pct / 100.0 * width);
    std::string bar(static_cast<size_t>(fill), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%-28s [%s] %5.1f %%", label_.c_str(), bar.c_str(), pct);
  } else {
    std::fprintf(stderr, "%s: %.0f %%\n", label_.c_str(), pct);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (mode_ == Mode::Quiet) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
  }
  if (done_.load() < total_) {
    done_.store(total_);
    draw(total_);
  } else if (last_step_.load() < (mode_ == Mode::Bar ? 100 : 10)) {
    draw(total_);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (mode_ == Mode::Bar) std::fputc('\n', stderr);
  finished_ = true;
}

void log_info(bool quiet, const std::string& msg) {
  if (quiet) return;
  std::fprintf(stderr, "%s\n", msg.c_str());
}

}  // namespace phusong

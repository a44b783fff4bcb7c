#pragma once
// Progress reporting: a bar on a terminal, plain lines otherwise, nothing when
// quiet.  Thread-safe: advance() may be called from worker threads.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace phusong {

class Progress {
 public:
  enum class Mode { Quiet, Lines, Bar };
  // Auto: Bar when stderr is a terminal, Lines otherwise.
  static Mode auto_mode(bool quiet);

  Progress(std::string label, std::uint64_t total, Mode mode);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::uint64_t n = 1);
  void finish();

 private:
  void draw(std::uint64_t done);
  std::string label_;
  std::uint64_t total_;
  Mode mode_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<int> last_step_{-1};
  std::mutex mu_;
  bool finished_ = false;
};

// Informational message on stderr unless quiet.
void log_info(bool quiet, const std::string& msg);

}  // namespace phusong

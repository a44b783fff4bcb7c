#pragma once
// Sharded runs, merge, staging folders and interrupts (docs/distributed.md).
//
// A shard I/N computes the rows [floor((I-1) rows / N), floor(I rows / N)) of
// the full run's grid (same origin and cell size) with every cell (sector)
// whose radius reaches those rows, and writes the tile's rasters and a
// manifest.json (checksums of its inputs and outputs) into its folder.  A
// grid cell's value depends only on the sites within their radius and the
// terrain between, never on the tile it is computed in, so `merge` rebuilds
// the full run's composites byte for byte and re-runs the same analysis and
// output code as a single run.
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "phusong/scenario/run.hpp"

namespace phusong {

struct ShardSpec {
  int index = 0;  // 1-based
  int count = 0;  // 0: not sharded
};

// "I/N" with 1 <= I <= N; InputError otherwise.
ShardSpec parse_shard(const std::string& text);
// Rows [first, second) of a grid of `rows` rows that shard `s` computes.
std::pair<int, int> shard_rows(int rows, const ShardSpec& s);
// Folder name of shard I of N under a distributed run's shards/ folder.
std::string shard_folder_name(const ShardSpec& s);

struct ShardRunResult {
  std::string dir;
  bool reused = false;       // --resume found it finished and verified
  std::string resume_note;   // why a present manifest was not reused
  int rows_first = 0, rows_end = 0;
  int cells_computed = 0;    // cells (sectors) whose radius reaches the tile
  double compute_seconds = 0;
};

// Computes shard `spec` of the scenario into opt.out_dir (or the scenario's
// output.dir).  With resume, a folder whose manifest verifies (same inputs,
// outputs present with their checksums) is kept as it is.
ShardRunResult run_shard(const Scenario& s, const RunOptions& opt, const ShardSpec& spec, bool resume);

// Empty when `dir` holds a finished shard of this scenario (manifest present,
// inputs' and outputs' checksums equal); otherwise why not.
std::string verify_shard(const std::string& dir, const Scenario& s, const ShardSpec& spec);

struct MergeOptions {
  std::string out_dir;        // required
  std::string scenario_path;  // empty: the one recorded in the shards' manifests
  int threads = 0;
  bool quiet = false;
};

// Merges the folders of shards 1..N of one scenario (any order) into a full
// run's outputs in opt.out_dir: each raster read through a VRT of the tiles
// and written as the same COG, statistics recomputed by the run's analysis.
RunResult merge_shards(const std::vector<std::string>& dirs, const MergeOptions& opt);

// ---- staging folders and interrupts ----

// A staging folder inside `out` named .phusong-staging-HOST-PID.  Removed on
// destruction unless committed; removed by the interrupt handler.  Creating
// one also removes staging folders in `out` left by dead processes of this
// host (a SIGKILLed run); other hosts' are left alone and never read.
class StagingDir {
 public:
  StagingDir(const std::filesystem::path& out, const std::string& source_for_errors);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const std::filesystem::path& path() const { return dir_; }
  const std::filesystem::path& out() const { return out_; }
  // Moves `files` (relative names) into `out`, in order, under the commit
  // lock (an interrupt waits for it); then the staging folder is removed.
  void commit(const std::vector<std::string>& files);

 private:
  std::filesystem::path out_, dir_;
  bool created_out_ = false;
};

// Blocks SIGINT and SIGTERM in the calling thread (and so in the threads it
// starts later) and starts a thread that waits for them: on one it sets the
// cancel flag, removes every registered staging folder (waiting for a commit
// in progress), prints one line on stderr and exits 130 (SIGINT) or 143
// (SIGTERM).  Call once, first thing, from the main thread.
void install_interrupt_handler();
// Set once SIGINT/SIGTERM arrived (checked between shards and stages).
bool interrupted();

}  // namespace phusong

#pragma once
// Subcommands of the phusong CLI.  Each takes the arguments after the
// program name (argv[0] is the subcommand) and returns the exit status.
// Errors propagate as exceptions; main() prints them as one line.
namespace phusong::cli {

int cmd_run(int argc, char** argv);
int cmd_coverage(int argc, char** argv);
int cmd_compare(int argc, char** argv);
int cmd_propose(int argc, char** argv);
int cmd_p2p(int argc, char** argv);
int cmd_profile(int argc, char** argv);
int cmd_make_demo_district(int argc, char** argv);
int cmd_make_pattern(int argc, char** argv);
int cmd_merge(int argc, char** argv);

}  // namespace phusong::cli

#ifdef PHUSONG_WITH_MPI
#include <string>
namespace phusong {
struct RunOptions;
}
namespace phusong::cli {
// MPI build (src/cli/mpi_run.cpp): true when started by mpirun/srun.
bool launched_by_mpi();
// Ranks share the shards round-robin into OUT/shards/, rank 0 merges into OUT.
int cmd_run_mpi(const std::string& scenario_path, const RunOptions& opt, int shards, bool resume);
}  // namespace phusong::cli
#endif

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

}  // namespace phusong::cli

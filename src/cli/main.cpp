#include <cstdio>
#include <cstring>

#include "phusong/core/version.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) std::printf("phusong %s\n", phusong::kVersion);
  return 0;
}

// doctest main shared by the test executables.  Tests that need ../shared
// call shared_path(); when the folder is absent the reference suite exits
// with 77 (reported by ctest as skipped) after saying why.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "test_support.hpp"

int main(int argc, char** argv) {
  if (std::strcmp(PHUSONG_TEST_KIND, "reference") == 0 && !phusong::test::shared_available()) {
    std::printf("SKIPPED: %s not found; the reference tests need ../shared/reference\n",
                PHUSONG_SHARED_DIR);
    return 77;
  }
  doctest::Context ctx(argc, argv);
  return ctx.run();
}

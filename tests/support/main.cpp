// doctest main shared by the test executables.  Tests that need ../shared
// call shared_path(); when the folder is absent the reference suite exits
// with 77 (reported by ctest as skipped) after saying why.
// PHUSONG_TEST_CASE_EXCLUDE (environment): test cases to leave out, in the
// form of doctest's --test-case-exclude (comma-separated, wildcards); used by
// tools/sanitize to keep the demo-scale cases out of the instrumented runs.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
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
  if (const char* exclude = std::getenv("PHUSONG_TEST_CASE_EXCLUDE"); exclude && *exclude) {
    std::printf("excluded test cases (PHUSONG_TEST_CASE_EXCLUDE): %s\n", exclude);
    ctx.addFilter("test-case-exclude", exclude);
  }
  return ctx.run();
}

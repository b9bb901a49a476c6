// scripts/run, the project's main command, builds only what it runs: the
// latchkey program into build/run, without the tests and benchmarks
// (configured off, and only the latchkey target built), then runs that
// binary by its absolute path. Checked on a copy of the scripts with
// stand-ins for cmake and dpkg-query on the PATH that record what they
// were asked to do (nothing is built or installed).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/subprocess.h"
#include "store/store_fixture.h"

namespace latchkey::cli {
namespace {

namespace fs = std::filesystem;

void write_executable(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(RunScript, BuildsOnlyTheLatchkeyProgramAndRunsItByItsPath) {
  store::testing::TempDir dir;
  const fs::path tree = fs::path(dir.path()) / "latchkey";
  const fs::path source = fs::path(LATCHKEY_TEST_DATA) / ".." / "..";
  fs::create_directories(tree / "scripts");
  fs::create_directories(tree / "docs");
  for (const char* script : {"run", "build", "setup"}) {
    fs::copy_file(source / "scripts" / script, tree / "scripts" / script);
  }
  fs::copy_file(source / "docs" / "config.example.yaml", tree / "docs" / "config.example.yaml");

  const fs::path bin = fs::path(dir.path()) / "bin";
  const fs::path log = fs::path(dir.path()) / "calls.log";
  fs::create_directories(bin);
  // Every package counts as installed.
  write_executable(bin / "dpkg-query", "#!/bin/sh\nprintf 'install ok installed'\n");
  // cmake records its arguments; a build leaves a latchkey stand-in that
  // records how it was run.
  write_executable(bin / "cmake",
                   "#!/bin/sh\n"
                   "echo \"cmake $*\" >> '" + log.string() + "'\n"
                   "if [ \"$1\" = --build ]; then\n"
                   "  mkdir -p \"$2/src/cli\"\n"
                   "  printf '#!/bin/sh\\necho \"latchkey $0 $*\" >> \"%s\"\\n' '" + log.string() +
                       "' > \"$2/src/cli/latchkey\"\n"
                   "  chmod +x \"$2/src/cli/latchkey\"\n"
                   "fi\n");

  const std::string path = bin.string() + ":" + (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
  testing::Subprocess run({"/usr/bin/env", "PATH=" + path, "bash", (tree / "scripts" / "run").string()});
  EXPECT_EQ(run.wait(), 0) << run.out() << run.err();

  const auto calls = read_lines(log);
  std::vector<std::string> configures, builds, runs;
  for (const auto& c : calls) {
    if (c.rfind("cmake --build ", 0) == 0) {
      builds.push_back(c);
    } else if (c.rfind("cmake ", 0) == 0) {
      configures.push_back(c);
    } else if (c.rfind("latchkey ", 0) == 0) {
      runs.push_back(c);
    }
  }
  ASSERT_EQ(configures.size(), 1u) << run.out();
  EXPECT_TRUE(has(configures[0], "-DLATCHKEY_TESTS=OFF")) << configures[0];
  EXPECT_TRUE(has(configures[0], "-DLATCHKEY_BENCH=OFF")) << configures[0];
  ASSERT_EQ(builds.size(), 1u);
  EXPECT_TRUE(has(builds[0], "--target latchkey")) << builds[0];
  const std::string binary = (tree / "build" / "run" / "src" / "cli" / "latchkey").string();
  EXPECT_EQ(builds[0].rfind("cmake --build build/run ", 0), 0u) << builds[0];
  ASSERT_EQ(runs.size(), 3u) << run.out();
  EXPECT_EQ(runs[0], "latchkey " + binary + " version");
  EXPECT_EQ(runs[1], "latchkey " + binary + " selfcheck");
  EXPECT_EQ(runs[2], "latchkey " + binary + " serve --config .latchkey/config.yaml");
  EXPECT_TRUE(fs::exists(tree / ".latchkey" / "config.yaml"));
}

}  // namespace
}  // namespace latchkey::cli

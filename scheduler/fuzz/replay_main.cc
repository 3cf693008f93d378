// Drives LLVMFuzzerTestOneInput without libFuzzer: every file under the seed
// directories, then a fixed number of deterministic mutations of each (byte
// flips, truncations, splices, duplicated spans). A crash or abort fails the
// test; the count of inputs run is printed.
#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/testing/testdata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> ReadDirectory(const std::string& dir) {
  std::vector<std::string> files;
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return files;
  while (dirent* entry = readdir(handle)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::ifstream in(dir + "/" + name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    files.push_back(text.str());
  }
  closedir(handle);
  return files;
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

// Arguments: the seed directories (runfile paths); default the extender's.
int main(int argc, char** argv) {
  std::vector<std::string> dirs(argv + 1, argv + argc);
  if (dirs.empty()) dirs = {"testdata/extender", "testdata/fuzz"};
  std::vector<std::string> seeds;
  for (const std::string& dir : dirs) {
    for (const std::string& seed : ReadDirectory(spillway::testing::RunfilePath(dir))) seeds.push_back(seed);
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "no seed inputs found\n");
    return 1;
  }
  std::mt19937_64 random(20261122);  // Fixed: the same inputs on every run.
  size_t runs = 0;
  const char kInteresting[] = "{}[]\":,0-9enulltrufas\\ \x00\xff";
  for (const std::string& seed : seeds) {
    Run(seed);
    ++runs;
    for (int i = 0; i < 300; ++i) {
      std::string input = seed;
      int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits && !input.empty(); ++e) {
        size_t at = random() % input.size();
        switch (random() % 4) {
          case 0:
            input[at] = kInteresting[random() % (sizeof(kInteresting) - 1)];
            break;
          case 1:
            input.resize(at);
            break;
          case 2:
            input.insert(at, input.substr(random() % input.size(), random() % 64));
            break;
          case 3:
            input.erase(at, random() % 32);
            break;
        }
      }
      Run(input);
      ++runs;
    }
  }
  std::printf("replayed %zu inputs without a crash\n", runs);
  return 0;
}

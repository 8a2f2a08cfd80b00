//===- FuzzMain.cpp - replay fuzz inputs without libFuzzer
//-----------------===//
//
// The main of a fuzz target in builds without libFuzzer (the normal and the
// sanitized ones): every argument is a file or a directory of files, each run
// once through LLVMFuzzerTestOneInput. ctest replays the committed
// regression inputs this way, so a fixed crash stays fixed everywhere.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

/// Runs one file; false when it cannot be read.
bool replay(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replaying %s (%zu bytes)\n", path.c_str(),
               bytes.size());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()),
                         bytes.size());
  return true;
}

} // namespace

int main(int argc, char **argv) {
  size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::error_code error;
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(argv[i], error)) {
      for (const auto &entry : std::filesystem::directory_iterator(argv[i]))
        if (entry.is_regular_file())
          files.push_back(entry.path());
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(argv[i]);
    }
    for (const auto &file : files) {
      if (!replay(file)) {
        std::fprintf(stderr, "error: cannot read %s\n", file.c_str());
        return 1;
      }
      ++count;
    }
  }
  std::fprintf(stderr, "replayed %zu inputs\n", count);
  return 0;
}

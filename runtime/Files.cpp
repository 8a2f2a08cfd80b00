//===- Files.cpp - whole-file reads and atomic writes ---------------------===//

#include "runtime/Files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace engram::runtime {

StatusOr<std::string> readFile(const std::string &path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0)
    return Status::error(path + ": cannot read: " + std::strerror(errno));
  if (S_ISDIR(info.st_mode))
    return Status::error(path + ": cannot read: is a directory");
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file)
    return Status::error(path + ": cannot read: " + std::strerror(errno));
  std::string bytes;
  char buffer[1 << 16];
  size_t count;
  while ((count = std::fread(buffer, 1, sizeof(buffer), file)) > 0)
    bytes.append(buffer, count);
  bool failed = std::ferror(file);
  std::fclose(file);
  if (failed)
    return Status::error(path + ": read error");
  return bytes;
}

Status writeFileAtomic(const std::string &path, const std::string &bytes) {
  if (path == "-") {
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() ||
        std::fflush(stdout) != 0)
      return Status::error("<stdout>: write error");
    return Status::success();
  }
  std::string temp = path + ".tmp" + std::to_string(getpid());
  FILE *file = std::fopen(temp.c_str(), "wb");
  if (!file)
    return Status::error(path + ": cannot write: " + std::strerror(errno));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  ok = (std::fclose(file) == 0) && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    return Status::error(path + ": cannot write: " + reason);
  }
  return Status::success();
}

Status checkOutputPath(const std::string &path) {
  if (path == "-")
    return Status::success();
  if (path.empty())
    return Status::error("an output path is empty");
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
    return Status::error(path + ": cannot write: is a directory");
  size_t slash = path.rfind('/');
  std::string folder = slash == std::string::npos ? "."
                       : slash == 0               ? "/"
                                                  : path.substr(0, slash);
  if (stat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    return Status::error(path + ": cannot write: no folder " + folder);
  if (access(folder.c_str(), W_OK | X_OK) != 0)
    return Status::error(path + ": cannot write: " + std::strerror(errno));
  return Status::success();
}

} // namespace engram::runtime

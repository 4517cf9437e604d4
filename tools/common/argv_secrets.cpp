#include "argv_secrets.hpp"

#include <cstring>
#include <string_view>

namespace statesync::tools {
namespace {

void blank(char* text) noexcept {
  for (; *text != '\0'; ++text) {
    *text = '*';
  }
}

// The password in "scheme://user:password@host": between the first ':'
// after "://" and the last '@'.
void blank_url_password(char* url) noexcept {
  char* authority = std::strstr(url, "://");
  if (authority == nullptr) {
    return;
  }
  authority += 3;
  char* at = std::strrchr(authority, '@');
  if (at == nullptr) {
    return;
  }
  char* colon = std::strchr(authority, ':');
  char* from = colon != nullptr && colon < at ? colon + 1 : authority; // "redis://secret@host"
  for (char* c = from; c < at; ++c) {
    *c = '*';
  }
}

} // namespace

void hide_secrets_in_argv(int argc, char** argv) noexcept {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      return;
    }
    const bool has_next = i + 1 < argc;
    if ((arg == "-a" || arg == "--pass" || arg == "--sentinel-pass") && has_next) {
      blank(argv[++i]);
    } else if (arg.starts_with("--pass=")) {
      blank(argv[i] + 7);
    } else if (arg.starts_with("--sentinel-pass=")) {
      blank(argv[i] + 16);
    } else if (arg.starts_with("-a") && arg.size() > 2 && arg[1] == 'a') {
      blank(argv[i] + 2);
    } else if ((arg == "-u" || arg == "--url") && has_next) {
      blank_url_password(argv[++i]);
    } else if (arg.starts_with("--url=") || (arg.starts_with("-u") && arg.size() > 2)) {
      blank_url_password(argv[i]);
    }
  }
}

} // namespace statesync::tools

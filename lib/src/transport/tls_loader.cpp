// Finds the TLS transport: built in (static library), or the
// libstatesync-tls module, loaded on first use from beside libstatesync or,
// for a statically linked tool, from the library folder next to its bin/.

#include "transport/tls_module.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <array>
#include <dlfcn.h>
#include <memory>
#include <mutex>
#include <string>
#include <unistd.h>
#include <vector>

namespace statesync::detail {
namespace {

#ifndef STATESYNC_TLS_BUILTIN
constexpr const char* module_name = "libstatesync-tls.so";

// Where to look: the installed module's own folder beside libstatesync.so,
// the folder holding this code (the build tree's libstatesync.so), and for a
// tool in bin/, the build tree's library folder and the install tree's
// module folder.
std::vector<std::string> module_candidates() {
  Dl_info self{};
  if (::dladdr(reinterpret_cast<void*>(&module_candidates), &self) == 0 || self.dli_fname == nullptr) {
    return {module_name};
  }
  const std::string file = self.dli_fname;
  const auto slash = file.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : file.substr(0, slash);
  return {dir + "/" STATESYNC_MODULE_SUBDIR "/" + module_name, dir + "/" + module_name, dir + "/../lib/" + module_name,
          dir + "/" STATESYNC_BIN_TO_LIB "/" STATESYNC_MODULE_SUBDIR "/" + module_name};
}

StartTlsFunction load_module() {
  static std::once_flag once;
  static StartTlsFunction function = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    void* module = nullptr;
    for (const auto& path : module_candidates()) {
      if ((module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) != nullptr) {
        break;
      }
      failure = ::dlerror();
    }
    if (module == nullptr) {
      return;
    }
    function = reinterpret_cast<StartTlsFunction>(::dlsym(module, start_tls_symbol));
    if (function == nullptr) {
      failure = fmt::format("{} has no {}", module_name, start_tls_symbol);
    }
  });
  if (function == nullptr) {
    throw Error(ErrorKind::internal, fmt::format("TLS support cannot be loaded: {}", failure));
  }
  return function;
}
#endif

} // namespace

std::unique_ptr<Transport> start_tls(int fd, const Endpoint& endpoint, Clock::time_point deadline) {
#ifdef STATESYNC_TLS_BUILTIN
  return std::unique_ptr<Transport>(start_tls_transport(fd, endpoint, deadline));
#else
  StartTlsFunction function = nullptr;
  try {
    function = load_module();
  } catch (...) {
    ::close(fd);
    throw;
  }
  std::array<char, 512> error{};
  std::unique_ptr<Transport> transport(function(fd, endpoint, deadline, error.data(), error.size()));
  if (!transport) {
    throw Error(ErrorKind::unavailable, error.data());
  }
  return transport;
#endif
}

} // namespace statesync::detail

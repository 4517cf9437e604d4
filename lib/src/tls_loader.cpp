// Finds the TLS transport: built in (static library), or the
// libstatesync-tls module beside libstatesync, loaded on first use.

#include "tls_module.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <dlfcn.h>
#include <memory>
#include <mutex>
#include <string>
#include <unistd.h>

namespace statesync::detail {
namespace {

#ifndef STATESYNC_TLS_BUILTIN
StartTlsFunction load_module() {
  static std::once_flag once;
  static StartTlsFunction function = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    // The module is installed next to this library, wherever that is.
    Dl_info self{};
    std::string path = "libstatesync-tls.so";
    if (::dladdr(reinterpret_cast<void*>(&load_module), &self) != 0 && self.dli_fname != nullptr) {
      const std::string library = self.dli_fname;
      const auto slash = library.rfind('/');
      if (slash != std::string::npos) {
        path = library.substr(0, slash + 1) + path;
      }
    }
    void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (module == nullptr) {
      failure = ::dlerror();
      return;
    }
    function = reinterpret_cast<StartTlsFunction>(::dlsym(module, start_tls_symbol));
    if (function == nullptr) {
      failure = fmt::format("{} has no {}", path, start_tls_symbol);
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
  return std::unique_ptr<Transport>(function(fd, endpoint, deadline));
#endif
}

} // namespace statesync::detail

// TLS through OpenSSL over a connected TCP socket: verification of the
// certificate and the host name by default, SNI, client certificates.
// Built as the libstatesync-tls module (see tls_module.hpp), or into a
// static libstatesync.

#include "transport/tls_module.hpp"
#include "util/deadline.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <arpa/inet.h>
#include <cstdio>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <unistd.h>

namespace statesync::detail {
namespace {

std::string openssl_error_text() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "connection closed during handshake";
  }
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : fmt::format("OpenSSL error {:#x}", code);
}

[[noreturn]] void tls_failed(const Endpoint& endpoint, const std::string& why) {
  throw Error(ErrorKind::unavailable, fmt::format("TLS handshake with {} failed: {}", endpoint.where(), why));
}

bool is_ip_address(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

struct ContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

std::unique_ptr<SSL_CTX, ContextDeleter> make_context(const Endpoint& endpoint) {
  std::unique_ptr<SSL_CTX, ContextDeleter> context(SSL_CTX_new(TLS_client_method()));
  if (!context) {
    tls_failed(endpoint, openssl_error_text());
  }
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  const TlsOptions& tls = endpoint.tls;
  if (tls.insecure) {
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    if (!tls.ca_file.empty() || !tls.ca_dir.empty()) {
      if (SSL_CTX_load_verify_locations(context.get(), tls.ca_file.empty() ? nullptr : tls.ca_file.c_str(),
                                        tls.ca_dir.empty() ? nullptr : tls.ca_dir.c_str()) != 1) {
        tls_failed(endpoint, fmt::format("cannot load CA certificates from {}: {}",
                                         tls.ca_file.empty() ? tls.ca_dir : tls.ca_file, openssl_error_text()));
      }
    } else if (SSL_CTX_set_default_verify_paths(context.get()) != 1) {
      tls_failed(endpoint, fmt::format("cannot load the system CA store: {}", openssl_error_text()));
    }
  }
  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(context.get(), tls.cert_file.c_str()) != 1) {
      tls_failed(endpoint, fmt::format("cannot load certificate {}: {}", tls.cert_file, openssl_error_text()));
    }
    const std::string& key = tls.key_file.empty() ? tls.cert_file : tls.key_file;
    if (SSL_CTX_use_PrivateKey_file(context.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
      tls_failed(endpoint, fmt::format("cannot load private key {}: {}", key, openssl_error_text()));
    }
  }
  return context;
}

class TlsTransport final : public Transport {
public:
  TlsTransport(int fd, std::unique_ptr<SSL_CTX, ContextDeleter> context, std::unique_ptr<SSL, SslDeleter> ssl)
      : fd_(fd), context_(std::move(context)), ssl_(std::move(ssl)) {}
  ~TlsTransport() override {
    ssl_.reset();
    ::close(fd_);
  }

  IoResult read(char* buffer, std::size_t size) override {
    std::size_t done = 0;
    const int rc = SSL_read_ex(ssl_.get(), buffer, size, &done);
    return rc == 1 ? IoResult{done, 0, false} : failure(rc);
  }

  IoResult write(const char* data, std::size_t size) override {
    std::size_t done = 0;
    const int rc = SSL_write_ex(ssl_.get(), data, size, &done);
    return rc == 1 ? IoResult{done, 0, false} : failure(rc);
  }

  int fd() const noexcept override { return fd_; }

private:
  IoResult failure(int rc) {
    switch (SSL_get_error(ssl_.get(), rc)) {
    case SSL_ERROR_WANT_READ:
      return {0, POLLIN, false};
    case SSL_ERROR_WANT_WRITE:
      return {0, POLLOUT, false};
    default:
      ERR_clear_error();
      return {0, 0, true};
    }
  }

  int fd_;
  std::unique_ptr<SSL_CTX, ContextDeleter> context_;
  std::unique_ptr<SSL, SslDeleter> ssl_;
};

// Closes the socket unless the handshake succeeds.
struct SocketOwner {
  int fd;
  ~SocketOwner() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

} // namespace

Transport* start_tls_transport(int fd, const Endpoint& endpoint, Clock::time_point deadline) {
  SocketOwner owner{fd};
  auto context = make_context(endpoint);
  std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(context.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) {
    tls_failed(endpoint, openssl_error_text());
  }
  const TlsOptions& tls = endpoint.tls;
  const std::string& server_name = tls.sni.empty() ? endpoint.host : tls.sni;
  if (!is_ip_address(server_name)) {
    // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it does.
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(server_name.c_str()));
  }
  if (!tls.insecure) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    const int ok = is_ip_address(server_name) ? X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str())
                                              : X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), 0);
    if (ok != 1) {
      tls_failed(endpoint, "cannot set the expected host name");
    }
  }
  for (;;) {
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) {
      break;
    }
    const int error = SSL_get_error(ssl.get(), rc);
    short wanted = 0;
    if (error == SSL_ERROR_WANT_READ) {
      wanted = POLLIN;
    } else if (error == SSL_ERROR_WANT_WRITE) {
      wanted = POLLOUT;
    } else {
      const long verify = SSL_get_verify_result(ssl.get());
      if (verify != X509_V_OK) {
        ERR_clear_error();
        tls_failed(endpoint, fmt::format("certificate verify failed: {}", X509_verify_cert_error_string(verify)));
      }
      tls_failed(endpoint, openssl_error_text());
    }
    if (wait_fd(fd, wanted, deadline) == Readiness::timed_out) {
      tls_failed(endpoint, fmt::format("timed out after {}", seconds_text(endpoint.connect_timeout)));
    }
  }
  owner.fd = -1;
  return new TlsTransport(fd, std::move(context), std::move(ssl));
}

} // namespace statesync::detail

#ifndef STATESYNC_TLS_BUILTIN
extern "C" __attribute__((visibility("default"))) statesync::detail::Transport*
statesync_start_tls(int fd, const statesync::Endpoint& endpoint, statesync::Clock::time_point deadline, char* error,
                    std::size_t error_size) {
  try {
    return statesync::detail::start_tls_transport(fd, endpoint, deadline);
  } catch (const std::exception& failure) {
    std::snprintf(error, error_size, "%s", failure.what());
    return nullptr;
  }
}
#endif

#include "connection_notices.hpp"

namespace statesync::tools {

std::string ConnectionNotices::not_connected(const std::string& detail) {
  never_connected_ = true;
  return detail + "; trying again until --give-up";
}

std::string ConnectionNotices::lost(const std::string& detail, std::string_view meanwhile) {
  return detail + "; reconnecting (" + std::string(meanwhile) + ")";
}

std::string ConnectionNotices::back(const std::string& where, std::string_view catch_up) {
  if (never_connected_) {
    never_connected_ = false;
    return "connected to " + where;
  }
  return "reconnected to " + where + std::string(catch_up);
}

} // namespace statesync::tools

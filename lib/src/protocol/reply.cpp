#include <statesync/reply.hpp>

#include <fmt/format.h>

namespace statesync {

bool Reply::is_status(const char* text) const {
  return type == Type::status && str == text;
}

std::string Reply::describe() const {
  switch (type) {
  case Type::string:
  case Type::status:
  case Type::error:
    return str;
  case Type::integer:
    return fmt::format("(integer) {}", integer);
  case Type::nil:
    return "(nil)";
  case Type::array:
    return fmt::format("(array of {})", elements.size());
  }
  return "(unknown)";
}

} // namespace statesync

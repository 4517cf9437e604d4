#pragma once
// Passing a warning to the program's handler (statesync/warnings.hpp).

#include <string_view>

namespace statesync::detail {

void warn(std::string_view message);

} // namespace statesync::detail

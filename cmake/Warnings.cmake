# One warning policy for every target of the project.
add_library(statesync_warnings INTERFACE)
target_compile_options(statesync_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wcast-align
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${STATESYNC_WERROR}>:-Werror>)

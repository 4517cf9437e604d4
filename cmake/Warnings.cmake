# One warning policy for every target of the project. (-Wnull-dereference is
# left out: with optimisation, GCC 12 reports it inside libstdc++'s own
# std::string and std::vector code, where nothing is null.)
add_library(statesync_warnings INTERFACE)
target_compile_options(statesync_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wcast-align
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${STATESYNC_WERROR}>:-Werror>)

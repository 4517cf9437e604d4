#pragma once
// Symbol visibility: the library is compiled with hidden visibility, and only
// what is marked STATESYNC_API is part of its ABI.

// Marks what the library exports: every public class and function.
#define STATESYNC_API __attribute__((visibility("default")))

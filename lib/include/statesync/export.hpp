#pragma once
// Symbol visibility: the library is compiled with hidden visibility, and only
// what is marked STATESYNC_API is part of its ABI.

#define STATESYNC_API __attribute__((visibility("default")))

/* The command the lock-handoff benchmark runs under statesync-lock: it
 * appends "s TIME" to LOG as it starts, holds for MS milliseconds, and
 * appends "e TIME" as it ends (CLOCK_REALTIME, seconds with nanoseconds).
 * A small C program, so that its own start-up adds little to the handoff
 * it measures (a shell adds a millisecond or more). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void stamp(const char* log, char kind) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  FILE* out = fopen(log, "a");
  if (out == NULL) {
    exit(1);
  }
  fprintf(out, "%c %lld.%09ld\n", kind, (long long)now.tv_sec, now.tv_nsec);
  fclose(out);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: critical_section LOG MS\n");
    return 64;
  }
  stamp(argv[1], 's');
  const long ms = atol(argv[2]);
  const struct timespec hold = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&hold, NULL);
  stamp(argv[1], 'e');
  return 0;
}

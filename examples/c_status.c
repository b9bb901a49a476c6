/* c_status: the smallest program that embeds latchkey through its C API.
 * It joins a tailnet, prints every event as it arrives, waits until the
 * client runs and sees at least MIN_PEERS peers, prints the status
 * document and stops.
 *
 *   c_status LOGIN_SERVER AUTH_KEY STATE_DIR [MIN_PEERS] [TIMEOUT_SECONDS]
 *
 * Exit 0 when the client got there in time, 1 when it did not, 2 on bad
 * arguments or options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liblatchkey.h"

static void on_event(void* user, const char* event_json) {
  (void)user;
  printf("event %s\n", event_json);
  fflush(stdout);
}

/* Counts "node_id" members inside the "peers" array of a status document
 * (enough for this example; a real program would use a JSON parser). */
static int peers_in(const char* status) {
  const char* p = strstr(status, "\"peers\":[");
  const char* end = p ? strstr(p, "],\"lock\"") : NULL;
  int n = 0;
  while (p && end && (p = strstr(p + 1, "\"node_id\"")) != NULL && p < end) ++n;
  return n;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: c_status LOGIN_SERVER AUTH_KEY STATE_DIR [MIN_PEERS] [TIMEOUT_SECONDS]\n");
    return 2;
  }
  const int min_peers = argc > 4 ? atoi(argv[4]) : 0;
  const int timeout = argc > 5 ? atoi(argv[5]) : 30;
  char options[4096];
  snprintf(options, sizeof options, "{\"login_server\":\"%s\",\"auth_key\":\"%s\",\"state_dir\":\"%s\",\"hostname\":\"c-example\"}",
           argv[1], argv[2], argv[3]);

  printf("liblatchkey %s\n", lk_version());
  lk_client* client = NULL;
  char* error = NULL;
  if (lk_client_new(options, &client, &error) != LK_OK) {
    fprintf(stderr, "lk_client_new: %s\n", error ? error : "?");
    lk_free(error);
    return 2;
  }
  lk_client_subscribe(client, on_event, NULL);
  lk_client_start(client);

  int ok = 0;
  for (int i = 0; i < timeout * 10 && !ok; ++i) {
    char* status = lk_client_status_json(client);
    ok = status && strstr(status, "\"backend_state\":\"running\"") && peers_in(status) >= min_peers;
    lk_free(status);
    if (!ok) {
      struct timespec ts = {0, 100 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  char* status = lk_client_status_json(client);
  printf("status %s\n", status);
  lk_free(status);
  lk_client_stop(client);
  lk_client_free(client);
  return ok ? 0 : 1;
}

/* liblatchkey: the latchkey control client for programs in any language
 * that can call C. A client joins a tailnet through a control server
 * (latchkey serve, Headscale, Tailscale), follows its netmap, acquires the
 * tailnet's lock (Tailnet Lock) and judges every peer by it: verify-and-log
 * by default (all peers admitted, refusals logged and counted), or
 * enforcing ("tka_enforce": peers the lock refuses are not exposed).
 *
 * Handles are opaque. Strings passed in are UTF-8; strings returned are
 * UTF-8 JSON the caller frees with lk_free. Functions return LK_OK (0) or a
 * negative LK_E_* code; an error text, when asked for, is freed with
 * lk_free too. Callbacks run on the client's own thread: they must return
 * quickly and must not call lk_client_stop, lk_client_logout or lk_client_free.
 *
 * Status documents and event payloads are described in docs/client.md. */
#ifndef LIBLATCHKEY_H
#define LIBLATCHKEY_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
  LK_OK = 0,
  LK_E_INVALID = -1, /* bad arguments or options */
  LK_E_STATE = -2,   /* not allowed in this state (start twice, after stop) */
  LK_E_BUSY = -3,    /* called from a callback where it would deadlock */
  LK_E_IO = -4,      /* the state directory cannot be used */
  LK_E_UNAVAILABLE = -5, /* the control server could not be told */
};

typedef struct lk_client lk_client;

/* An event as JSON: {"type":"state"|"login"|"peer"|"lock"|"error", ...}. */
typedef void (*lk_event_fn)(void* user, const char* event_json);

/* Creates a client from JSON options:
 *   {"login_server": "https://control.example.com",   required
 *    "state_dir": "/var/lib/app/latchkey",             required
 *    "auth_key": "tskey-auth-…", "hostname": "…",
 *    "tka_enforce": false, "ephemeral": false, "websocket": false,
 *    "capability_version": 145,
 *    "tls_ca_file": "/etc/ssl/private-ca.pem"}  (extra roots for https)
 * Unknown options are refused. On failure *error (when not NULL) gets a
 * text to free with lk_free. */
int lk_client_new(const char* options_json, lk_client** out, char** error);

/* Starts the client's thread; returns at once. */
int lk_client_start(lk_client* c);
/* Stops the client; blocks until its thread has ended. */
int lk_client_stop(lk_client* c);
/* Logs the node out: the server is told its node key expires now and the
 * state directory keeps only the machine key; the client then stays logged
 * out (state "needs_login") until it is created again. Blocks for the
 * request (at most a minute). LK_E_UNAVAILABLE when the server could not be
 * told (the node is forgotten locally all the same; *error says why),
 * LK_E_STATE when not running or already logged out, LK_E_IO when the
 * state directory could not be written. */
int lk_client_logout(lk_client* c, char** error);
/* The client's status document (schema 1); NULL when c is NULL. */
char* lk_client_status_json(lk_client* c);

/* Subscribes to events; returns an ID > 0 for lk_client_unsubscribe, 0 on
 * error. */
unsigned long long lk_client_subscribe(lk_client* c, lk_event_fn fn, void* user);
void lk_client_unsubscribe(lk_client* c, unsigned long long id);

/* Stops (if running) and frees the client. */
void lk_client_free(lk_client* c);
/* Frees a string this library returned. */
void lk_free(void* p);
/* The library's version, a static string. */
const char* lk_version(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBLATCHKEY_H */

/*
 * The C baseline for cabin-bench-dbus: a method-call server and a client written directly
 * against libdbus, with nothing between the program and the library.
 *
 *   cabin-bench-dbus-baseline server ADDRESS NAME
 *       Owns NAME and answers org.cabin.Bench1.Add(ii) -> i at /org/cabin/Bench until killed.
 *   cabin-bench-dbus-baseline client ADDRESS NAME ITERATIONS WARMUP
 *       Calls NAME's Add WARMUP times untimed, then ITERATIONS times, each timed with
 *       CLOCK_MONOTONIC, and prints one line, cpu_ns being the process's CPU time so far:
 *       calls=N elapsed_ns=T p50_ns=X p99_ns=Y cpu_ns=C
 */
#include <dbus/dbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const bench_path = "/org/cabin/Bench";
static const char *const bench_interface = "org.cabin.Bench1";

static int64_t clock_ns(clockid_t clock) {
  struct timespec now;
  clock_gettime(clock, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static int64_t monotonic_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static DBusConnection *connect_bus(const char *address) {
  DBusError error;
  dbus_error_init(&error);
  DBusConnection *connection = dbus_connection_open_private(address, &error);
  if (connection == NULL || !dbus_bus_register(connection, &error)) {
    fprintf(stderr, "cabin-bench-dbus-baseline: cannot connect to %s: %s\n", address,
            dbus_error_is_set(&error) ? error.message : "unknown error");
    exit(2);
  }
  dbus_connection_set_exit_on_disconnect(connection, TRUE);
  return connection;
}

static DBusHandlerResult handle_call(DBusConnection *connection, DBusMessage *message, void *data) {
  (void)data;
  if (!dbus_message_is_method_call(message, bench_interface, "Add")) {
    return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
  }
  dbus_int32_t a = 0;
  dbus_int32_t b = 0;
  DBusMessage *reply;
  if (dbus_message_get_args(message, NULL, DBUS_TYPE_INT32, &a, DBUS_TYPE_INT32, &b,
                            DBUS_TYPE_INVALID)) {
    /* Unsigned arithmetic wraps like Swift's &+ instead of overflowing. */
    dbus_int32_t sum = (dbus_int32_t)((uint32_t)a + (uint32_t)b);
    reply = dbus_message_new_method_return(message);
    dbus_message_append_args(reply, DBUS_TYPE_INT32, &sum, DBUS_TYPE_INVALID);
  } else {
    reply = dbus_message_new_error(message, DBUS_ERROR_INVALID_ARGS, "Add takes (ii)");
  }
  dbus_connection_send(connection, reply, NULL);
  dbus_message_unref(reply);
  return DBUS_HANDLER_RESULT_HANDLED;
}

static int serve(const char *address, const char *name) {
  DBusConnection *connection = connect_bus(address);
  dbus_connection_add_filter(connection, handle_call, NULL, NULL);
  DBusError error;
  dbus_error_init(&error);
  int owned = dbus_bus_request_name(connection, name, DBUS_NAME_FLAG_DO_NOT_QUEUE, &error);
  if (owned != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
    fprintf(stderr, "cabin-bench-dbus-baseline: cannot own %s: %s\n", name,
            dbus_error_is_set(&error) ? error.message : "name taken");
    return 2;
  }
  while (dbus_connection_read_write_dispatch(connection, -1)) {
  }
  return 0;
}

static int compare_ns(const void *lhs, const void *rhs) {
  int64_t a = *(const int64_t *)lhs;
  int64_t b = *(const int64_t *)rhs;
  return (a > b) - (a < b);
}

/* Nearest rank, the same definition the Swift driver uses for its own samples. */
static int64_t percentile(const int64_t *sorted, long count, int percent) {
  long rank = (count * percent + 99) / 100;
  return sorted[rank < 1 ? 0 : rank - 1];
}

static int call_add(DBusConnection *connection, const char *name, dbus_int32_t a) {
  DBusMessage *call = dbus_message_new_method_call(name, bench_path, bench_interface, "Add");
  dbus_int32_t b = 1;
  dbus_message_append_args(call, DBUS_TYPE_INT32, &a, DBUS_TYPE_INT32, &b, DBUS_TYPE_INVALID);
  DBusError error;
  dbus_error_init(&error);
  DBusMessage *reply = dbus_connection_send_with_reply_and_block(connection, call, -1, &error);
  dbus_message_unref(call);
  dbus_int32_t sum = 0;
  if (reply == NULL ||
      !dbus_message_get_args(reply, &error, DBUS_TYPE_INT32, &sum, DBUS_TYPE_INVALID) ||
      sum != (dbus_int32_t)((uint32_t)a + 1u)) {
    fprintf(stderr, "cabin-bench-dbus-baseline: Add(%d, 1) failed: %s\n", a,
            dbus_error_is_set(&error) ? error.message : "wrong sum");
    exit(3);
  }
  dbus_message_unref(reply);
  return 0;
}

static int run_client(const char *address, const char *name, long iterations, long warmup) {
  DBusConnection *connection = connect_bus(address);
  for (long i = 0; i < warmup; i++) {
    call_add(connection, name, (dbus_int32_t)i);
  }
  int64_t *samples = malloc(sizeof(int64_t) * (size_t)iterations);
  if (samples == NULL) {
    fprintf(stderr, "cabin-bench-dbus-baseline: out of memory\n");
    return 2;
  }
  int64_t start = monotonic_ns();
  for (long i = 0; i < iterations; i++) {
    int64_t before = monotonic_ns();
    call_add(connection, name, (dbus_int32_t)i);
    samples[i] = monotonic_ns() - before;
  }
  int64_t elapsed = monotonic_ns() - start;
  qsort(samples, (size_t)iterations, sizeof(int64_t), compare_ns);
  printf("calls=%ld elapsed_ns=%lld p50_ns=%lld p99_ns=%lld cpu_ns=%lld\n", iterations,
         (long long)elapsed, (long long)percentile(samples, iterations, 50),
         (long long)percentile(samples, iterations, 99),
         (long long)clock_ns(CLOCK_PROCESS_CPUTIME_ID));
  free(samples);
  dbus_connection_close(connection);
  dbus_connection_unref(connection);
  return 0;
}

static long parse_count(const char *text, const char *what) {
  char *end = NULL;
  long value = strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0) {
    fprintf(stderr, "cabin-bench-dbus-baseline: %s must be a whole number >= 0, got '%s'\n", what,
            text);
    exit(64);
  }
  return value;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "server") == 0) {
    return serve(argv[2], argv[3]);
  }
  if (argc == 6 && strcmp(argv[1], "client") == 0) {
    long iterations = parse_count(argv[4], "ITERATIONS");
    if (iterations < 1) {
      fprintf(stderr, "cabin-bench-dbus-baseline: ITERATIONS must be at least 1\n");
      return 64;
    }
    return run_client(argv[2], argv[3], iterations, parse_count(argv[5], "WARMUP"));
  }
  fprintf(stderr,
          "usage: cabin-bench-dbus-baseline server ADDRESS NAME\n"
          "       cabin-bench-dbus-baseline client ADDRESS NAME ITERATIONS WARMUP\n");
  return 64;
}

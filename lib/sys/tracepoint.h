/* tracefs and tracepoints: the mount (ours is undone at exit and on a fatal signal), ids, and the symbols of a __print_symbolic field. */
#ifndef MMBENCH_TRACEPOINT_H
#define MMBENCH_TRACEPOINT_H

/* tracefs mount point (mounting tracefs if needed; unmounted at exit), or NULL; errno EACCES: not ours to read or mount. */
const char *tracefs_dir(void);
/*
 * Unmount tracefs if this process mounted it (atexit does this; a fatal-signal
 * handler should call it too). Async-signal-safe; 0 or -errno.
 */
int tracefs_unmount(void);
/* A tracepoint's id, or -errno. */
int tracepoint_id(const char *subsys_event);
/* The value of symbol @sym in __print_symbolic() of field @field in the event's print fmt, or -errno. */
int tracepoint_symbol_value(const char *subsys_event, const char *field, const char *sym);
/* The same from a format file's text (for tests). */
int tracepoint_parse_symbol(const char *format_text, const char *field, const char *sym);
/* The symbols (0..n-1 order of appearance) of a __print_symbolic field: fills names/values, returns count. */
int tracepoint_parse_symbols(const char *format_text, const char *field,
			     char names[][32], int *values, int max);

#endif

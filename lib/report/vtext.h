/* A verdict's numbers as words, one way for every renderer (compare, its summary, trend, bisect). */
#ifndef MMBENCH_VTEXT_H
#define MMBENCH_VTEXT_H

#include <stddef.h>

#include "stats/verdict.h"

/* "1.020 [0.966, 1.077]", "1.059" (untested: no interval), "from 0", "to 0", "equal" or "-". */
const char *vt_ratio(const struct vresult *r, char *buf, size_t len);
/* "-14.8%", "from 0", "to 0" or "changed": a change as a reader says it. */
const char *vt_change(const struct vresult *r, char *buf, size_t len);
/* "x0.145", "from 0", "to 0" or "-". */
const char *vt_step(const struct vresult *r, char *buf, size_t len);
/* "12%" or "-". */
const char *vt_pct(double v, char *buf, size_t len);
/* "better x0.00013 [lo, hi], mde 54%": a whole result on one line. */
const char *vt_line(const struct vresult *r, char *buf, size_t len);

#endif

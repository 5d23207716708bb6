/*
 * The small archive test_publish and test_int_browser publish: two kernels, three runs each
 * (copies of the fixtures with a few percent of noise), one labelled
 * <script>alert(1)</script>, and a TCG run labelled to break out of an attribute.
 */
#ifndef MMBENCH_PUBLISH_ARCHIVE_H
#define MMBENCH_PUBLISH_ARCHIVE_H

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"

#define DATA		"tests/data/"
#define SCRIPT_LABEL	"<script>alert(1)</script>"
#define ESCAPED_LABEL	"&lt;script&gt;alert(1)&lt;/script&gt;"
/* the TCG run's: out of a quoted attribute into an event handler, if it were not escaped */
#define ATTR_LABEL	"tcg\" onmouseover=\"alert(2)\" x='"

static char root[PATH_MAX], site[PATH_MAX];	/* the archive, and where it is published */

/* Every sample of every metric of @bench times a factor of a few percent set by @seed. */
static inline void add_noise(json_t *bench, int seed)
{
	size_t c, m, i;
	json_t *cs, *ms, *v;

	json_array_foreach(json_object_get(bench, "cases"), c, cs)
		json_array_foreach(json_object_get(cs, "metrics"), m, ms)
			json_array_foreach(json_object_get(ms, "samples"), i, v)
				if (json_is_number(v))
					json_array_set_new(json_object_get(ms, "samples"), i,
						json_real(json_number_value(v) *
							  (1 + 0.01 * ((int)(seed * 7 + i * 3 + c) % 5 - 2))));
}

/* ROOT/<kernel>/<id>: a copy of fixture @from with its own run id, start, label and noise. */
static inline void make_run(const char *from, const char *kernel, const char *id, const char *label,
		     int seed)
{
	static const char *const benches[] = { "fault-scale.json", "uffd-wp.json" };
	char dir[PATH_MAX], path[PATH_MAX * 2], start[32];
	json_t *m;

	snprintf(dir, sizeof(dir), "%s/%s/%s", root, kernel, id);
	assert_int_equal(tu_run(NULL, "mkdir -p %s && cp %s%s/* %s/", dir, DATA, from, dir), 0);
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	m = tu_json(path);
	snprintf(start, sizeof(start), "2024-06-0%dT10:00:00Z", 1 + seed % 9);
	json_object_set_new(m, "run_id", json_string(id));
	json_object_set_new(m, "label", json_string(label));
	json_object_set_new(m, "start_time", json_string(start));
	assert_int_equal(json_dump_file(m, path, JSON_INDENT(1)), 0);
	json_decref(m);
	for (int b = 0; b < 2; b++) {
		snprintf(path, sizeof(path), "%s/%s", dir, benches[b]);
		if (access(path, F_OK))
			continue;
		m = tu_json(path);
		add_noise(m, seed);
		assert_int_equal(json_dump_file(m, path, JSON_INDENT(1)), 0);
		json_decref(m);
	}
}

static inline int pa_setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/results", tu_tmpdir());
	snprintf(site, sizeof(site), "%s/site", tu_tmpdir());
	for (int r = 0; r < 3; r++) {
		char id[64];

		snprintf(id, sizeof(id), "2024060%d-100000-base", r + 1);
		make_run("run-base", "6.1.0-base", id, "base", r);
		snprintf(id, sizeof(id), "2024060%d-110000-new", r + 4);
		make_run("run-new", "6.18.0-new", id, r == 1 ? SCRIPT_LABEL : "new", r + 3);
	}
	make_run("run-tcg", "6.1.0-base", "20240601-120000-tcg", ATTR_LABEL, 7);
	return 0;
}

/* The page of this site matching @pattern (below the site) into @buf; fails the test when none does. */
static inline void find_page(const char *top, const char *pattern, char *buf, size_t len)
{
	char glob[PATH_MAX * 2];

	snprintf(glob, sizeof(glob), "%s/%s", top, pattern);
	if (tu_glob_last(glob, buf, len))
		fail_msg("no page %s", glob);
}

#endif

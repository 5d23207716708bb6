/* What identifies a run among others (run_keys.h): a run directory, its host, a bench's options. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "results/run_keys.h"

bool is_run_dir(const char *dir)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if (!access(path, F_OK))
		return true;
	snprintf(path, sizeof(path), "%s/INCOMPLETE", dir);
	return !access(path, F_OK);
}

const char *rl_host(const struct rl_run *run, char *buf, size_t len)
{
	char model[128], pus[16], nodes[16], virt[32];

	snprintf(buf, len, "%s/%s/%s/%s",
		 rl_manifest_str(run, "cpu.model", model, sizeof(model)) ?: "?",
		 rl_manifest_str(run, "topology.pus", pus, sizeof(pus)) ?: "?",
		 rl_manifest_str(run, "topology.numa_nodes", nodes, sizeof(nodes)) ?: "?",
		 rl_manifest_str(run, "virtualization", virt, sizeof(virt)) ?: "?");
	return buf;
}

char *rl_bench_options(const struct rl_bench *b)
{
	json_t *o;
	char *s;

	if (!b || !json_is_object(b->params))
		return NULL;
	o = json_deep_copy(b->params);
	json_object_del(o, "reps");
	json_object_del(o, "profile");
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

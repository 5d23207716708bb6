/*
 * The items of mmbench system show (system.h): each source of noise pyperf, LKP and mmtests
 * look at, with its value here and a plain verdict. What cannot be read is "cannot tell",
 * never a guess.
 */
#include <dirent.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/system.h"
#include "knobs/knobs.h"
#include "sys/procfs.h"

#define CPU_DIR	"/sys/devices/system/cpu"

const char *sys_verdict_word(enum sys_verdict v)
{
	return v == SYS_OK ? "ok" : v == SYS_NOISE ? "adds noise" : "cannot tell";
}

void sys_judge(struct sys_item *it, enum sys_verdict v, const char *fmt, ...)
{
	va_list ap;

	it->verdict = v;
	va_start(ap, fmt);
	vsnprintf(it->note, sizeof(it->note), fmt, ap);
	va_end(ap);
}

/* A file under the sysroot as text; NULL when it cannot be read. */
static const char *text_of(const char *path, char *buf, size_t len)
{
	char full[512];

	return read_text(sysroot_path(full, sizeof(full), path), buf, len) ? NULL : buf;
}

static void governor(struct sys_item *it)
{
	char pat[512], buf[64];
	int perf = 0, other = 0;
	glob_t g;

	sysroot_path(pat, sizeof(pat), CPU_DIR "/cpu[0-9]*/cpufreq/scaling_governor");
	if (glob(pat, 0, NULL, &g)) {
		snprintf(it->value, sizeof(it->value), "no cpufreq");
		sys_judge(it, SYS_UNKNOWN, "no %s/cpu*/cpufreq: the host or the firmware sets the clock, "
		      "not this kernel (a guest): nothing here to tune", CPU_DIR);
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		if (read_text(g.gl_pathv[i], buf, sizeof(buf)))
			continue;
		if (!strcmp(buf, "performance"))
			perf++;
		else if (!other++)
			snprintf(it->value, sizeof(it->value), "%s", buf);
	}
	globfree(&g);
	if (!other) {
		snprintf(it->value, sizeof(it->value), "performance on %d CPUs", perf);
		sys_judge(it, SYS_OK, "the clock stays at its highest");
		return;
	}
	snprintf(it->value + strlen(it->value), sizeof(it->value) - strlen(it->value),
		 " on %d of %d CPUs", other, other + perf);
	sys_judge(it, SYS_NOISE, "the clock follows load as it comes and goes: tune sets performance");
}

static void turbo(struct sys_item *it)
{
	char nt[32], boost[32];
	bool has_nt = text_of(CPU_DIR "/intel_pstate/no_turbo", nt, sizeof(nt));
	bool has_boost = text_of(CPU_DIR "/cpufreq/boost", boost, sizeof(boost));

	if (!has_nt && !has_boost) {
		snprintf(it->value, sizeof(it->value), "no intel_pstate/no_turbo, no cpufreq/boost");
		sys_judge(it, SYS_UNKNOWN, "this kernel does not control it here (a guest: the host does)");
		return;
	}
	snprintf(it->value, sizeof(it->value), "%s%s%s%s%s", has_nt ? "no_turbo=" : "",
		 has_nt ? nt : "", has_nt && has_boost ? ", " : "", has_boost ? "boost=" : "",
		 has_boost ? boost : "");
	if ((has_nt && strcmp(nt, "1")) || (has_boost && strcmp(boost, "0")))
		sys_judge(it, SYS_NOISE, "the clock rises above base while thermal headroom lasts: "
		      "tune turns it off");
	else
		sys_judge(it, SYS_OK, "off: the clock stays at or below base");
}

static void cstates(struct sys_item *it)
{
	char drv[64], path[256], name[64], lat[32], dis[16];
	size_t off;
	long max = -1;

	if (!text_of(CPU_DIR "/cpuidle/current_driver", drv, sizeof(drv))) {
		snprintf(it->value, sizeof(it->value), "no cpuidle");
		sys_judge(it, SYS_UNKNOWN, "no %s/cpuidle: idle states are not this kernel's to show", CPU_DIR);
		return;
	}
	off = snprintf(it->value, sizeof(it->value), "%s:", drv);
	for (int s = 0; s < 16 && off < sizeof(it->value); s++) {
		snprintf(path, sizeof(path), CPU_DIR "/cpu0/cpuidle/state%d/name", s);
		if (!text_of(path, name, sizeof(name)))
			break;
		snprintf(path, sizeof(path), CPU_DIR "/cpu0/cpuidle/state%d/latency", s);
		if (!text_of(path, lat, sizeof(lat)))
			snprintf(lat, sizeof(lat), "?");
		snprintf(path, sizeof(path), CPU_DIR "/cpu0/cpuidle/state%d/disable", s);
		if (!text_of(path, dis, sizeof(dis)))
			snprintf(dis, sizeof(dis), "0");
		off += snprintf(it->value + off, sizeof(it->value) - off, " %s %s us%s", name, lat,
				strcmp(dis, "0") ? " (disabled)" : "");
		if (!strcmp(dis, "0") && atol(lat) > max)
			max = atol(lat);
	}
	if (max <= 10)
		sys_judge(it, SYS_OK, "only shallow states: a CPU wakes in %ld us or less", max < 0 ? 0 : max);
	else
		sys_judge(it, SYS_NOISE, "a CPU waking from its deepest state takes %ld us: limit it on the "
		      "kernel command line (intel_idle.max_cstate=1); tune does not change boot options",
		      max);
}

static void smt(struct sys_item *it)
{
	char control[32], active[8];

	if (!text_of(CPU_DIR "/smt/control", control, sizeof(control))) {
		snprintf(it->value, sizeof(it->value), "no %s/smt", CPU_DIR);
		sys_judge(it, SYS_UNKNOWN, "this kernel does not say");
		return;
	}
	if (!text_of(CPU_DIR "/smt/active", active, sizeof(active)))
		snprintf(active, sizeof(active), "?");
	snprintf(it->value, sizeof(it->value), "control %s, active %s", control, active);
	if (!strcmp(active, "1"))
		sys_judge(it, SYS_NOISE, "sibling threads share a core: work on one slows the other; tune "
		      "takes no CPU offline (echo off > %s/smt/control does)", CPU_DIR);
	else
		sys_judge(it, SYS_OK, "no SMT siblings in use");
}

static void aslr(struct sys_item *it)
{
	char v[16];

	if (!text_of("/proc/sys/kernel/randomize_va_space", v, sizeof(v))) {
		snprintf(it->value, sizeof(it->value), "unreadable");
		sys_judge(it, SYS_UNKNOWN, "kernel.randomize_va_space cannot be read");
		return;
	}
	snprintf(it->value, sizeof(it->value), "randomize_va_space %s", v);
	if (strcmp(v, "0"))
		sys_judge(it, SYS_OK, "each repetition's mappings land at new addresses, so no one "
		      "layout's luck is in every number (left as it is)");
	else
		sys_judge(it, SYS_NOISE, "one address layout in every run: its luck is in every number");
}

static void knob_value(const char *knob, char *buf, size_t len)
{
	if (knob_read(knob, buf, len))
		snprintf(buf, len, "?");
}

static void thp(struct sys_item *it)
{
	char en[32], df[32], sh[32];

	knob_value("thp.enabled", en, sizeof(en));
	knob_value("thp.defrag", df, sizeof(df));
	knob_value("thp.shmem_enabled", sh, sizeof(sh));
	snprintf(it->value, sizeof(it->value), "enabled %s, defrag %s, shmem_enabled %s", en, df, sh);
	if (!strcmp(en, "?"))
		sys_judge(it, SYS_UNKNOWN, "no THP here");
	else if (!strcmp(en, "always"))
		sys_judge(it, SYS_NOISE, "every process's memory may take huge pages, and khugepaged "
		      "collapses it in the background; benches set the modes their cases need, tune "
		      "leaves the default (--set thp.enabled=madvise holds it for a run)");
	else
		sys_judge(it, SYS_OK, "huge pages only where asked for; benches set what their cases need");
}

/* Whether a process or kernel thread named @comm is running. */
static bool running(const char *comm)
{
	char path[300], buf[64];
	bool found = false;
	struct dirent *d;
	DIR *dir = opendir("/proc");

	while (dir && !found && (d = readdir(dir)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9') {
			snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
			found = !read_text(path, buf, sizeof(buf)) && !strcmp(buf, comm);
		}
	if (dir)
		closedir(dir);
	return found;
}

static void khugepaged(struct sys_item *it)
{
	char sleep_ms[32], pages[32], en[32];

	knob_value("khugepaged.scan_sleep_millisecs", sleep_ms, sizeof(sleep_ms));
	knob_value("khugepaged.pages_to_scan", pages, sizeof(pages));
	knob_value("thp.enabled", en, sizeof(en));
	snprintf(it->value, sizeof(it->value), "%s, scans %s pages every %s ms",
		 running("khugepaged") ? "running" : "not running", pages, sleep_ms);
	if (!running("khugepaged"))
		sys_judge(it, SYS_OK, "no background collapse");
	else if (!strcmp(en, "always"))
		sys_judge(it, SYS_NOISE, "collapses every process's memory in the background while benches "
		      "run; the thp bench sets what its collapse cases need");
	else
		sys_judge(it, SYS_OK, "collapses only memory asked for (madvise)");
}

static void numa_balancing(struct sys_item *it)
{
	char v[32];

	knob_value("kernel.numa_balancing", v, sizeof(v));
	snprintf(it->value, sizeof(it->value), "kernel.numa_balancing %s", v);
	if (!strcmp(v, "?"))
		sys_judge(it, SYS_UNKNOWN, "not in this kernel");
	else if (strcmp(v, "0"))
		sys_judge(it, SYS_NOISE, "hint faults and page migrations in every process: tune sets 0 "
		      "(numa-scan turns it on for its own cases)");
	else
		sys_judge(it, SYS_OK, "off (numa-scan turns it on for its own cases)");
}

static void compaction(struct sys_item *it)
{
	char v[32];

	knob_value("vm.compaction_proactiveness", v, sizeof(v));
	snprintf(it->value, sizeof(it->value), "vm.compaction_proactiveness %s", v);
	if (!strcmp(v, "?"))
		sys_judge(it, SYS_UNKNOWN, "not in this kernel");
	else if (strcmp(v, "0"))
		sys_judge(it, SYS_NOISE, "kcompactd moves pages in the background past a fragmentation "
		      "score: tune sets 0");
	else
		sys_judge(it, SYS_OK, "no background compaction");
}

static void irqbalance(struct sys_item *it)
{
	bool on = running("irqbalance");

	snprintf(it->value, sizeof(it->value), "%s", on ? "running" : "not running");
	if (on)
		sys_judge(it, SYS_NOISE, "it moves interrupts between CPUs while runs go: stop it for a run "
		      "(systemctl stop irqbalance); tune stops no service");
	else
		sys_judge(it, SYS_OK, "interrupts stay where they are");
}

json_t *sys_manifest_items(void)
{
	/* the settings of show the rest of the manifest lacks; load and memory change by the second */
	static void (*const fns[])(struct sys_item *) = {
		cstates, khugepaged, irqbalance, sys_irq_affinity,
	};
	static const char *const names[] = { "cstates", "khugepaged", "irqbalance", "irq_affinity" };
	json_t *o = json_object();

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		struct sys_item it = { .name = names[i], .verdict = SYS_UNKNOWN };

		fns[i](&it);
		json_object_set_new(o, names[i], json_pack("{ssss}", "value", it.value, "verdict",
							   sys_verdict_word(it.verdict)));
	}
	return o;
}

int sys_items(struct sys_item *items, int max)
{
	static void (*const fns[])(struct sys_item *) = {
		governor, turbo, cstates, smt, aslr, thp, khugepaged, numa_balancing, compaction,
		irqbalance, sys_irq_affinity, sys_load, sys_swap, sys_memory, sys_virt,
	};
	static const char *const names[] = {
		"governor", "turbo/boost", "C-states", "SMT", "ASLR", "THP", "khugepaged",
		"NUMA balancing", "compaction", "irqbalance", "IRQ affinity", "other load", "swap",
		"free memory", "virtualization",
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]) && n < max; i++, n++) {
		memset(&items[n], 0, sizeof(items[n]));
		items[n].name = names[i];
		fns[i](&items[n]);
	}
	return n;
}

#!/usr/bin/env python3
# Writes the fixed run directories under tests/data/ used by the golden tests of
# report and compare (tests/test_report.c, tests/test_compare.c). Synthetic
# samples from a seeded generator; the layout follows schema mmbench/1 as
# lib/results/results_write.c writes it. Re-run only to change the fixtures on purpose:
#   python3 tests/data/make_fixtures.py
import json, os, random, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20240601)

def samples(mean, cv, n):
    return [round(rng.gauss(mean, cv * mean), 3) for _ in range(n)]

def metric(name, unit, better, s):
    m = statistics.median(s)
    return {"name": name, "unit": unit, "better": better, "samples": s,
            "median": m, "mean": statistics.mean(s),
            "stddev": statistics.stdev(s) if len(s) > 1 else 0,
            "cv": (statistics.stdev(s) / statistics.mean(s)) if len(s) > 1 else 0,
            "ci95": [min(s), max(s)]}

def case(key, params, metrics, counters=None, vmstat=None, status="ok", reason=None):
    return {"case": key, "params": params, "knobs": {}, "status": status, "reason": reason,
            "metrics": metrics if status == "ok" else [],
            "counters": counters or {}, "vmstat": vmstat or {}}

def manifest(release, run_id, label, extra_knobs, virt="kvm", vm=None):
    knobs = {"thp.enabled": "always [madvise] never",
             "thp.defrag": "always defer defer+madvise [madvise] never",
             "thp.hugepages-2048kB.enabled": "always [inherit] madvise never",
             "khugepaged.max_ptes_none": "511",
             "kernel.numa_balancing": "0",
             "fault_around_bytes": "unreadable: Operation not permitted"}
    knobs.update(extra_knobs)
    m = {"schema": "mmbench-manifest/1", "run_id": run_id, "label": label, "profile": "quick",
         "start_time": "2024-06-01T10:00:00Z", "end_time": "2024-06-01T10:03:00Z",
         "command_line": "mmbench run --profile quick --label " + label,
         "mmbench_version": "v0.1-7-gabcdef0",
         "kernel": {"release": release, "version": "#1 SMP PREEMPT_DYNAMIC " + release,
                    "cmdline": "BOOT_IMAGE=/vmlinuz-%s root=/dev/vda1 ro console=ttyS0" % release,
                    "config": {"CONFIG_TRANSPARENT_HUGEPAGE": "y", "CONFIG_PER_VMA_LOCK": "y",
                               "CONFIG_NUMA_BALANCING": "y"},
                    "config_digest": "sha256:" + (release.replace(".", "") * 8)[:64]},
         "cpu": {"model": "Intel Xeon Processor (Cascadelake)", "sockets": 1, "cores": 2,
                 "threads": 2, "smt": "off", "governor": "unreadable: no cpufreq"},
         "topology": {"sockets": 1, "numa_nodes": 1, "cores": 2, "pus": 2,
                      "mem_per_node_mib": [24000]},
         "knobs": knobs, "virtualization": virt}
    if vm:
        m["vm"] = vm
    return m

def uffd(new):
    cases = []
    for mode, base_us in (("default", 150.0), ("pre-read", 21000.0), ("wp-unpopulated", 400.0)):
        for thp in ("never", "always"):
            key = "mode=%s thp=%s" % (mode, thp)
            params = {"mode": mode, "thp": thp}
            if mode == "wp-unpopulated" and not new:
                cases.append(case(key, params, [], status="skip",
                                  reason="kernel lacks UFFD_FEATURE_WP_UNPOPULATED (needs 6.4)"))
                continue
            t = base_us * (0.9 if (new and mode == "pre-read") else 1.0)
            ms = [metric("total_us", "us", "lower", samples(t, 0.02, 5)),
                  metric("protect_us", "us", "lower", samples(t * 0.3, 0.03, 5)),
                  metric("faults", "count", "none", [4096.0] * 5)]
            counters = {"minor-faults": {"val": 5 * 16384 if mode == "pre-read" else 5 * 12,
                                         "ena": 1000, "run": 1000},
                        "cycles": {"supported": False, "reason": "no PMU"}}
            vm = {"thp_fault_alloc": 5 * 32 if thp == "always" else 0, "pgfault": 5 * 16400}
            cases.append(case(key, params, ms, counters, vm))
    return {"schema": "mmbench/1", "bench": "uffd-wp",
            "summary": "userfaultfd write-protect of an anonymous range",
            "unit_of_work": "one page write-protected",
            "mechanism": ["faults_handled", "counter:minor-faults*"],
            "status": "ok", "reason": None,
            "params": {"size": "64M", "stride": "16", "reps": 5, "profile": "quick"},
            "cases": cases}

def scale(new):
    cases = []
    for threads in (1, 2, 4, 8, 16):
        if new and threads == 16:
            continue
        key = "mode=vma-lock threads=%d" % threads
        rate = 1.0e6 * threads ** 0.8
        if new and threads == 8:
            rate *= 0.85
        ms = [metric("faults_per_sec", "1/s", "higher", samples(rate, 0.02, 5)),
              metric("lock_waits", "count", "lower", samples(100.0 * threads, 0.05, 2))]
        if new and threads == 1:
            ms.append(metric("rss_kib", "KiB", "none", samples(65536.0, 0.0001, 5)))
        cases.append(case(key, {"mode": "vma-lock", "threads": threads}, ms,
                          {"page-faults": {"val": 5 * 65536 * threads, "ena": 10, "run": 5}}))
    return {"schema": "mmbench/1", "bench": "fault-scale",
            "summary": "page-fault rate as threads are added",
            "unit_of_work": "one page read-faulted", "status": "ok", "reason": None,
            "params": {"size": "256M", "threads": "1,2,4,8,16", "reps": 5, "profile": "quick"},
            "cases": cases}

def write(d, man, benches):
    os.makedirs(os.path.join(HERE, d), exist_ok=True)
    with open(os.path.join(HERE, d, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    for b in benches:
        with open(os.path.join(HERE, d, b["bench"] + ".json"), "w") as f:
            json.dump(b, f, indent=1)

write("run-base", manifest("6.1.0-base", "20240601-100000-base", "base", {}),
      [uffd(False), scale(False)])
write("run-new", manifest("6.18.0-new", "20240601-110000-new", "new",
                          {"khugepaged.max_ptes_none": "255"}),
      [uffd(True), scale(True)])
write("run-tcg", manifest("6.1.0-base", "20240601-120000-tcg", "tcg", {}, virt="tcg",
                          vm={"accel": "tcg", "numa": 2}),
      [uffd(False)])

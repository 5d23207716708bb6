#!/usr/bin/env python3
# Reference values for tests/test_stats.c, computed independently of GSL:
# GSL's mt19937 (seeding of gsl_rng_set) and gsl_rng_uniform_int re-implemented
# on Python's MT19937 state, medians and quantiles by their textbook definitions,
# Mann-Whitney exact by enumerating every split, normal approximation by formula,
# Benjamini-Hochberg by its definition.  Run: python3 tests/data/stats_ref.py
import itertools, math, random, statistics

SEED = 0x6d6d62
B = 2000

def gsl_mt(seed):
    if seed == 0:
        seed = 4357
    mt = [seed & 0xffffffff]
    for i in range(1, 624):
        mt.append((1812433253 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i) & 0xffffffff)
    r = random.Random()
    r.setstate((3, tuple(mt + [624]), None))
    return r

def uniform_int(r, n):
    scale = 0xffffffff // n
    while True:
        k = r.getrandbits(32) // scale
        if k < n:
            return k

def quantile(s, f):
    idx = f * (len(s) - 1)
    lhs = int(math.floor(idx))
    d = idx - lhs
    if lhs + 1 >= len(s):
        return s[lhs]
    return (1 - d) * s[lhs] + d * s[lhs + 1]

def med(x):
    return statistics.median(x)

def resample_median(r, x):
    return med([x[uniform_int(r, len(x))] for _ in x])

def median_ci(x):
    r = gsl_mt(SEED)
    boot = sorted(resample_median(r, x) for _ in range(B))
    return quantile(boot, 0.025), quantile(boot, 0.975)

def ratio_ci(b, c):
    r = gsl_mt(SEED)
    boot = []
    for _ in range(B):
        mb = resample_median(r, b)
        mc = resample_median(r, c)
        boot.append(mc / mb)
    boot.sort()
    return med(c) / med(b), quantile(boot, 0.025), quantile(boot, 0.975)

def mw_exact(a, b):
    allv = a + b
    n = len(allv)
    def u_of(ia):
        return sum(1 for i in ia for j in range(n) if j not in ia and allv[i] > allv[j])
    u = u_of(set(range(len(a))))
    us = [u_of(set(c)) for c in itertools.combinations(range(n), len(a))]
    le = sum(1 for v in us if v <= u) / len(us)
    ge = sum(1 for v in us if v >= u) / len(us)
    return min(1.0, 2 * min(le, ge))

def mw_exact_ties(a, b):
    """Two-sided exact permutation p of the mid-rank sum: every split enumerated."""
    allv = a + b
    n = len(allv)
    rank = [(sum(1 for w in allv if w < v) + 1 + sum(1 for w in allv if w <= v)) / 2 for v in allv]
    e = len(a) * sum(rank) / n
    obs = abs(sum(rank[:len(a)]) - e)
    sums = [abs(sum(rank[i] for i in c) - e) for c in itertools.combinations(range(n), len(a))]
    return sum(1 for v in sums if v >= obs - 1e-9) / len(sums)

def mw_normal(a, b):
    allv = sorted(a + b)
    n = len(allv)
    rank = {}
    tie = 0
    i = 0
    while i < n:
        j = i
        while j < n and allv[j] == allv[i]:
            j += 1
        rank[allv[i]] = (i + 1 + j) / 2
        t = j - i
        tie += t ** 3 - t
        i = j
    na, nb = len(a), len(b)
    u = sum(rank[v] for v in a) - na * (na + 1) / 2
    sigma = math.sqrt(na * nb / 12 * ((n + 1) - tie / (n * (n - 1))))
    z = max(0.0, (abs(u - na * nb / 2) - 0.5) / sigma)
    return min(1.0, math.erfc(z / math.sqrt(2)))

def bh(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    q = [0] * m
    run = 1.0
    for k in range(m - 1, -1, -1):
        run = min(run, p[order[k]] * m / (k + 1))
        q[order[k]] = run
    return q

x = [10.0, 12.0, 11.0, 13.0, 9.0, 14.0, 10.5]
print("summary x: median %.17g mean %.17g sd %.17g cv %.17g" % (
    med(x), statistics.mean(x), statistics.stdev(x), statistics.stdev(x) / statistics.mean(x)))
print("median_ci x: %.17g %.17g" % median_ci(x))
b = [100.0, 102.0, 98.0, 101.0, 99.0]
c = [90.0, 91.5, 89.0, 92.0, 90.5]
print("ratio_ci b c: %.17g %.17g %.17g" % ratio_ci(b, c))
print("mw exact b c: %.17g" % mw_exact(b, c))
a1 = [1.0, 2.0, 3.0, 4.0, 5.0]
a2 = [3.5, 6.0, 7.0, 8.0, 9.0, 10.0]
print("mw exact a1 a2: %.17g" % mw_exact(a1, a2))
t1 = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0]
t2 = [2.0, 4.0, 5.0, 5.0, 6.0, 7.0, 7.0, 8.0]
print("mw exact with ties t1 t2: %.17g" % mw_exact_ties(t1, t2))
print("mw exact with ties 111 222: %.17g" % mw_exact_ties([1.0] * 3, [2.0] * 3))
p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2]
print("bh: " + " ".join("%.17g" % v for v in bh(p)))
x2 = [round(50 + 7.3 * math.sin(1.7 * i) + 0.11 * i, 3) for i in range(20)]
print("x2 = {" + ", ".join("%g" % v for v in x2) + "}")
print("median_ci x2: %.17g %.17g" % median_ci(x2))
y2 = [round(v * 1.04 + 0.5 * math.cos(i), 3) for i, v in enumerate(x2)]
print("y2 = {" + ", ".join("%g" % v for v in y2) + "}")
print("ratio_ci x2 y2: %.17g %.17g %.17g" % ratio_ci(x2, y2))
big_a = [float(i) for i in range(60)]
big_b = [i + 7.5 for i in range(55)]
print("mw normal big (no ties, n>30): %.17g" % mw_normal(big_a, big_b))

"""Experiment (not the family's code): a greedy 2-parent Bayesian network on noisy marginals.

    python benchmarks/experiments/dpmarginals_network.py '[{"k": 1}, {"k": 2}]' '[1, 10]'

The question was whether choosing each column's parents freely among the columns already
in the network (up to k, by the exponential mechanism on the L1 gain over independence,
less the noise a measurement of that size adds, with tables gated by their planned noise)
beats the family's tree + one 3-way per node. Gaussian noise is drawn by numpy here (an
experiment only: the family draws through OpenDP). ROOT is a public choice of the first
column; the result depends on it (see benchmarks/README.md, "DP marginals").
"""
import itertools, json, math, sys, time
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
import numpy as np, polars as pl
from bench_dpmarginals import discretise, ADULT
from datatwin.models.dpmarginals import tree as tr
from datatwin.privacy.budget import Budget
real = discretise(pl.read_csv(ADULT, null_values=["?"], infer_schema_length=None))
cols = real.columns
codes = {}; sizes = {}
for i, c in enumerate(cols):
    u, inv = np.unique(real[c].to_numpy(), return_inverse=True)
    codes[i] = inv.astype(np.int64); sizes[i] = len(u)
d = len(cols); n = real.height
_cache = {}
def counts(cs, src=None, m=None):
    src = codes if src is None else src
    m = len(src[cs[0]])
    key = np.zeros(m, dtype=np.int64)
    for c in cs: key = key * sizes[c] + src[c]
    return np.bincount(key, minlength=int(np.prod([sizes[c] for c in cs]))).astype(float)
def exact(cs):
    k = tuple(cs)
    if k not in _cache: _cache[k] = counts(list(cs))
    return _cache[k]
rng0 = np.random.default_rng(1)
pairs = list(itertools.combinations(range(d), 2))
triples = [tuple(t) for t in rng0.choice(list(itertools.combinations(range(d), 3)), 100, replace=False)]
def tvd_cells(syn, cs):
    a = exact(list(cs))/n; b = counts(list(cs), syn); b/=b.sum()
    return 0.5*np.abs(a-b).sum()
def em(scores, eps, rng):  # exponential mechanism, sensitivity 1
    g = rng.gumbel(size=len(scores))
    return int(np.argmax(eps/2*np.asarray(scores) + g))
ROOT=0
def run(rho, k=2, s1=0.1, ssel=0.1, gate=2.0, seed=0, SIM=100_000):
    rng = np.random.default_rng(seed)
    sd1 = math.sqrt(d/(2*rho*s1)) if rho else 0.0
    ones = {i: exact([i]) + rng.normal(0, sd1, sizes[i]) for i in range(d)}
    nhat = np.mean([max(np.clip(v,0,None).sum(),1) for v in ones.values()])
    p1 = {i: tr.project_simplex(v/nhat) for i,v in ones.items()}
    steps = d  # each column enters once (first one too, with par possibly empty)
    rho_sel = rho*ssel/(d-1) if rho else None
    rho_m = rho*(1-s1-ssel)/(d-1) if rho else None
    sdm = math.sqrt(1/(2*rho_m)) if rho else 0.0
    limit = nhat/(gate*sdm) if rho else 1e6
    order=[]; given={}; tables={}; sim={}
    # root: largest 1-way entropy? choose column first by best pair score later: start with q having par empty is allowed
    first = True
    Pcache={}
    def Ppar(par):
        if par not in Pcache:
            Pcache[par] = counts(list(par), sim)/SIM
        return Pcache[par]
    while len(order) < d:
        cands=[]; scores=[]
        for q in range(d):
            if q in given: continue
            if not order:
                if q == ROOT: cands.append((q,())); scores.append(0.0)
                continue
            for r in range(1, min(k,len(order))+1):
                for par in itertools.combinations(sorted(order), r):
                    cells = np.prod([sizes[c] for c in par])*sizes[q]
                    if cells > limit: continue
                    N = exact(list(par)+[q])
                    E = nhat*np.outer(Ppar(par), p1[q]).ravel()
                    scores.append(np.abs(N-E).sum() - math.sqrt(2/math.pi)*sdm*cells); cands.append((q,par))
        if not order:
            # root: pick the column with most pair mass: use EM over pair scores
            pass
        if rho:
            j = em(scores, math.sqrt(8*rho_sel), rng)
        else: j = int(np.argmax(scores))
        q, par = cands[j]
        if par:
            T = exact(list(par)+[q]) + rng.normal(0, sdm, int(np.prod([sizes[c] for c in par]))*sizes[q])
            T = T.reshape(-1, sizes[q])
            # q's 1-way: combine
            est = [(ones[q], sd1**2), (T.sum(0), T.shape[0]*sdm**2)]
            pq = tr.combine(est) if rho else exact([q])/n
            rows = Ppar(par)
            J = tr.fit_pair(T, rows, pq)
            rs = J.sum(1, keepdims=True)
            cond = np.where(rs>0, J/np.where(rs>0,rs,1), pq[None,:])
            p1[q] = pq
        else:
            cond = p1[q] if rho else exact([q])/n
        order.append(q); given[q]=tuple(par); tables[q]=cond
        # simulate q
        s = tr.sample_tree(SIM, [q], {q: tuple(par)}, {q: cond}, sizes, rng) if False else None
        if par:
            key=np.zeros(SIM,dtype=np.int64)
            for c in par: key=key*sizes[c]+sim[c]
            g = np.bincount(key, minlength=cond.shape[0])
            cnt = tr.round_counts(g, cond, rng)
            cells = np.repeat(np.tile(np.arange(cond.shape[1]), cond.shape[0]), cnt.ravel())
            perm = rng.permutation(SIM); rws = perm[np.argsort(key[perm], kind="stable")]
            ch = np.empty(SIM, dtype=np.int64); ch[rws]=cells; sim[q]=ch
        else:
            cnt = tr.round_counts(np.array([SIM]), cond[None,:], rng)[0]
            sim[q] = rng.permutation(np.repeat(np.arange(cond.size), cnt))
    syn = tr.sample_tree(n, order, given, {q: (t if t.ndim==2 else t) for q,t in tables.items()}, sizes, np.random.default_rng(seed+100))
    return np.mean([tvd_cells(syn,p) for p in pairs]), np.mean([tvd_cells(syn,t) for t in triples]), [ (cols[q],[cols[c] for c in given[q]]) for q in order]
import sys
EPS = json.loads(sys.argv[2]) if len(sys.argv) > 2 else [1.0, 10.0]
cfgs = json.loads(sys.argv[1]) if len(sys.argv) > 1 else [{}]
for eps in EPS:
    rho = Budget.create(epsilon=eps, delta=1e-9).to_zcdp().rho
    for cfg in cfgs:
        t=time.time(); res=[run(rho, seed=s, **cfg)[:2] for s in range(3)]
        print(eps, cfg, np.round(np.mean(res,0),4), np.round(np.std([r[0] for r in res]),4), f"{time.time()-t:.1f}s", flush=True)
